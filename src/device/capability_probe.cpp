// Which metrics a CyberPower unit has: the table sizes say which cells may exist, and a cell
// that answers a number does. Scales are the MIB's; the one place real firmware disagrees
// (ATS source voltage) is settled by the value itself, see source_voltage_scale.
#include "pdu2mqtt/device/capability_probe.hpp"

#include <algorithm>
#include <cmath>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"

namespace pdu2mqtt::device {

namespace cp = cyberpower;
using snmp::oid;
using snmp::varbind;

namespace {

// MIB bounds of each table's rows.
constexpr int max_phases = 12;
constexpr int max_legacy_rows = 12;
constexpr int max_metered_outlets = 96;
constexpr int max_sensors = 8;
constexpr int max_contacts = 32;

const snmp::value& at(std::span<const varbind> vbs, std::size_t i) {
  return value_at(vbs, i);
}

std::uint32_t row(int n) {
  return static_cast<std::uint32_t>(n);
}

metric_def def(scope s, int index, quantity q, const oid& column_or_scalar, int cell,
               double scale = 1.0, decoding how = decoding::scaled) {
  return {{s, index, q},
          cell > 0 ? column_or_scalar.child(row(cell)) : column_or_scalar,
          how,
          scale,
          {}};
}

// The MIB says ePDU2SourceStatusSourceA/BVoltage are tenths of a volt; a PDU44005 on firmware
// 1.3.2 sends whole volts (217 and 222 next to an input voltage of 2179). A mains voltage in
// tenths is at least 500 (50 V); a raw value of 50..499 can only be whole volts. Decided once
// per unit from whichever source is live; with both at 0 the MIB's scale stands.
double source_voltage_scale(std::span<const varbind> vbs, const probe_plan& plan) {
  for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
    const auto& c = plan.candidates[i];
    if (c.id.quantity != quantity::voltage ||
        (c.id.scope != scope::source_a && c.id.scope != scope::source_b)) {
      continue;
    }
    const auto raw = snmp::as_integer(at(vbs, plan.candidates_at + i));
    if (raw && *raw >= 50 && *raw < 500) return 1.0;
  }
  return 0.1;
}

}  // namespace

std::vector<oid> probe_sizes_request() {
  return {cp::load::num_phases,
          cp::table_size::device,
          cp::table_size::phase,
          cp::table_size::outlet_metered,
          cp::outlet_device::monitored_outlets,
          cp::table_size::source,
          cp::envir::temperature_table_size,
          cp::envir::temperature_unit,
          cp::envir::humidity_table_size,
          cp::envir::contact_table_size,
          cp::outlet::power_on_time.child(1),
          cp::outlet::config_name.child(1),
          cp::outlet::control_name.child(1),
          cp::outlet::status_name.child(1)};
}

table_sizes parse_probe_sizes(std::span<const varbind> vbs) {
  table_sizes s;
  s.legacy_phases = count_at(vbs, 0, 3);
  s.devices = count_at(vbs, 1, 4);
  s.phases = count_at(vbs, 2, max_phases);
  s.metered_outlets = count_at(vbs, 3, max_metered_outlets);
  s.monitored_outlets = count_at(vbs, 4, max_metered_outlets);
  s.sources = count_at(vbs, 5, 4);
  s.temperature_sensors = count_at(vbs, 6, max_sensors);
  s.fahrenheit = snmp::as_integer(at(vbs, 7)) == 2;
  s.humidity_sensors = count_at(vbs, 8, max_sensors);
  s.contacts = count_at(vbs, 9, max_contacts);
  s.outlet_delays = snmp::as_integer(at(vbs, 10)).has_value();
  // Some units lack ePDUOutletConfigOutletName (noSuchObject, or NULL as other absent columns
  // of real firmware): their names are in the read-only copies. Asked for in enum order.
  for (const auto column :
       {outlet_name_column::config, outlet_name_column::control, outlet_name_column::status}) {
    if (snmp::as_octets(at(vbs, 11 + static_cast<std::size_t>(column)))) {
      s.outlet_names = column;
      break;
    }
  }
  return s;
}

probe_plan plan_probe(const table_sizes& sizes, const counts& size) {
  probe_plan plan;
  plan.sizes = sizes;
  auto& c = plan.candidates;

  // The unit: rated current and the cold start settings (both writable on the PDU's own page,
  // so polled rather than read once).
  c.push_back(def(scope::device, 0, quantity::rated_current, cp::ident::device_rating_a, 0));
  c.push_back(
      def(scope::device, 0, quantity::cold_start_delay, cp::outlet_device::coldstart_delay, 0));
  c.push_back(def(scope::device, 0, quantity::cold_start_state, cp::outlet_device::coldstart_state,
                  0, 1.0, decoding::cold_start_state));

  c.push_back(def(scope::input, 0, quantity::voltage, cp::input::voltage, 0, 0.1));
  c.push_back(def(scope::input, 0, quantity::frequency, cp::input::frequency, 0, 0.1));

  if (sizes.devices > 0) {  // row 1: this unit (a daisy-chain host's own row)
    namespace ds = cp::device_status;
    c.push_back(def(scope::total, 0, quantity::current, ds::current, 1, 0.1));
    c.push_back(def(scope::total, 0, quantity::power, ds::power, 1));
    c.push_back(def(scope::total, 0, quantity::apparent_power, ds::apparent_power, 1));
    c.push_back(def(scope::total, 0, quantity::power_factor, ds::power_factor, 1, 0.01));
    c.push_back(def(scope::total, 0, quantity::energy, ds::energy, 1, 0.1));
    c.push_back(
        def(scope::total, 0, quantity::load_state, ds::load_state, 1, 1.0, decoding::alarm_state));
  }

  for (int p = 1; p <= sizes.phases; ++p) {
    namespace ps = cp::phase_status;
    c.push_back(def(scope::phase, p, quantity::voltage, ps::voltage, p, 0.1));
    c.push_back(def(scope::phase, p, quantity::current, ps::current, p, 0.1));
    c.push_back(def(scope::phase, p, quantity::power, ps::power, p));
    c.push_back(def(scope::phase, p, quantity::apparent_power, ps::apparent_power, p));
    c.push_back(def(scope::phase, p, quantity::power_factor, ps::power_factor, p, 0.01));
    c.push_back(
        def(scope::phase, p, quantity::load_state, ps::load_state, p, 1.0, decoding::load_state));
  }

  // ePDULoadStatusTable: the only per-bank voltage, power and energy in the MIB (ePDU2's bank
  // table has current only); on units without ePDU2 phase rows also the phases'. Its rows are
  // phases first, then banks: which is which comes from each row's phase# and bank#, read in
  // the same request. Candidates are filed under row r as scope::device index r and renamed
  // once the row is known.
  plan.legacy_rows = std::min(sizes.legacy_phases + size.banks, max_legacy_rows);
  for (int r = 1; r <= plan.legacy_rows; ++r) {
    namespace ls = cp::load;
    plan.request.push_back(ls::status_phase_number.child(row(r)));
    plan.request.push_back(ls::status_bank_number.child(row(r)));
  }
  plan.contacts = sizes.contacts;
  for (int k = 1; k <= sizes.contacts; ++k)
    plan.request.push_back(cp::envir::contact_name.child(row(k)));
  std::vector<metric_def> legacy;
  for (int r = 1; r <= plan.legacy_rows; ++r) {
    namespace ls = cp::load;
    legacy.push_back(def(scope::device, r, quantity::current, ls::status_load, r, 0.1));
    legacy.push_back(def(scope::device, r, quantity::load_state, ls::status_load_state, r, 1.0,
                         decoding::load_state));
    legacy.push_back(def(scope::device, r, quantity::voltage, ls::status_voltage, r, 0.1));
    legacy.push_back(def(scope::device, r, quantity::power, ls::status_active_power, r));
    legacy.push_back(def(scope::device, r, quantity::apparent_power, ls::status_apparent_power, r));
    legacy.push_back(
        def(scope::device, r, quantity::power_factor, ls::status_power_factor, r, 0.01));
    legacy.push_back(def(scope::device, r, quantity::energy, ls::status_energy, r, 0.1));
  }
  c.insert(c.end(), legacy.begin(), legacy.end());

  // Outlet metering: the ePDU2 metered table where it has rows, else the legacy columns when
  // the unit says it meters outlets (they read 0 on switched-only units, so their presence
  // says nothing).
  if (sizes.metered_outlets > 0) {
    namespace om = cp::outlet_metered;
    for (int o = 1; o <= std::min(sizes.metered_outlets, size.outlets); ++o) {
      c.push_back(def(scope::outlet, o, quantity::current, om::load, o, 0.1));
      c.push_back(def(scope::outlet, o, quantity::power, om::active_power, o));
      c.push_back(def(scope::outlet, o, quantity::energy, om::energy, o, 0.1));
    }
  } else if (sizes.monitored_outlets > 0) {
    for (int o = 1; o <= std::min(sizes.monitored_outlets, size.outlets); ++o) {
      c.push_back(def(scope::outlet, o, quantity::current, cp::outlet::load, o, 0.1));
      c.push_back(def(scope::outlet, o, quantity::power, cp::outlet::active_power, o));
      c.push_back(def(scope::outlet, o, quantity::energy, cp::outlet::energy, o, 0.1));
    }
  }

  if (sizes.sources > 0) {  // row 1: this unit's transfer switch
    namespace s = cp::source;
    c.push_back(
        def(scope::ats, 0, quantity::selected_source, s::selected, 1, 1.0, decoding::source));
    c.push_back(
        def(scope::ats, 0, quantity::preferred_source, s::preferred, 1, 1.0, decoding::source));
    c.push_back(
        def(scope::ats, 0, quantity::redundancy, s::redundancy, 1, 1.0, decoding::redundancy));
    c.push_back(
        def(scope::ats, 0, quantity::phase_sync, s::phase_sync, 1, 1.0, decoding::phase_sync));
    const struct {
      scope which;
      const oid& voltage;
      const oid& frequency;
      const oid& voltage_status;
      const oid& frequency_status;
    } inputs[] = {
        {scope::source_a, s::a_voltage, s::a_frequency, s::a_voltage_status, s::a_frequency_status},
        {scope::source_b, s::b_voltage, s::b_frequency, s::b_voltage_status,
         s::b_frequency_status}};
    for (const auto& in : inputs) {
      c.push_back(def(in.which, 0, quantity::voltage, in.voltage, 1, 0.1));
      c.push_back(def(in.which, 0, quantity::frequency, in.frequency, 1, 0.1));
      c.push_back(def(in.which, 0, quantity::voltage_status, in.voltage_status, 1, 1.0,
                      decoding::over_under));
      c.push_back(def(in.which, 0, quantity::frequency_status, in.frequency_status, 1, 1.0,
                      decoding::over_under));
    }
  }

  for (int t = 1; t <= sizes.temperature_sensors; ++t) {
    c.push_back(def(scope::sensor, t, quantity::temperature, cp::envir::temperature, t, 0.01));
  }
  for (int h = 1; h <= sizes.humidity_sensors; ++h) {
    c.push_back(def(scope::sensor, h, quantity::humidity, cp::envir::humidity, h, 0.01));
  }
  for (int k = 1; k <= sizes.contacts; ++k) {
    c.push_back(def(scope::contact, k, quantity::contact_state, cp::envir::contact_status, k, 1.0,
                    decoding::contact));
  }

  plan.candidates_at = plan.request.size();
  for (const auto& m : c)
    plan.request.push_back(m.oid);
  return plan;
}

probe_result parse_probe(const probe_plan& plan, std::span<const varbind> vbs) {
  probe_result out;
  auto& caps = out.caps;
  const auto& sizes = plan.sizes;
  const double source_scale = source_voltage_scale(vbs, plan);

  // Legacy rows: bank# > 0 is a bank row; a phase row is used only where ePDU2 has no phases.
  std::vector<std::optional<metric_id>> legacy_row(static_cast<std::size_t>(plan.legacy_rows) + 1);
  for (int r = 1; r <= plan.legacy_rows; ++r) {
    const auto i = static_cast<std::size_t>(2 * (r - 1));
    const auto phase = snmp::as_integer(at(vbs, i)).value_or(0);
    const auto bank = snmp::as_integer(at(vbs, i + 1)).value_or(0);
    if (bank > 0 && bank <= 12) {
      legacy_row[static_cast<std::size_t>(r)] = metric_id{scope::bank, static_cast<int>(bank), {}};
    } else if (bank == 0 && phase > 0 && phase <= 3 && sizes.phases == 0) {
      legacy_row[static_cast<std::size_t>(r)] =
          metric_id{scope::phase, static_cast<int>(phase), {}};
    }
  }
  std::vector<std::string> contact_names;
  for (int k = 1; k <= plan.contacts; ++k) {
    const auto& v = at(vbs, static_cast<std::size_t>(2 * plan.legacy_rows + k - 1));
    const auto text = snmp::as_octets(v);
    contact_names.emplace_back(text ? text->substr(0, std::min<std::size_t>(text->find('\0'), 64))
                                    : std::string_view{});
  }

  for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
    metric_def m = plan.candidates[i];
    const auto raw = snmp::as_integer(at(vbs, plan.candidates_at + i));
    if (!raw) continue;  // NULL, noSuch*, or not a number: the unit has no such reading
    if (m.id.scope == scope::device && m.id.index > 0) {  // a legacy ePDULoadStatus row
      const auto& target = legacy_row[static_cast<std::size_t>(m.id.index)];
      if (!target) continue;
      // Bank current and load state come from ePDU2's bank table (bank struct) already.
      if (target->scope == scope::bank &&
          (m.id.quantity == quantity::current || m.id.quantity == quantity::load_state)) {
        continue;
      }
      m.id.scope = target->scope;
      m.id.index = target->index;
    }
    if ((m.id.scope == scope::source_a || m.id.scope == scope::source_b) &&
        m.id.quantity == quantity::voltage) {
      m.scale = source_scale;
    }
    if (m.id.scope == scope::contact) {
      m.label = contact_names[static_cast<std::size_t>(m.id.index - 1)];
    }
    // A unit set to Fahrenheit reports Fahrenheit; the metric says so in its label.
    if (m.id.quantity == quantity::temperature && sizes.fahrenheit) m.label = "°F";
    if (auto v = decode(m, *raw)) {
      out.values[m.id] = *v;
    }
    // Two rows naming the same bank (a confused agent): the first wins.
    if (std::any_of(caps.metrics.begin(), caps.metrics.end(),
                    [&](const metric_def& d) { return d.id == m.id; })) {
      continue;
    }
    caps.metrics.push_back(std::move(m));
  }

  const auto has = [&](scope s) {
    return std::any_of(caps.metrics.begin(), caps.metrics.end(),
                       [s](const metric_def& d) { return d.id.scope == s; });
  };
  int phases = 0;
  for (const auto& d : caps.metrics) {
    if (d.id.scope == scope::phase) phases = std::max(phases, d.id.index);
  }
  caps.phases = phases;
  caps.outlet_metering = has(scope::outlet);
  caps.ats = has(scope::ats) || has(scope::source_a) || has(scope::source_b);
  caps.environment = has(scope::sensor) || has(scope::contact);
  caps.delayed_commands = sizes.outlet_delays;
  caps.outlet_names = sizes.outlet_names;
  return out;
}

std::vector<oid> metrics_request(const capabilities& caps) {
  std::vector<oid> out;
  out.reserve(caps.metrics.size());
  for (const auto& m : caps.metrics)
    out.push_back(m.oid);
  return out;
}

void floor_idle_outlet(const outlet& o, std::map<metric_id, metric_value>& metrics) {
  const auto current = metrics.find({scope::outlet, o.number, quantity::current});
  const auto power = metrics.find({scope::outlet, o.number, quantity::power});
  const auto reads = [&](auto it, double at_most) {
    return it == metrics.end() || !it->second.number || *it->second.number <= at_most + 1e-9;
  };
  const bool idle =
      o.state == power_state::off ||
      (o.state == power_state::on && reads(current, idle_current_a) && reads(power, idle_power_w));
  if (!idle) return;
  if (current != metrics.end()) current->second.number = 0.0;
  if (power != metrics.end()) power->second.number = 0.0;
}

void parse_metrics(const capabilities& caps, std::span<const varbind> vbs,
                   const std::vector<outlet>& outlets, std::map<metric_id, metric_value>& out) {
  for (std::size_t i = 0; i < caps.metrics.size(); ++i) {
    const auto& m = caps.metrics[i];
    const auto raw = snmp::as_integer(at(vbs, i));
    std::optional<metric_value> v;
    if (raw) v = decode(m, *raw);
    if (v) {
      out[m.id] = std::move(*v);
    } else {
      out.erase(m.id);
    }
  }
  floor_idle_outlets(caps, outlets, out);
}

void floor_idle_outlets(const capabilities& caps, const std::vector<outlet>& outlets,
                        std::map<metric_id, metric_value>& metrics) {
  if (!caps.outlet_metering) return;
  for (const auto& o : outlets)
    floor_idle_outlet(o, metrics);
}

}  // namespace pdu2mqtt::device
