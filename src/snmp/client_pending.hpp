// Internal to the snmp layer: what client.cpp and client_v3.cpp share, the state of one
// request waiting for its answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::snmp {

struct client::pending {
  pending(asio::any_io_executor ex, const target& t)
      : peer(t.endpoint),
        version(t.version),
        community(t.community),
        wakeup(ex, asio::steady_timer::time_point::max()) {}
  asio::ip::udp::endpoint peer;
  snmp::version version;
  std::string community;
  // v3 (RFC 3412 7.2.10-7.2.13): what the request was sealed with, so that only an answer from
  // that engine and user, at that level, opened with these keys, counts.
  std::uint8_t level_flags = 0;  // v3::flags::auth | v3::flags::priv
  std::string engine_id;
  std::string user_name;
  std::shared_ptr<const v3::localized_keys> keys;
  v3::usm_parameters answer_usm;  // of the v3 answer taken
  // Never expires by itself: cancelled by the receive loop when the response is in, or by the
  // sweeper when the attempt's deadline has passed (then `expired` is set).
  asio::steady_timer wakeup;
  std::chrono::steady_clock::time_point deadline;
  bool expired = false;
  std::optional<pdu> response;
};

namespace detail {

// "10.0.0.5:161", "[fd00::5]:161".
inline std::string describe(const asio::ip::udp::endpoint& ep) {
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

}  // namespace detail

}  // namespace pdu2mqtt::snmp
