// The ATS family's extras, modelled on the PDU44005 walk: inputs A and B (ePDU2Source) and an
// ENVIROSENSOR, served both as envir2 tables and as the legacy environmentSensor scalars.
#include <spdlog/spdlog.h>

#include <cmath>
#include <string>

#include "pdu2mqtt/sim/simulator.hpp"
#include "sim_internal.hpp"

namespace pdu2mqtt::sim {

using namespace detail;
using snmp::errc;
using snmp::value;

namespace {

constexpr std::uint32_t contacts = 4;

// Whole volts: the PDU44005 (fw 1.3.2) sends 217 where the MIB promises tenths (2179).
std::int64_t whole_volts(double v) {
  return static_cast<std::int64_t>(std::floor(v));
}

double fahrenheit(double celsius) {
  return celsius * 9.0 / 5.0 + 32.0;
}

}  // namespace

void simulator::build_ats() {
  const auto& f = options_.faults;
  const auto tenths_hz = [this] { return rounded(options_.input_frequency_hz * 10); };

  add_cell(extra::source_config_index, 1, [] { return integer(1); });
  add_cell(extra::source_config_module, 1, [] { return integer(1); });
  add_cell(
      cp::source::preferred, 1, [this] { return integer(options_.preferred_source); },
      [this](const value& v, bool apply) {
        if (const errc e = check_integer(v, 1, 3); e != errc{}) return e;
        if (apply) {
          accrue();  // the switch may move to the other input, at another voltage
          options_.preferred_source = std::get<std::int32_t>(v);
          spdlog::info("simulated PDU: preferred source set to {} from {}",
                       options_.preferred_source, request_source_);
        }
        return errc{};
      });

  add_cell(extra::source_status_index, 1, [] { return integer(1); });
  add_cell(extra::source_status_module, 1, [] { return integer(1); });
  add_cell(cp::source::selected, 1, [this] { return integer(selected_source()); });
  add_cell(cp::source::nominal_frequency, 1, [tenths_hz] { return integer(tenths_hz()); });
  add_cell(cp::source::a_voltage, 1, [this, &f] {
    return integer(f.ats_source_a_lost ? 0 : whole_volts(options_.input_voltage_v));
  });
  add_cell(cp::source::b_voltage, 1,
           [this] { return integer(whole_volts(options_.source_b_voltage_v)); });
  add_cell(cp::source::a_frequency, 1,
           [&f, tenths_hz] { return integer(f.ats_source_a_lost ? 0 : tenths_hz()); });
  add_cell(cp::source::b_frequency, 1, [tenths_hz] { return integer(tenths_hz()); });
  // A lost input reads under-voltage and, having no frequency either, under-frequency.
  add_cell(cp::source::a_voltage_status, 1, [&f] { return integer(f.ats_source_a_lost ? 3 : 1); });
  add_cell(cp::source::b_voltage_status, 1, [] { return integer(1); });
  add_cell(cp::source::a_frequency_status, 1,
           [&f] { return integer(f.ats_source_a_lost ? 3 : 1); });
  add_cell(cp::source::b_frequency_status, 1, [] { return integer(1); });
  // outOfSync (2), as the walk's unit reports with both inputs present.
  add_cell(cp::source::phase_sync, 1, [] { return integer(2); });
  add_cell(extra::source_power_supply_a, 1, [] { return integer(1); });
  add_cell(extra::source_power_supply_b, 1, [] { return integer(1); });
  add_cell(cp::source::redundancy, 1, [&f] { return integer(f.ats_source_a_lost ? 1 : 2); });
}

void simulator::build_envirosensor() {
  const auto& f = options_.faults;
  const auto in_unit = [this](double celsius) {
    return options_.temperature_unit == 2 ? fahrenheit(celsius) : celsius;
  };

  add_scalar(extra::envir2_ident_table_size, [] { return integer(1); });
  add_cell(extra::envir2_ident_index, 1, [] { return integer(1); });
  add_cell(extra::envir2_ident_position, 1, [] { return integer(1); });
  add_cell(extra::envir2_ident_name, 1, [] { return value{std::string("EnvSensor")}; });
  add_cell(extra::envir2_ident_location, 1, [] { return value{std::string("Server Room")}; });

  add_scalar(cp::envir::temperature_table_size, [] { return integer(1); });
  add_scalar(
      cp::envir::temperature_unit, [this] { return integer(options_.temperature_unit); },
      [this](const value& v, bool apply) {
        if (const errc e = check_integer(v, 1, 2); e != errc{}) return e;
        if (apply) {
          options_.temperature_unit = std::get<std::int32_t>(v);
          spdlog::info("simulated PDU: temperature unit set to {} from {}",
                       options_.temperature_unit == 1 ? "celsius" : "fahrenheit", request_source_);
        }
        return errc{};
      });
  add_cell(extra::envir2_temperature_index, 1, [] { return integer(1); });
  add_cell(extra::envir2_temperature_position, 1, [] { return integer(1); });
  add_cell(cp::envir::temperature, 1,
           [this, in_unit] { return integer(rounded(in_unit(options_.temperature_c) * 100)); });
  // Thresholds in whole degrees of the unit: 32 / 15 C = 90 / 59 F, as on the walk's unit.
  add_cell(extra::envir2_temperature_high, 1, [in_unit] { return integer(rounded(in_unit(32))); });
  add_cell(extra::envir2_temperature_low, 1, [in_unit] { return integer(rounded(in_unit(15))); });

  add_scalar(cp::envir::humidity_table_size, [] { return integer(1); });
  add_cell(extra::envir2_humidity_index, 1, [] { return integer(1); });
  add_cell(extra::envir2_humidity_position, 1, [] { return integer(1); });
  add_cell(cp::envir::humidity, 1,
           [this] { return integer(rounded(options_.humidity_percent * 100)); });
  add_cell(extra::envir2_humidity_high, 1, [] { return integer(80); });
  add_cell(extra::envir2_humidity_low, 1, [] { return integer(20); });

  add_scalar(cp::envir::contact_table_size, [] { return integer(contacts); });
  for (std::uint32_t k = 1; k <= contacts; ++k) {
    add_cell(extra::envir2_contact_index, k, [k] { return integer(k); });
    add_cell(extra::envir2_contact_position, k, [] { return integer(1); });
    add_cell(extra::envir2_contact_number, k, [k] { return integer(k); });
    add_cell(cp::envir::contact_name, k,
             [k] { return value{"ENV_Contact#1-" + std::to_string(k)}; });
    add_cell(cp::envir::contact_status, k,
             [&f, k] { return integer(((f.contacts_abnormal >> (k - 1)) & 1u) != 0 ? 2 : 1); });
    add_cell(extra::envir2_contact_normal_state, k, [] { return integer(1); });  // normalOpen
  }

  // The legacy environmentSensor group. On the walk's unit (fw 1.3.2) every reading here is
  // NULL while the thresholds are numbers: readers must take envir2 for the values.
  const auto null = [] { return value{snmp::null_value{}}; };
  const auto legacy = [](std::initializer_list<std::uint32_t> arcs) {
    return extra::envir.child(arcs);
  };
  add_scalar(legacy({1, 1, 0}), [] { return value{std::string("EnvSensor")}; });
  add_scalar(legacy({1, 2, 0}), [] { return value{std::string("Server Room")}; });
  add_scalar(legacy({2, 1, 0}), null);  // envirTemperature (0.1 F)
  const std::initializer_list<std::pair<std::uint32_t, std::int32_t>> temperature_thresholds = {
      {2, 90}, {3, 59}, {4, 18}, {5, 4}, {7, 32}, {8, 15}, {9, 10}, {10, 2}};
  for (const auto& [arc, number] : temperature_thresholds)
    add_scalar(legacy({2, arc, 0}), [number] { return integer(number); });
  add_scalar(legacy({2, 6, 0}), null);  // envirTemperatureCelsius
  add_scalar(legacy({3, 1, 0}), null);  // envirHumidity
  const std::initializer_list<std::pair<std::uint32_t, std::int32_t>> humidity_thresholds = {
      {2, 80}, {3, 20}, {4, 20}, {5, 5}};
  for (const auto& [arc, number] : humidity_thresholds)
    add_scalar(legacy({3, arc, 0}), [number] { return integer(number); });
  add_scalar(legacy({4, 1, 0}), [] { return integer(contacts); });
  for (std::uint32_t k = 1; k <= contacts; ++k) {
    add_cell(legacy({4, 2, 1, 1}), k, [k] { return integer(k); });
    add_cell(legacy({4, 2, 1, 2}), k, [k] { return value{"Contact#" + std::to_string(k)}; });
    add_cell(legacy({4, 2, 1, 3}), k, null);  // envirContactStatus
    add_cell(legacy({4, 2, 1, 4}), k, [] { return integer(1); });
  }
}

}  // namespace pdu2mqtt::sim
