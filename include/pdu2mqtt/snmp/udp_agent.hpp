// Serves an snmp::agent on a UDP socket: a coroutine receive loop answering one request at a
// time (as a real PDU does), each reply going back to the sender's endpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/asio.hpp"

namespace pdu2mqtt::snmp {

class udp_agent : public std::enable_shared_from_this<udp_agent> {
 public:
  // Called with the sender before each datagram is handled (the simulator logs SETs with it).
  using request_observer = std::function<void(const asio::ip::udp::endpoint& peer)>;

  // Binds to local (port 0 picks a free port) and starts serving; a bind failure comes back
  // as an error naming the endpoint. data must outlive the returned agent.
  static result<std::shared_ptr<udp_agent>> create(asio::any_io_executor executor,
                                                   const asio::ip::udp::endpoint& local, mib& data,
                                                   agent_options options,
                                                   request_observer observer = {});
  ~udp_agent();
  udp_agent(const udp_agent&) = delete;
  udp_agent& operator=(const udp_agent&) = delete;

  // The bound endpoint, with the real port when 0 was asked for.
  asio::ip::udp::endpoint local_endpoint() const { return local_; }
  const agent_counters& counters() const noexcept { return agent_.counters(); }
  // Receive and send failures (ICMP port unreachable and the like); the loop carries on.
  std::uint64_t socket_errors() const noexcept { return socket_errors_; }

  // Stops serving: the receive loop ends, and with it the agent's hold on the io_context.
  void close();

 private:
  udp_agent(asio::any_io_executor executor, mib& data, agent_options options,
            request_observer observer);
  awaitable<void> serve();

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint local_;
  agent agent_;
  request_observer observer_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t socket_errors_ = 0;
};

}  // namespace pdu2mqtt::snmp
