// Reads a CyberPower PDU over SNMP into the model, and switches outlets with confirmation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/device/capability_probe.hpp"
#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/device/model.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::device {

// How the reads below reach the PDU: the values of these OIDs, in order, however many requests
// that takes. The poller passes its own (which learns the request size a PDU answers);
// everyone else reads straight through the client, see client_reader.
using varbind_reader = std::function<awaitable<result<std::vector<snmp::varbind>>>(
    const std::vector<snmp::oid>& oids)>;
// One GET per call through `snmp`, cut to t.max_varbinds.
varbind_reader client_reader(snmp::client& snmp, snmp::target t);

// Identity and counts, the capability probe with its metrics (which also says which column
// names the outlets), then every outlet and bank: four reads.
awaitable<result<snapshot>> async_read_snapshot(varbind_reader read);
awaitable<result<snapshot>> async_read_snapshot(snmp::client& snmp, const snmp::target& t);

// What to check when a PDU does not answer at all (a timeout), for people reading the error.
inline std::string no_answer_hint(std::uint16_t port) {
  return "check the address, that SNMP is enabled on the PDU, the community, and any firewall "
         "on UDP port " +
         std::to_string(port);
}

// The two rounds of capability detection (capability_probe.hpp) for a unit of this size.
awaitable<result<probe_result>> async_probe_capabilities(varbind_reader read, counts size);
awaitable<result<probe_result>> async_probe_capabilities(snmp::client& snmp, const snmp::target& t,
                                                         const counts& size);

// Just the counts (one small GET).
awaitable<result<counts>> async_read_counts(varbind_reader read);
awaitable<result<counts>> async_read_counts(snmp::client& snmp, const snmp::target& t);

struct switch_outcome {
  power_state confirmed = power_state::unknown;  // what the PDU reported last
  bool pending = false;                          // ... and whether a command was pending then
  bool confirmed_expected = false;               // the PDU reached the commanded state
  // A delayed command (delayedOn/Off/Reboot) is done when the PDU shows it pending: the delay
  // is set on the PDU (up to two hours), and polls report the switch when it happens.
  bool scheduled = false;
  bool read_any = false;  // at least one read-back answered
  // The SET itself got no answer: it may or may not have been applied. Only one read-back
  // is made then, to report what the PDU says now.
  std::optional<error> lost_answer;
  std::chrono::milliseconds latency{0};  // SET sent -> confirmed state read (or given up)
};

// The state an outlet must show for the command to count as done (reboot ends ON); unknown for
// cancel.
power_state expected_state(outlet_action action) noexcept;

// What a switch outcome means for the command, judged here for every caller (the poller's
// results, the `outlet` command's exit status): each caller only words it.
enum class switch_verdict {
  done,           // the outlet shows the expected state (cancel: nothing pending)
  scheduled,      // a delayed command shows pending on the PDU
  answer_lost,    // no answer to the SET: it may or may not have been applied
  no_read_back,   // the SET was accepted, but no read-back answered
  not_scheduled,  // a delayed command accepted, but nothing shows pending
  still_pending,  // a cancel accepted, but a command still shows pending
  not_reached,    // accepted, but the outlet does not show the expected state
};
switch_verdict judge(const switch_outcome& outcome, outlet_action action) noexcept;
// done and scheduled: the command did what it was asked to.
constexpr bool succeeded(switch_verdict v) noexcept {
  return v == switch_verdict::done || v == switch_verdict::scheduled;
}

// Called with every read-back of an outlet (state, command pending).
using outlet_observer = std::function<void(int outlet, power_state, bool pending)>;

struct outlet_switch {
  int outlet = 0;
  outlet_action action = outlet_action::on;
};

// Sends the outlet commands in one SET, then re-reads the outlets every poll_every until each
// is done, or until `deadline` passes: on/off/reboot when the outlet shows the expected state
// with nothing pending (a reboot must first be seen leaving ON: OFF or pending), a delayed
// command when it shows pending (or already done), cancel when nothing is pending. An error
// means the PDU refused the SET (nothing was applied: a SET is atomic). Only idempotent
// commands (on, off, cancel) are retransmitted on a lost answer: agents do not de-duplicate
// request-ids, and a second reboot would cycle the load twice. One outcome per switch, in order.
awaitable<result<std::vector<switch_outcome>>> async_switch_outlets(
    snmp::client& snmp, const snmp::target& read, const snmp::target& write,
    std::vector<outlet_switch> switches, std::chrono::milliseconds deadline,
    std::chrono::milliseconds poll_every = std::chrono::milliseconds(50),
    outlet_observer observe = {});

// One outlet.
awaitable<result<switch_outcome>> async_switch_outlet(
    snmp::client& snmp, const snmp::target& read, const snmp::target& write, int outlet,
    outlet_action action, std::chrono::milliseconds deadline,
    std::chrono::milliseconds poll_every = std::chrono::milliseconds(50),
    outlet_observer observe = {});

// Renames an outlet (ePDUOutletConfigOutletName) and reads the name back: the name the PDU
// now reports (it may shorten or refuse what it cannot store).
awaitable<result<std::string>> async_rename_outlet(snmp::client& snmp, const snmp::target& read,
                                                   const snmp::target& write, int outlet,
                                                   std::string name);

}  // namespace pdu2mqtt::device
