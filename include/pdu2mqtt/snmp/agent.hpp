// The agent side of SNMP v1/v2c and v3 (USM, authoritative), sans-I/O: a request datagram in,
// a response or Report datagram out (or nothing, when the request must be dropped). The data
// lives behind the mib interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/snmp/message.hpp"
#include "pdu2mqtt/snmp/usm.hpp"

namespace pdu2mqtt::snmp {

// What an agent serves. Implementations decide what exists and what may be written.
class mib {
 public:
  virtual ~mib() = default;

  // The value at exactly this OID, or no_such_object / no_such_instance.
  virtual value get(const oid& name) const = 0;

  // The first OID strictly after name with its value, or nullopt at the end of the MIB.
  virtual std::optional<varbind> get_next(const oid& name) const = 0;

  struct set_outcome {
    errc status{};          // 0 (value-initialised) = success; else an error-status
    std::size_t index = 0;  // 0-based varbind at fault
  };
  // All-or-nothing (RFC 3416 4.2.5): check every varbind, then apply them all, or none.
  virtual set_outcome set(std::span<const varbind> varbinds) = 0;
};

struct agent_options {
  std::string read_community = "public";
  std::string write_community = "private";  // also allowed to read
  // Requests with more varbinds are dropped without an answer, as real CyberPower units do.
  std::size_t max_request_varbinds = 12;
  // Responses are cut (GetBulk) or answered tooBig past this (RFC 3416 4.2.x).
  std::size_t max_response_size = 1472;
  // SNMPv3 is served when engine_id is set (RFC 3411 5 SnmpEngineID, 5..32 bytes). Every
  // v3 user may read and write, at the security level its keys allow or above.
  std::string engine_id;
  std::int32_t engine_boots = 1;  // bumped by the simulator on each (simulated) restart
  std::vector<v3::user> v3_users;
};

struct agent_counters {
  std::uint64_t requests = 0;
  std::uint64_t bad_community = 0;      // dropped silently (RFC 3584 / net-snmp behaviour)
  std::uint64_t undecodable = 0;        // dropped
  std::uint64_t too_many_varbinds = 0;  // dropped
  std::uint64_t sets_accepted = 0;      // SetRequests applied
  std::uint64_t sets_refused = 0;       // SetRequests answered with an error
  // SNMPv3: RFC 3414 4 usmStats, each counted and sent in a Report when the request asks.
  std::uint64_t usm_unsupported_sec_levels = 0;
  std::uint64_t usm_not_in_time_windows = 0;
  std::uint64_t usm_unknown_user_names = 0;
  std::uint64_t usm_unknown_engine_ids = 0;
  std::uint64_t usm_wrong_digests = 0;
  std::uint64_t usm_decryption_errors = 0;
};

class agent {
 public:
  // With an engine_id, each v3 user's keys are localized here (a configuration the keys cannot
  // be made from throws std::invalid_argument; a cipher OpenSSL lacks, std::runtime_error).
  agent(mib& data, agent_options options);

  // The response to send back, or nullopt when the request is dropped.
  std::optional<std::vector<std::uint8_t>> handle(std::span<const std::uint8_t> request);

  const agent_counters& counters() const noexcept { return counters_; }
  const agent_options& options() const noexcept { return options_; }

  // RFC 3414 2.2: snmpEngineBoots and snmpEngineTime (seconds since the engine started).
  std::int32_t engine_boots() const noexcept { return options_.engine_boots; }
  std::int32_t engine_time() const noexcept;
  // A simulated reboot: boots + 1 and the engine time from 0 again. Managers holding the old
  // boots get notInTimeWindow and must rediscover (RFC 3414 2.3).
  void restart_engine() noexcept;

 private:
  struct v3_user {
    std::string name;
    v3::security_level level;  // what it is configured to use
    v3::localized_keys keys;
  };
  struct v3_request;

  // A request to answer (v1/v2c and v3 alike), else counted and dropped.
  bool admissible(const pdu& request);
  pdu answer(const message& request, bool may_write, std::size_t max_size);
  std::optional<std::vector<std::uint8_t>> handle_v3(std::span<const std::uint8_t> request);
  // A Report of a usmStats counter; authenticated with user's keys when user is given.
  std::optional<std::vector<std::uint8_t>> report(const v3_request& request,
                                                  std::string_view counter_oid, std::uint64_t count,
                                                  const v3_user* user = nullptr);
  std::vector<std::uint8_t> seal(const v3_request& request, const v3_user* user, pdu response,
                                 std::uint8_t flags);

  mib& mib_;
  agent_options options_;
  agent_counters counters_;
  std::vector<v3_user> v3_users_;  // keys localized to options_.engine_id, once
  std::chrono::steady_clock::time_point engine_start_;
  std::uint64_t salt_ = 0;  // RFC 3414 8.1.1.1, RFC 3826 3.1.2.1: a new value per message
};

}  // namespace pdu2mqtt::snmp
