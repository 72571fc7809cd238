// Reads a CyberPower PDU over SNMP into the model, and switches outlets with confirmation.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/pdu/capability_probe.hpp"
#include "pdu2mqtt/pdu/cyberpower_oids.hpp"
#include "pdu2mqtt/pdu/model.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::device {

// Identity, counts, every outlet and bank, and the capability probe with its metrics: four
// GET rounds, each cut to t.max_varbinds.
awaitable<result<snapshot>> async_read_snapshot(snmp::client& snmp, const snmp::target& t);

// The two rounds of capability detection (capability_probe.hpp) for a unit of this size.
awaitable<result<probe_result>> async_probe_capabilities(snmp::client& snmp, const snmp::target& t,
                                                         const counts& size);

// Just the counts (one small GET).
awaitable<result<counts>> async_read_counts(snmp::client& snmp, const snmp::target& t);

struct switch_outcome {
  power_state confirmed = power_state::unknown;  // what the PDU reported last
  bool confirmed_expected = false;               // the PDU reached the commanded state
  bool read_any = false;                         // at least one read-back answered
  // The SET itself got no answer: it may or may not have been applied. Only one read-back
  // is made then, to report what the PDU says now.
  std::optional<error> lost_answer;
  std::chrono::milliseconds latency{0};  // SET sent -> confirmed state read (or given up)
};

// The state an outlet must show for the command to count as done (reboot ends ON).
power_state expected_state(cyberpower::outlet_command command) noexcept;

// Called with every read-back of the outlet (state, command pending).
using outlet_observer = std::function<void(power_state, bool pending)>;

// Sends one SET of the outlet command, then re-reads the outlet every poll_every until it
// shows the expected state, or until `deadline` passes. A reboot must be seen to leave ON
// (OFF or command pending) before ON counts as confirmed. An error means the PDU refused the
// SET (nothing was applied). Only idempotent commands (on, off) are retransmitted on a lost
// answer: agents do not de-duplicate request-ids, and a second reboot would cycle the load
// twice.
awaitable<result<switch_outcome>> async_switch_outlet(
    snmp::client& snmp, const snmp::target& read, const snmp::target& write, int outlet,
    cyberpower::outlet_command command, std::chrono::milliseconds deadline,
    std::chrono::milliseconds poll_every = std::chrono::milliseconds(50),
    outlet_observer observe = {});

}  // namespace pdu2mqtt::device
