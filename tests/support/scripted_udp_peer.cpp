// The scripted UDP peer's socket loop (see scripted_udp_peer.hpp).
#include "support/scripted_udp_peer.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace pdu2mqtt::test {

using asio::ip::udp;

scripted_udp_peer::scripted_udp_peer(asio::io_context& io, script s)
    : socket_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
      other_port_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)),
      other_address_(io),
      script_(std::move(s)) {
  // Linux routes all of 127/8 to lo; the same port on 127.0.0.2 is a different socket.
  std::error_code ec;
  other_address_.open(udp::v4(), ec);
  if (!ec) {
    other_address_.bind(udp::endpoint(asio::ip::make_address_v4("127.0.0.2"), endpoint().port()),
                        ec);
  }
  has_other_address_ = !ec;
  asio::co_spawn(io, serve(), asio::detached);
}

scripted_udp_peer::~scripted_udp_peer() {
  stop();
}

void scripted_udp_peer::send_to_last_sender(std::span<const std::uint8_t> data) {
  std::error_code ignored;
  socket_.send_to(asio::buffer(data.data(), data.size()), last_sender_, 0, ignored);
}

void scripted_udp_peer::stop() {
  std::error_code ignored;
  socket_.close(ignored);
  other_port_.close(ignored);
  other_address_.close(ignored);
}

udp::socket& scripted_udp_peer::socket_for(source from) {
  switch (from) {
    case source::other_port:
      return other_port_;
    case source::other_address:
      return other_address_;
    case source::peer:
      break;
  }
  return socket_;
}

awaitable<void> scripted_udp_peer::serve() {
  std::vector<std::uint8_t> buffer(65536);
  udp::endpoint from;
  for (;;) {
    auto [ec, n] =
        co_await socket_.async_receive_from(asio::buffer(buffer), from, as_tuple_awaitable);
    if (ec) co_return;
    last_sender_ = from;
    for (const auto& out : script_(std::span<const std::uint8_t>(buffer.data(), n))) {
      std::error_code send_ec;
      socket_for(out.from).send_to(asio::buffer(out.data), from, 0, send_ec);
      EXPECT_FALSE(send_ec) << "sending " << out.data.size() << " bytes: " << send_ec.message();
    }
  }
}

}  // namespace pdu2mqtt::test
