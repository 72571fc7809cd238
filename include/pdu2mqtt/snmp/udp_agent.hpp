// Serves an snmp::agent on a UDP socket: a coroutine receive loop answering one request at a
// time (as a real PDU does), each reply going back to the sender's endpoint. A fault hook (the
// simulator's fault knobs) may drop a request, withhold its answer or send the answer late.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <vector>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/agent.hpp"

namespace pdu2mqtt::snmp {

// What to do with one received datagram, decided before it is handled.
struct fault_plan {
  bool drop_request = false;  // not handled at all: as if lost on the way in
  bool drop_reply = false;    // handled (a SET is applied), the answer never sent
  // The answer is sent this much later, on its own timer; requests are served meanwhile.
  std::chrono::milliseconds reply_delay{0};
};

class udp_agent : public std::enable_shared_from_this<udp_agent> {
 public:
  // Called with the sender before each datagram is handled (the simulator logs SETs with it).
  using request_observer = std::function<void(const asio::ip::udp::endpoint& peer)>;
  // Called with each datagram after the observer; no hook = every request answered at once.
  using fault_hook = std::function<fault_plan(std::span<const std::uint8_t> datagram)>;

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
  // Answers held back by a fault plan's reply_delay and not yet sent.
  std::size_t delayed_replies() const noexcept { return delayed_.size(); }

  void set_fault_hook(fault_hook hook) { fault_hook_ = std::move(hook); }

  // Stops serving: the receive loop ends and delayed answers are discarded, and with them the
  // agent's hold on the io_context.
  void close();

 private:
  udp_agent(asio::any_io_executor executor, mib& data, agent_options options,
            request_observer observer);
  struct delayed_reply {
    explicit delayed_reply(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::vector<std::uint8_t> bytes;
    asio::ip::udp::endpoint peer;
  };

  awaitable<void> serve();
  void send_later(std::vector<std::uint8_t> reply, const asio::ip::udp::endpoint& peer,
                  std::chrono::milliseconds delay);

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint local_;
  agent agent_;
  request_observer observer_;
  fault_hook fault_hook_;
  // Shared with their handlers, so a timer and its buffer live until the last one has run.
  std::list<std::shared_ptr<delayed_reply>> delayed_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t socket_errors_ = 0;
};

}  // namespace pdu2mqtt::snmp
