// Capability detection, sans-I/O: which of the metrics the CyberPower MIB defines this unit
// actually serves. Two GET rounds when a PDU is discovered: the table sizes, then every cell
// those sizes allow. A cell that answers a number is a metric from then on; one that answers
// NULL, noSuchObject or noSuchInstance (real firmware does all three) is never polled or
// announced. That is cheaper than walking the tables (a 24-outlet unit's walk is ~1500
// varbinds) and sees the same thing: a walk would also show which cells hold numbers.
#pragma once

#include <span>
#include <vector>

#include "pdu2mqtt/device/model.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace pdu2mqtt::device {

// Round 1: the table sizes, and which columns of outlet 1 answer.
std::vector<snmp::oid> probe_sizes_request();

struct table_sizes {
  int legacy_phases = 0;      // ePDULoadDevNumPhases: phase rows of ePDULoadStatusTable
  int devices = 0;            // ePDU2DeviceTableSize
  int phases = 0;             // ePDU2PhaseTableSize
  int metered_outlets = 0;    // ePDU2OutletMeteredTableSize
  int monitored_outlets = 0;  // ePDUOutletDevMonitoredOutlets (legacy metering)
  int sources = 0;            // ePDU2SourceTableSize (ATS)
  int temperature_sensors = 0;
  bool fahrenheit = false;  // envir2TempUnit = fahrenheit(2)
  int humidity_sensors = 0;
  int contacts = 0;
  bool outlet_delays = false;  // ePDUOutletConfigPowerOnTime.1 answered: delayed commands work
  // The first of the three name columns that answers a string for outlet 1 (config when none
  // does: the names are then empty, as the unit has none).
  outlet_name_column outlet_names = outlet_name_column::config;
  friend bool operator==(const table_sizes&, const table_sizes&) = default;
};
// Absent sizes are 0; every size is clamped to what the MIB allows.
table_sizes parse_probe_sizes(std::span<const snmp::varbind> varbinds);

// Round 2: every cell the sizes allow, for a unit with `size` outlets and banks.
struct probe_plan {
  std::vector<snmp::oid> request;
  // How to read the answers; opaque to callers.
  std::vector<metric_def> candidates;  // answers at [candidates_at, ...)
  std::size_t candidates_at = 0;
  int legacy_rows = 0;  // ePDULoadStatusTable rows: phase# and bank# first, 2 per row
  int contacts = 0;     // then the contact names
  table_sizes sizes;
};
probe_plan plan_probe(const table_sizes& sizes, const counts& size);

// The unit's capabilities from the answers to plan.request, and the values those answers
// already hold (the first poll's metrics).
struct probe_result {
  capabilities caps;
  std::map<metric_id, metric_value> values;
};
probe_result parse_probe(const probe_plan& plan, std::span<const snmp::varbind> varbinds);

// The metrics' OIDs, in caps.metrics order (appended to every poll).
std::vector<snmp::oid> metrics_request(const capabilities& caps);

// Decodes answers to metrics_request(caps) into out (a metric not answered is removed), then
// applies the outlet idle floor: see floor_idle_outlet.
void parse_metrics(const capabilities& caps, std::span<const snmp::varbind> varbinds,
                   const std::vector<outlet>& outlets, std::map<metric_id, metric_value>& out);

// CyberPower's outlet meters read a little with nothing drawing (an idle or switched-off
// outlet shows 0.1 A or a few watts). Published values: an outlet the PDU reports OFF draws
// 0 A and 0 W; an ON outlet reading at most idle_current_a and idle_power_w draws 0 A and 0 W
// too. Energy is a counter and is never changed.
inline constexpr double idle_current_a = 0.1;
inline constexpr double idle_power_w = 2.0;
void floor_idle_outlet(const outlet& o, std::map<metric_id, metric_value>& metrics);
// floor_idle_outlet for every outlet, on units that meter outlets.
void floor_idle_outlets(const capabilities& caps, const std::vector<outlet>& outlets,
                        std::map<metric_id, metric_value>& metrics);

}  // namespace pdu2mqtt::device
