// The simulated PDU's electrical side: what the outlets draw, summed per bank, phase and device
// into the legacy and ePDU2 load tables, per-outlet metering, and the energy meter. Everything
// is computed when it is read, so it follows switching.
#include <spdlog/spdlog.h>

#include <cmath>
#include <ratio>
#include <string>

#include "pdu2mqtt/sim/simulator.hpp"
#include "sim_internal.hpp"

namespace pdu2mqtt::sim {

using namespace detail;
using snmp::errc;
using snmp::value;

std::size_t simulator::phases() const noexcept {
  return options_.family == family::three_phase ? 3 : 1;
}

std::size_t simulator::phase_of_bank(std::size_t bank) const {
  if (bank < 1) throw std::out_of_range("no such bank");
  return (bank - 1) % phases() + 1;
}

std::size_t simulator::phase_of(std::size_t outlet) const {
  return at(outlet).phase;
}

std::int32_t simulator::selected_source() const {
  if (options_.family != family::ats) return 0;
  if (options_.faults.ats_source_a_lost) return 2;
  // Preferring none leaves the switch where it is, which here is A.
  return options_.preferred_source == 2 ? 2 : 1;
}

double simulator::supply_voltage_v() const {
  return selected_source() == 2 ? options_.source_b_voltage_v : options_.input_voltage_v;
}

std::chrono::steady_clock::time_point simulator::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

double simulator::draw_a(const outlet& o) const {
  return o.state == cyberpower::outlet_state::on ? std::max(o.current_a, 0.0) : 0.0;
}

void simulator::accrue() const {
  const auto t = now();
  if (t <= energy_at_) return;  // a test clock may stand still
  const double hours = std::chrono::duration<double, std::ratio<3600>>(t - energy_at_).count();
  const double watts_per_amp = supply_voltage_v() * options_.power_factor;
  for (const auto& o : outlets_)
    o.energy_kwh += draw_a(o) * watts_per_amp * hours / 1000.0;
  energy_at_ = t;
}

simulator::load simulator::sum(const std::function<bool(const outlet&)>& which) const {
  accrue();
  const double watts_per_amp = supply_voltage_v() * options_.power_factor;
  load total;
  for (const auto& o : outlets_) {
    if (!which(o)) continue;
    total.current_a += draw_a(o);
    total.power_w += draw_a(o) * watts_per_amp;
    total.energy_kwh += o.energy_kwh;
  }
  return total;
}

double simulator::energy_kwh() const {
  return sum([](const outlet&) { return true; }).energy_kwh;
}

void simulator::build_outlet_device() {
  const auto n = static_cast<std::int64_t>(options_.outlets);
  const bool metered = options_.family == family::metered;

  add_scalar(
      cp::outlet_device::coldstart_delay, [this] { return integer(options_.coldstart_delay_s); },
      [this](const value& v, bool apply) {
        if (const errc e = check_integer(v, -1, 300); e != errc{}) return e;
        if (apply) {
          options_.coldstart_delay_s = std::get<std::int32_t>(v);
          spdlog::info("simulated PDU: cold start delay set to {} s from {}",
                       options_.coldstart_delay_s, request_source_);
        }
        return errc{};
      });
  add_scalar(
      cp::outlet_device::coldstart_state, [this] { return integer(options_.coldstart_state); },
      [this](const value& v, bool apply) {
        if (const errc e = check_integer(v, 1, 2); e != errc{}) return e;
        if (apply) {
          options_.coldstart_state = std::get<std::int32_t>(v);
          spdlog::info("simulated PDU: cold start state set to {} from {}",
                       options_.coldstart_state == 1 ? "allOn" : "previous", request_source_);
        }
        return errc{};
      });
  add_scalar(cp::outlet_device::monitored_outlets,
             [count = metered ? n : 0] { return integer(count); });

  // The ePDU2 view of the same switched outlets (a daisy-chain aware reader looks here).
  add_scalar(extra::outlet_switched_table_size, [n] { return integer(n); });
  for (std::size_t i = 0; i < options_.outlets; ++i) {
    const auto row = static_cast<std::uint32_t>(i + 1);
    const outlet& out = outlets_[i];
    add_cell(extra::switched_status_index, row, [row] { return integer(row); });
    add_cell(extra::switched_status_module, row, [] { return integer(1); });
    add_cell(extra::switched_status_number, row, [row] { return integer(row); });
    add_cell(extra::switched_status_name, row, [&out] { return value{out.name}; });
    add_cell(extra::switched_status_state, row,
             [&out] { return integer(static_cast<std::int32_t>(out.state)); });
    add_cell(extra::switched_status_pending, row, [&out] { return integer(out.pending ? 1 : 2); });
  }
}

void simulator::build_load_tables() {
  const auto phase_count = phases();
  const auto pf_hundredths = rounded(options_.power_factor * 100);
  const auto rating_deciamps = static_cast<std::uint32_t>(std::max(options_.rating_a, 0)) * 10;

  add_scalar(cp::input::voltage, [this] { return integer(rounded(supply_voltage_v() * 10)); });
  add_scalar(cp::input::frequency,
             [this] { return integer(rounded(options_.input_frequency_hz * 10)); });

  add_scalar(cp::table_size::device, [] { return integer(1); });
  add_scalar(cp::table_size::phase,
             [phase_count] { return integer(static_cast<std::int64_t>(phase_count)); });
  add_scalar(cp::table_size::outlet_metered,
             [n = options_.family == family::metered ? static_cast<std::int64_t>(options_.outlets)
                                                     : 0] { return integer(n); });
  add_scalar(cp::table_size::source,
             [n = options_.family == family::ats ? 1 : 0] { return integer(n); });

  // ePDULoadStatusTable: the phase rows, then one row per bank (MIB: "all phase information
  // will precede any bank information").
  const auto on_phase = [this](std::size_t p) {
    return [this, p] { return sum([p](const outlet& o) { return o.phase == p; }); };
  };
  const auto on_bank = [this](std::size_t b) {
    return [this, b] { return sum([b](const outlet& o) { return o.bank == b; }); };
  };
  const auto load_row = [&](std::uint32_t row, std::size_t phase, std::size_t bank,
                            std::function<load()> measure) {
    add_cell(extra::load_status_index, row, [row] { return integer(row); });
    add_cell(cp::load::status_load, row,
             [measure] { return gauge(rounded(measure().current_a * 10)); });
    add_cell(cp::load::status_load_state, row, [measure, rating_deciamps] {
      return integer(load_state(static_cast<std::uint32_t>(rounded(measure().current_a * 10)),
                                rating_deciamps));
    });
    add_cell(cp::load::status_phase_number, row,
             [phase] { return integer(static_cast<std::int64_t>(phase)); });
    add_cell(cp::load::status_bank_number, row,
             [bank] { return integer(static_cast<std::int64_t>(bank)); });
    add_cell(cp::load::status_voltage, row,
             [this] { return integer(rounded(supply_voltage_v() * 10)); });
    add_cell(cp::load::status_active_power, row,
             [measure] { return integer(rounded(measure().power_w)); });
    if (bank != 0) {
      // Real firmware (PDU44005, 1.3.2) answers NULL in a bank row's apparent power, power
      // factor, energy and energy start time; readers must cope, so the simulator does too.
      for (const auto* column : {&cp::load::status_apparent_power, &cp::load::status_power_factor,
                                 &cp::load::status_energy, &extra::load_status_energy_start}) {
        add_cell(*column, row, [] { return value{snmp::null_value{}}; });
      }
      return;
    }
    add_cell(cp::load::status_apparent_power, row, [this, measure] {
      return integer(rounded(measure().current_a * supply_voltage_v()));
    });
    add_cell(cp::load::status_power_factor, row,
             [pf_hundredths] { return integer(pf_hundredths); });
    add_cell(cp::load::status_energy, row,
             [measure] { return integer(tenths_down(measure().energy_kwh)); });
    add_cell(extra::load_status_energy_start, row,
             [this] { return value{options_.energy_start_time}; });
  };
  std::uint32_t row = 0;
  for (std::size_t p = 1; p <= phase_count; ++p)
    load_row(++row, p, 0, on_phase(p));
  for (std::size_t b = 1; b <= options_.banks; ++b)
    load_row(++row, phase_of_bank(b), b, on_bank(b));

  // ePDU2DeviceStatusTable row 1: the whole unit, rated rating_a per phase.
  const auto all = [this] { return sum([](const outlet&) { return true; }); };
  const auto device_rating = rating_deciamps * static_cast<std::uint32_t>(phase_count);
  add_cell(extra::device_status_index, 1, [] { return integer(1); });
  add_cell(extra::device_status_module, 1, [] { return integer(1); });
  add_cell(extra::device_status_name, 1, [this] { return value{options_.name}; });
  add_cell(cp::device_status::load_state, 1, [all, device_rating] {
    return integer(
        load_state(static_cast<std::uint32_t>(rounded(all().current_a * 10)), device_rating));
  });
  add_cell(cp::device_status::current, 1, [all] { return gauge(rounded(all().current_a * 10)); });
  add_cell(cp::device_status::energy, 1, [all] { return gauge(tenths_down(all().energy_kwh)); });
  add_cell(extra::device_status_energy_start, 1,
           [this] { return value{options_.energy_start_time}; });
  add_cell(cp::device_status::apparent_power, 1,
           [this, all] { return gauge(rounded(all().current_a * supply_voltage_v())); });
  add_cell(cp::device_status::power_factor, 1, [pf_hundredths] { return gauge(pf_hundredths); });
  add_cell(extra::device_status_role, 1, [] { return integer(1); });
  add_cell(cp::device_status::power, 1, [all] { return gauge(rounded(all().power_w)); });

  // ePDU2PhaseStatusTable.
  for (std::size_t p = 1; p <= phase_count; ++p) {
    const auto r = static_cast<std::uint32_t>(p);
    const auto measure = on_phase(p);
    add_cell(extra::phase_status_index, r, [r] { return integer(r); });
    add_cell(extra::phase_status_module, r, [] { return integer(1); });
    add_cell(cp::phase_status::number, r, [r] { return integer(r); });
    add_cell(cp::phase_status::load_state, r, [measure, rating_deciamps] {
      return integer(load_state(static_cast<std::uint32_t>(rounded(measure().current_a * 10)),
                                rating_deciamps));
    });
    add_cell(cp::phase_status::current, r,
             [measure] { return gauge(rounded(measure().current_a * 10)); });
    add_cell(cp::phase_status::voltage, r,
             [this] { return gauge(rounded(supply_voltage_v() * 10)); });
    add_cell(cp::phase_status::power, r, [measure] { return gauge(rounded(measure().power_w)); });
    add_cell(cp::phase_status::apparent_power, r,
             [this, measure] { return gauge(rounded(measure().current_a * supply_voltage_v())); });
    add_cell(cp::phase_status::power_factor, r, [pf_hundredths] { return gauge(pf_hundredths); });
  }
}

void simulator::build_metering() {
  const bool metered = options_.family == family::metered;
  // What an outlet's meter shows. A real metered outlet never reads a clean zero: off it shows
  // 0.1 A and 2 W, on with nothing plugged in 1 W (readers floor these to zero).
  const auto meter_deciamps = [this](const outlet& o) -> std::int64_t {
    if (o.state == cp::outlet_state::off) return 1;
    return rounded(draw_a(o) * 10);
  };
  const auto meter_watts = [this](const outlet& o) -> std::int64_t {
    if (o.state == cp::outlet_state::off) return 2;
    if (draw_a(o) <= 0) return 1;
    return rounded(draw_a(o) * supply_voltage_v() * options_.power_factor);
  };
  const auto meter_kwh = [this](const outlet& o) {
    accrue();
    return o.energy_kwh;
  };

  for (std::size_t i = 0; i < options_.outlets; ++i) {
    const auto row = static_cast<std::uint32_t>(i + 1);
    const outlet& out = outlets_[i];
    if (!metered) {
      // A switched-only unit serves the metering columns anyway, all 0 (walk of a PDU44005).
      add_cell(cp::outlet::load, row, [] { return gauge(0); });
      add_cell(cp::outlet::active_power, row, [] { return gauge(0); });
      add_cell(cp::outlet::energy, row, [] { return integer(0); });
      continue;
    }
    add_cell(cp::outlet::load, row, [&out, meter_deciamps] { return gauge(meter_deciamps(out)); });
    add_cell(cp::outlet::active_power, row,
             [&out, meter_watts] { return gauge(meter_watts(out)); });
    // Gauge in the MIB, but the firmware sends ePDUOutletStatusEnergy as an INTEGER.
    add_cell(cp::outlet::energy, row,
             [&out, meter_kwh] { return integer(tenths_down(meter_kwh(out))); });

    add_cell(extra::metered_status_index, row, [row] { return integer(row); });
    add_cell(extra::metered_status_module, row, [] { return integer(1); });
    add_cell(cp::outlet_metered::number, row, [row] { return integer(row); });
    add_cell(extra::metered_status_name, row, [&out] { return value{out.name}; });
    add_cell(extra::metered_status_alarm, row, [] { return integer(1); });
    add_cell(cp::outlet_metered::load, row,
             [&out, meter_deciamps] { return gauge(meter_deciamps(out)); });
    add_cell(cp::outlet_metered::active_power, row,
             [&out, meter_watts] { return gauge(meter_watts(out)); });
    add_cell(cp::outlet_metered::energy, row,
             [&out, meter_kwh] { return gauge(tenths_down(meter_kwh(out))); });
    add_cell(extra::metered_status_energy_start, row,
             [this] { return value{options_.energy_start_time}; });
  }
}

}  // namespace pdu2mqtt::sim
