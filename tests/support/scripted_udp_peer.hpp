// A UDP peer on loopback whose answers a test scripts datagram by datagram: the one socket loop
// under the scripted SNMP agents of tests/exchange and tests/hostile.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "pdu2mqtt/common/asio.hpp"

namespace pdu2mqtt::test {

// Which socket a datagram leaves from: the peer's own (where requests arrive), another port on
// the same address, or the peer's port on another loopback address (127.0.0.2).
enum class source { peer, other_port, other_address };

struct outgoing {
  std::vector<std::uint8_t> data;
  source from = source::peer;
};

class scripted_udp_peer {
 public:
  // Sees each datagram received and returns what goes back to its sender (none: silence).
  using script = std::function<std::vector<outgoing>(std::span<const std::uint8_t> received)>;

  // Binds 127.0.0.1 on a port the kernel chooses and serves on io until stop().
  scripted_udp_peer(asio::io_context& io, script s);
  ~scripted_udp_peer();
  scripted_udp_peer(const scripted_udp_peer&) = delete;
  scripted_udp_peer& operator=(const scripted_udp_peer&) = delete;

  asio::ip::udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  // False where 127.0.0.2 cannot be bound: source::other_address then sends nothing.
  bool has_other_address() const noexcept { return has_other_address_; }
  // From the peer's own socket to the last sender, outside the script (a held answer).
  void send_to_last_sender(std::span<const std::uint8_t> data);
  void stop();

 private:
  awaitable<void> serve();
  asio::ip::udp::socket& socket_for(source from);

  asio::ip::udp::socket socket_;
  asio::ip::udp::socket other_port_;
  asio::ip::udp::socket other_address_;
  bool has_other_address_ = false;
  script script_;
  asio::ip::udp::endpoint last_sender_;
};

}  // namespace pdu2mqtt::test
