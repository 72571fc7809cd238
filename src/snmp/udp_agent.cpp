// The UDP side of the SNMP agent: bind, receive, let the sans-I/O agent answer, send back.
#include "pdu2mqtt/snmp/udp_agent.hpp"

#include <cstdio>
#include <exception>
#include <sstream>
#include <utility>

namespace pdu2mqtt::snmp {

using asio::ip::udp;

namespace {

std::string describe(const udp::endpoint& ep) {
  std::ostringstream out;
  out << ep;
  return out.str();
}

}  // namespace

result<std::shared_ptr<udp_agent>> udp_agent::create(asio::any_io_executor executor,
                                                     const udp::endpoint& local, mib& data,
                                                     agent_options options,
                                                     request_observer observer) {
  std::shared_ptr<udp_agent> self(
      new udp_agent(executor, data, std::move(options), std::move(observer)));
  std::error_code ec;
  self->socket_.open(local.protocol(), ec);
  if (!ec) self->socket_.bind(local, ec);
  if (!ec) self->local_ = self->socket_.local_endpoint(ec);
  if (ec) return error{ec, "cannot listen on udp " + describe(local)};

  asio::co_spawn(
      executor, [self] { return self->serve(); },
      [where = describe(self->local_)](std::exception_ptr e) {
        // The snmp layer has no logger; a loop dying of a bug must not go unnoticed.
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::fprintf(stderr, "pdu2mqtt: SNMP agent on udp %s stopped: %s\n", where.c_str(),
                       ex.what());
        } catch (...) {
          std::fprintf(stderr, "pdu2mqtt: SNMP agent on udp %s stopped: unknown exception\n",
                       where.c_str());
        }
      });
  return self;
}

udp_agent::udp_agent(asio::any_io_executor executor, mib& data, agent_options options,
                     request_observer observer)
    : socket_(executor),
      agent_(data, std::move(options)),
      observer_(std::move(observer)),
      buffer_(max_message_size) {}

udp_agent::~udp_agent() {
  std::error_code ignored;
  socket_.close(ignored);
}

void udp_agent::close() {
  std::error_code ignored;
  socket_.close(ignored);
  for (auto& d : delayed_)
    d->timer.cancel();
}

void udp_agent::send_later(std::vector<std::uint8_t> reply, const udp::endpoint& peer,
                           std::chrono::milliseconds delay) {
  auto entry = std::make_shared<delayed_reply>(socket_.get_executor());
  entry->bytes = std::move(reply);
  entry->peer = peer;
  delayed_.push_back(entry);
  // Weak references: a completion that runs after the agent is gone must not touch it.
  entry->timer.expires_after(delay);
  entry->timer.async_wait([weak = weak_from_this(), entry](std::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    if (ec || !self->socket_.is_open()) {
      self->delayed_.remove(entry);
      return;
    }
    self->socket_.async_send_to(asio::buffer(entry->bytes), entry->peer,
                                [weak, entry](std::error_code send_ec, std::size_t) {
                                  auto self = weak.lock();
                                  if (!self) return;
                                  self->delayed_.remove(entry);
                                  if (send_ec && send_ec != asio::error::operation_aborted) {
                                    ++self->socket_errors_;
                                  }
                                });
  });
}

awaitable<void> udp_agent::serve() {
  udp::endpoint peer;
  while (socket_.is_open()) {
    auto [ec, length] =
        co_await socket_.async_receive_from(asio::buffer(buffer_), peer, as_tuple_awaitable);
    if (!socket_.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Linux reports an earlier datagram's ICMP port-unreachable here; not fatal.
      ++socket_errors_;
      continue;
    }
    if (observer_) observer_(peer);
    const std::span<const std::uint8_t> datagram(buffer_.data(), length);
    const fault_plan plan = fault_hook_ ? fault_hook_(datagram) : fault_plan{};
    if (plan.drop_request) continue;
    auto reply = agent_.handle(datagram);
    if (!reply || plan.drop_reply) continue;
    if (plan.reply_delay > std::chrono::milliseconds::zero()) {
      send_later(std::move(*reply), peer, plan.reply_delay);
      continue;
    }
    // Awaiting the send keeps to one request at a time, like the real PDU.
    auto [send_ec, sent] =
        co_await socket_.async_send_to(asio::buffer(*reply), peer, as_tuple_awaitable);
    if (send_ec == asio::error::operation_aborted) co_return;
    if (send_ec) ++socket_errors_;
  }
}

}  // namespace pdu2mqtt::snmp
