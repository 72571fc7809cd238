// Shared by the simulator's source files only: OIDs a real unit serves that the bridge does not
// use (so a walk of the simulator looks like a walk of the unit), and value helpers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/error.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace pdu2mqtt::sim::detail {

namespace cp = cyberpower;
using snmp::oid;

// Columns and scalars the bridge does not use but a real unit serves; the walk looks right.
namespace extra {
inline const oid ident_num_breakers = cp::epdu.child({1, 10, 0});
inline const oid load_max_bank_load = cp::epdu.child({2, 1, 3, 0});
inline const oid total_outlets = cp::epdu.child({3, 1, 4, 0});
inline const oid control_index = cp::epdu.child({3, 3, 1, 1, 1});
inline const oid control_phase = cp::epdu.child({3, 3, 1, 1, 3});
inline const oid control_bank = cp::epdu.child({3, 3, 1, 1, 5});
inline const oid config_index = cp::epdu.child({3, 4, 1, 1, 1});
inline const oid config_phase = cp::epdu.child({3, 4, 1, 1, 3});
inline const oid config_power_on_time = cp::epdu.child({3, 4, 1, 1, 4});
inline const oid config_power_off_time = cp::epdu.child({3, 4, 1, 1, 5});
inline const oid config_reboot_duration = cp::epdu.child({3, 4, 1, 1, 6});
inline const oid status_index = cp::epdu.child({3, 5, 1, 1, 1});
inline const oid status_phase = cp::epdu.child({3, 5, 1, 1, 3});
inline const oid bank_index = cp::epdu2.child({5, 4, 1, 1});
inline const oid bank_module_index = cp::epdu2.child({5, 4, 1, 2});
inline const oid bank_number = cp::epdu2.child({5, 4, 1, 3});

// ePDULoadStatusTable: the index column and the energy meter's start (a DisplayString).
inline const oid load_status_index = cp::epdu.child({2, 3, 1, 1, 1});
inline const oid load_status_energy_start = cp::epdu.child({2, 3, 1, 1, 11});

inline const oid outlet_switched_table_size = cp::epdu2.child({6, 1, 1, 0});
// ePDU2OutletSwitchedStatusTable (.6.1.4.1.<col>.<row>): index, module, number, name, state,
// command pending; the same outlets as the legacy tables.
inline const oid switched_status_index = cp::epdu2.child({6, 1, 4, 1, 1});
inline const oid switched_status_module = cp::epdu2.child({6, 1, 4, 1, 2});
inline const oid switched_status_number = cp::epdu2.child({6, 1, 4, 1, 3});
inline const oid switched_status_name = cp::epdu2.child({6, 1, 4, 1, 4});
inline const oid switched_status_state = cp::epdu2.child({6, 1, 4, 1, 5});
inline const oid switched_status_pending = cp::epdu2.child({6, 1, 4, 1, 6});

// ePDU2OutletMeteredStatusTable columns besides the measurements.
inline const oid metered_status_index = cp::epdu2.child({6, 2, 4, 1, 1});
inline const oid metered_status_module = cp::epdu2.child({6, 2, 4, 1, 2});
inline const oid metered_status_name = cp::epdu2.child({6, 2, 4, 1, 4});
inline const oid metered_status_alarm = cp::epdu2.child({6, 2, 4, 1, 5});
inline const oid metered_status_energy_start = cp::epdu2.child({6, 2, 4, 1, 12});

// ePDU2DeviceStatusTable row 1 besides the measurements.
inline const oid device_status_index = cp::epdu2.child({3, 4, 1, 1});
inline const oid device_status_module = cp::epdu2.child({3, 4, 1, 2});
inline const oid device_status_name = cp::epdu2.child({3, 4, 1, 3});
inline const oid device_status_energy_start = cp::epdu2.child({3, 4, 1, 10});
inline const oid device_status_role = cp::epdu2.child({3, 4, 1, 17});  // standalone(1)

inline const oid phase_status_index = cp::epdu2.child({4, 4, 1, 1});
inline const oid phase_status_module = cp::epdu2.child({4, 4, 1, 2});

// ePDU2Source: index and module columns, power supplies of the inputs.
inline const oid source_config_index = cp::epdu2.child({9, 2, 1, 1});
inline const oid source_config_module = cp::epdu2.child({9, 2, 1, 2});
inline const oid source_status_index = cp::epdu2.child({9, 4, 1, 1});
inline const oid source_status_module = cp::epdu2.child({9, 4, 1, 2});
inline const oid source_power_supply_a = cp::epdu2.child({9, 4, 1, 14});  // normal(1)
inline const oid source_power_supply_b = cp::epdu2.child({9, 4, 1, 15});

// environmentSensor2: the sensor's identity and the rows' index columns and thresholds.
inline const oid envir2_ident_table_size = cp::envir2.child({1, 1, 0});
inline const oid envir2_ident_index = cp::envir2.child({1, 2, 1, 1});
inline const oid envir2_ident_position = cp::envir2.child({1, 2, 1, 2});
inline const oid envir2_ident_name = cp::envir2.child({1, 2, 1, 3});
inline const oid envir2_ident_location = cp::envir2.child({1, 2, 1, 4});
inline const oid envir2_temperature_index = cp::envir2.child({2, 3, 1, 1});
inline const oid envir2_temperature_position = cp::envir2.child({2, 3, 1, 2});
inline const oid envir2_temperature_high = cp::envir2.child({2, 3, 1, 4});
inline const oid envir2_temperature_low = cp::envir2.child({2, 3, 1, 5});
inline const oid envir2_humidity_index = cp::envir2.child({3, 2, 1, 1});
inline const oid envir2_humidity_position = cp::envir2.child({3, 2, 1, 2});
inline const oid envir2_humidity_high = cp::envir2.child({3, 2, 1, 4});
inline const oid envir2_humidity_low = cp::envir2.child({3, 2, 1, 5});
inline const oid envir2_contact_index = cp::envir2.child({4, 2, 1, 1});
inline const oid envir2_contact_position = cp::envir2.child({4, 2, 1, 2});
inline const oid envir2_contact_number = cp::envir2.child({4, 2, 1, 3});
inline const oid envir2_contact_normal_state = cp::envir2.child({4, 2, 1, 6});

// environmentSensor (legacy ENVIROSENSOR scalars) = .1.3.6.1.4.1.3808.1.1.4
inline const oid envir{1, 3, 6, 1, 4, 1, 3808, 1, 1, 4};
}  // namespace extra

inline snmp::value integer(std::int64_t v) {
  return static_cast<std::int32_t>(v);
}

inline snmp::value gauge(std::int64_t v) {
  return snmp::gauge32{static_cast<std::uint32_t>(std::max<std::int64_t>(v, 0))};
}

inline std::int64_t rounded(double v) {
  return std::llround(v);
}

// A counter in tenths: only completed tenths show (a meter does not round up). The epsilon
// keeps 12.3 kWh, split over outlets and summed back, from reading 122.
inline std::int64_t tenths_down(double v) {
  return static_cast<std::int64_t>(std::floor(v * 10 + 1e-6));
}

// An INTEGER within [min, max]: the check every writable number here needs.
inline snmp::errc check_integer(const snmp::value& v, std::int64_t min, std::int64_t max) {
  const auto* number = std::get_if<std::int32_t>(&v);
  if (!number) return snmp::errc::wrong_type;
  if (*number < min || *number > max) return snmp::errc::wrong_value;
  return snmp::errc{};
}

// Load state from the current against a rating, both in tenths of amps: nearOverload (3) from
// 80 % of the rating, overload (4) at it, else normal (1). The low-load threshold of a real
// unit defaults to 0 A, so low (2) never shows. The alarm enum of ePDU2DeviceStatus uses the
// same numbers (noLoadAlarm 1, nearOverCurrent 3, overCurrent 4).
inline std::int32_t load_state(std::uint32_t load_deciamps, std::uint32_t rating_deciamps) {
  if (load_deciamps >= rating_deciamps) return 4;
  if (std::uint64_t{load_deciamps} * 10 >= std::uint64_t{rating_deciamps} * 8) return 3;
  return 1;
}

}  // namespace pdu2mqtt::sim::detail
