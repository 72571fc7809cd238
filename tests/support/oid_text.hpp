// OIDs as net-snmp's tools take and print them, made from the bridge's and the simulator's own
// constants: a test names the column it means and never spells its number.
#pragma once

#include <cstdint>
#include <string>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/sim/simulator.hpp"

namespace pdu2mqtt::test {

// ".1.3.6.1...": the numeric form `-On` prints and every tool takes.
inline std::string oid_text(const snmp::oid& o) {
  return o.to_string();
}

// "<column>.<row>": a table cell.
inline std::string oid_at(const snmp::oid& column, int row) {
  return column.child(static_cast<std::uint32_t>(row)).to_string();
}

}  // namespace pdu2mqtt::test
