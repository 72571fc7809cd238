// A scripted SNMP peer for exchange tests: "expect this request, answer with that", on a
// real loopback UDP socket in the test's io_context, with faults injectable at every step.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "support/run_coroutine.hpp"
#include "support/scripted_udp_peer.hpp"

namespace pdu2mqtt::test {

using asio::ip::udp;

// What the peer does with one received request.
struct reply {
  enum class kind { answer, silence, garbage, truncated, wrong_request_id, from_other_port };
  kind how = kind::answer;
  snmp::pdu response;  // for answer / truncated / wrong_request_id / from_other_port
};

class scripted_peer {
 public:
  // handler sees each decoded request and decides the reply (request-id is filled in).
  using handler = std::function<reply(const snmp::message&)>;

  scripted_peer(asio::io_context& io, handler h)
      : handler_(std::move(h)),
        udp_(io, [this](std::span<const std::uint8_t> datagram) { return answer(datagram); }) {}

  udp::endpoint endpoint() const { return udp_.endpoint(); }
  const std::vector<snmp::message>& requests() const { return requests_; }
  // Sends a datagram from the peer's own socket, outside the script (for held answers).
  void send_now(const snmp::message& m) { udp_.send_to_last_sender(snmp::encode(m)); }
  void stop() { udp_.stop(); }

 private:
  std::vector<outgoing> answer(std::span<const std::uint8_t> datagram) {
    auto request = snmp::decode(datagram);
    if (!request) return {};
    requests_.push_back(*request);
    reply r = handler_(*request);
    snmp::message answer{request->version, request->community, r.response};
    answer.pdu.type = snmp::pdu_type::response;
    answer.pdu.request_id = request->pdu.request_id;
    std::vector<std::uint8_t> bytes;
    switch (r.how) {
      case reply::kind::silence:
        return {};
      case reply::kind::garbage:
        bytes = {0x30, 0x82, 0xff, 0xff, 0x02, 0x01};
        break;
      case reply::kind::truncated:
        bytes = snmp::encode(answer);
        bytes.resize(bytes.size() / 2);
        break;
      case reply::kind::wrong_request_id:
        answer.pdu.request_id += 7;
        bytes = snmp::encode(answer);
        break;
      case reply::kind::answer:
      case reply::kind::from_other_port:
        bytes = snmp::encode(answer);
        break;
    }
    const auto from = r.how == reply::kind::from_other_port ? source::other_port : source::peer;
    return {outgoing{std::move(bytes), from}};
  }

  handler handler_;
  std::vector<snmp::message> requests_;
  scripted_udp_peer udp_;  // last: its loop calls answer(), which uses the members above
};

// A response echoing the request's OIDs with values made by value_for.
inline snmp::pdu echo(const snmp::message& request,
                      const std::function<snmp::value(const snmp::oid&)>& value_for) {
  snmp::pdu out{.type = snmp::pdu_type::response};
  for (const auto& vb : request.pdu.varbinds)
    out.varbinds.push_back({vb.name, value_for(vb.name)});
  return out;
}

}  // namespace pdu2mqtt::test
