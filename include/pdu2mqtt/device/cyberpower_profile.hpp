// CyberPower requests and their parsing, sans-I/O: which OIDs to ask for, and how the
// varbinds that come back become model values (absent columns stay unknown, never errors).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/model.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace pdu2mqtt::device {

// The i-th answer's value, or noSuchObject past the end: parsers never index out of range,
// whatever an agent sent back.
const snmp::value& value_at(std::span<const snmp::varbind> varbinds, std::size_t i) noexcept;
// A table size or count, clamped to 0..max (absent: 0).
int count_at(std::span<const snmp::varbind> varbinds, std::size_t i, int max) noexcept;

// Identity scalars followed by the two table sizes, in this order.
std::vector<snmp::oid> identity_request();
struct identity_and_counts {
  identity id;
  counts size;
};
// varbinds answer identity_request() in order.
identity_and_counts parse_identity(std::span<const snmp::varbind> varbinds);

// The two table sizes: controllable outlets, banks.
std::vector<snmp::oid> counts_request();
// varbinds answer counts_request() in order; absent or out-of-range counts are clamped to
// what the MIB allows (0..96 outlets, 0..12 banks), the same everywhere they are read.
counts parse_counts(std::span<const snmp::varbind> varbinds);

// ePDUOutletStatusOutletState: 1 on, 2 off, anything else (NULL, absent) unknown.
power_state parse_power_state(const snmp::value& v);

// The column of the outlet names: ePDUOutlet{Config,Control,Status}OutletName.
const snmp::oid& outlet_name_oid(outlet_name_column column) noexcept;
// MIB name of that column, for logs and `probe`.
std::string_view outlet_name_column_name(outlet_name_column column) noexcept;

// Per outlet name (from `names`), state, pending, bank; then per bank load and load state.
std::vector<snmp::oid> status_request(const counts& size,
                                      outlet_name_column names = outlet_name_column::config);
// varbinds answer status_request(size, any column) in order.
void parse_status(const counts& size, std::span<const snmp::varbind> varbinds,
                  std::vector<outlet>& outlets, std::vector<bank>& banks);

// How many varbinds status_request(size) has.
std::size_t status_varbinds(const counts& size) noexcept;

// One poll: the two counts and sysUpTime (so a PDU restarted or replaced with another shape is
// noticed on the next poll), then status_request(size), then the metrics of caps.
std::vector<snmp::oid> poll_request(const counts& size, const capabilities& caps = {});
// Where status_request's varbinds start in an answer to poll_request.
inline constexpr std::size_t poll_header = 3;

// The outlet command varbind (ePDUOutletControlOutletCommand.<n>) for an action: the one place
// an action becomes a CyberPower command (ON immediateOn, DELAYOFF delayedOff, CANCEL
// cancelPendingCommand, ...).
snmp::varbind outlet_command_varbind(int outlet, outlet_action action);

}  // namespace pdu2mqtt::device
