// The agent side of SNMP v1/v2c, sans-I/O: a request datagram in, a response datagram out
// (or nothing, when the request must be dropped). The data lives behind the mib interface.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
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
  std::uint64_t bad_community = 0;     // dropped silently (RFC 3584 / net-snmp behaviour)
  std::uint64_t undecodable = 0;       // dropped
  std::uint64_t too_many_varbinds = 0; // dropped
  std::uint64_t sets_accepted = 0;     // SetRequests applied
  std::uint64_t sets_refused = 0;      // SetRequests answered with an error
};

class agent {
 public:
  agent(mib& data, agent_options options) : mib_(data), options_(std::move(options)) {}

  // The response to send back, or nullopt when the request is dropped.
  std::optional<std::vector<std::uint8_t>> handle(std::span<const std::uint8_t> request);

  const agent_counters& counters() const noexcept { return counters_; }
  const agent_options& options() const noexcept { return options_; }

 private:
  pdu answer(const message& request, bool may_write);
  mib& mib_;
  agent_options options_;
  agent_counters counters_;
};

}  // namespace pdu2mqtt::snmp
