// Capability detection and metric decoding without a network: which cells become metrics,
// their scales, and the outlet idle floor.
#include <gtest/gtest.h>

#include "pdu2mqtt/device/capability_probe.hpp"
#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"

namespace pdu2mqtt::device {
namespace {

namespace cp = cyberpower;
using snmp::varbind;

// Answers a plan's request from a map of OID → value (absent OIDs: noSuchObject).
std::vector<varbind> answer(const std::vector<snmp::oid>& request,
                            const std::map<snmp::oid, snmp::value>& cells) {
  std::vector<varbind> out;
  for (const auto& o : request) {
    auto it = cells.find(o);
    out.push_back({o, it == cells.end() ? snmp::value{snmp::no_such_object{}} : it->second});
  }
  return out;
}

TEST(metric_decoding, scales_round_to_the_scale_and_enums_name_their_words) {
  metric_def volts{{scope::input, 0, quantity::voltage}, {}, decoding::scaled, 0.1, {}};
  EXPECT_EQ(payload_text(quantity::voltage, *decode(volts, 2179)), "217.9");
  metric_def pf{{scope::total, 0, quantity::power_factor}, {}, decoding::scaled, 0.01, {}};
  EXPECT_EQ(payload_text(quantity::power_factor, *decode(pf, 97)), "0.97");
  metric_def load{{scope::total, 0, quantity::load_state}, {}, decoding::alarm_state, 1, {}};
  EXPECT_EQ(decode(load, 3)->word, "nearOverload");
  EXPECT_FALSE(decode(load, 0));
  EXPECT_FALSE(decode(load, 5));
  metric_def source{{scope::ats, 0, quantity::selected_source}, {}, decoding::source, 1, {}};
  EXPECT_EQ(decode(source, 2)->word, "B");
}

TEST(metric_topics, below_the_pdu) {
  EXPECT_EQ(topic_suffix({scope::input, 0, quantity::voltage}), "input/voltage");
  EXPECT_EQ(topic_suffix({scope::bank, 2, quantity::power}), "bank/2/power");
  EXPECT_EQ(topic_suffix({scope::source_a, 0, quantity::voltage}), "ats/source_a/voltage");
  EXPECT_EQ(topic_suffix({scope::contact, 3, quantity::contact_state}), "contact/3");
  EXPECT_EQ(topic_suffix({scope::device, 0, quantity::cold_start_delay}),
            "device/cold_start_delay");
}

TEST(capability_probe, a_legacy_bank_row_becomes_the_banks_power_and_nulls_are_dropped) {
  table_sizes sizes;
  sizes.legacy_phases = 1;
  const counts size{.outlets = 2, .banks = 1};
  const auto plan = plan_probe(sizes, size);
  std::map<snmp::oid, snmp::value> cells = {
      {cp::load::status_phase_number.child(1), std::int32_t{1}},
      {cp::load::status_bank_number.child(1), std::int32_t{0}},
      {cp::load::status_phase_number.child(2), std::int32_t{1}},
      {cp::load::status_bank_number.child(2), std::int32_t{1}},
      {cp::load::status_voltage.child(2), std::int32_t{2301}},
      {cp::load::status_active_power.child(2), std::int32_t{150}},
      {cp::load::status_energy.child(2), snmp::null_value{}},
      // The phase row is the phase's only source when ePDU2 has no phase table.
      {cp::load::status_voltage.child(1), std::int32_t{2302}},
      {cp::input::voltage, std::int32_t{2300}},
  };
  const auto got = parse_probe(plan, answer(plan.request, cells));
  EXPECT_EQ(got.values.at({scope::bank, 1, quantity::voltage}).number, 230.1);
  EXPECT_EQ(got.values.at({scope::bank, 1, quantity::power}).number, 150);
  EXPECT_FALSE(got.values.contains({scope::bank, 1, quantity::energy}));
  EXPECT_EQ(got.values.at({scope::phase, 1, quantity::voltage}).number, 230.2);
  EXPECT_EQ(got.caps.phases, 1);
  EXPECT_EQ(got.values.at({scope::input, 0, quantity::voltage}).number, 230.0);
  for (const auto& m : got.caps.metrics) {
    EXPECT_FALSE(m.id.scope == scope::bank && m.id.quantity == quantity::energy);
    EXPECT_FALSE(m.id.scope == scope::device && m.id.index > 0) << "a row left unmapped";
  }
  // Polls ask exactly for the metrics found.
  EXPECT_EQ(metrics_request(got.caps).size(), got.caps.metrics.size());
}

TEST(capability_probe, ats_source_voltage_in_whole_volts_is_recognised) {
  table_sizes sizes;
  sizes.sources = 1;
  const auto plan = plan_probe(sizes, counts{.outlets = 1, .banks = 0});
  auto got =
      parse_probe(plan, answer(plan.request, {{cp::source::a_voltage.child(1), std::int32_t{217}},
                                              {cp::source::b_voltage.child(1), std::int32_t{0}}}));
  EXPECT_EQ(got.values.at({scope::source_a, 0, quantity::voltage}).number, 217.0);
  EXPECT_EQ(got.values.at({scope::source_b, 0, quantity::voltage}).number, 0.0);
  EXPECT_TRUE(got.caps.ats);
  // Tenths, as the MIB says, are kept as tenths.
  got = parse_probe(plan,
                    answer(plan.request, {{cp::source::a_voltage.child(1), std::int32_t{2301}}}));
  EXPECT_EQ(got.values.at({scope::source_a, 0, quantity::voltage}).number, 230.1);
}

TEST(capability_probe, outlet_meters_only_when_the_unit_says_it_meters_outlets) {
  table_sizes sizes;
  const counts size{.outlets = 2, .banks = 0};
  std::map<snmp::oid, snmp::value> cells = {{cp::outlet::load.child(1), snmp::gauge32{0}},
                                            {cp::outlet::active_power.child(1), snmp::gauge32{0}}};
  auto plan = plan_probe(sizes, size);
  EXPECT_FALSE(parse_probe(plan, answer(plan.request, cells)).caps.outlet_metering)
      << "legacy columns read 0 on switched-only units";
  sizes.monitored_outlets = 2;
  plan = plan_probe(sizes, size);
  EXPECT_TRUE(parse_probe(plan, answer(plan.request, cells)).caps.outlet_metering);
}

// Units without ePDUOutletConfigOutletName answer noSuchObject (or NULL, as real firmware does
// for other absent columns) there: the names come from the control table, else the status table,
// and every poll asks that column.
TEST(capability_probe, outlet_names_fall_back_to_the_control_then_the_status_column) {
  const std::map<snmp::oid, snmp::value> every = {
      {cp::outlet::config_name.child(1), std::string("Outlet1")},
      {cp::outlet::control_name.child(1), std::string("Outlet1")},
      {cp::outlet::status_name.child(1), std::string("Outlet1")}};
  const auto names = [](std::map<snmp::oid, snmp::value> cells) {
    return parse_probe_sizes(answer(probe_sizes_request(), cells)).outlet_names;
  };
  EXPECT_EQ(names(every), outlet_name_column::config);
  auto cells = every;
  cells.erase(cp::outlet::config_name.child(1));
  EXPECT_EQ(names(cells), outlet_name_column::control);
  cells[cp::outlet::control_name.child(1)] = snmp::null_value{};
  EXPECT_EQ(names(cells), outlet_name_column::status);
  cells[cp::outlet::config_name.child(1)] = snmp::no_such_instance{};
  cells.erase(cp::outlet::status_name.child(1));
  EXPECT_EQ(names(cells), outlet_name_column::config) << "no name anywhere: the writable column";
  // An empty name is a name: the column is there.
  cells[cp::outlet::config_name.child(1)] = std::string();
  EXPECT_EQ(names(cells), outlet_name_column::config);

  table_sizes sizes;
  sizes.outlet_names = outlet_name_column::status;
  const counts size{.outlets = 2, .banks = 1};
  const auto plan = plan_probe(sizes, size);
  const auto caps = parse_probe(plan, answer(plan.request, {})).caps;
  EXPECT_EQ(caps.outlet_names, outlet_name_column::status);
  const auto poll = poll_request(size, caps);
  EXPECT_EQ(poll[poll_header], cp::outlet::status_name.child(1));
  EXPECT_EQ(poll[poll_header + 4], cp::outlet::status_name.child(2));
  EXPECT_EQ(status_request(size, outlet_name_column::control)[4],
            cp::outlet::control_name.child(2));
  EXPECT_EQ(status_request(size)[0], cp::outlet::config_name.child(1));
}

TEST(idle_floor, off_outlets_and_phantom_readings_read_zero) {
  std::map<metric_id, metric_value> m = {
      {{scope::outlet, 1, quantity::current}, {0.1, {}}},
      {{scope::outlet, 1, quantity::power}, {2.0, {}}},
      {{scope::outlet, 1, quantity::energy}, {3.4, {}}},
      {{scope::outlet, 2, quantity::current}, {0.3, {}}},
      {{scope::outlet, 2, quantity::power}, {60.0, {}}},
  };
  floor_idle_outlet(outlet{.number = 1, .state = power_state::on}, m);
  EXPECT_EQ(m.at({scope::outlet, 1, quantity::current}).number, 0.0);
  EXPECT_EQ(m.at({scope::outlet, 1, quantity::power}).number, 0.0);
  EXPECT_EQ(m.at({scope::outlet, 1, quantity::energy}).number, 3.4) << "energy is a counter";
  floor_idle_outlet(outlet{.number = 2, .state = power_state::on}, m);
  EXPECT_EQ(m.at({scope::outlet, 2, quantity::power}).number, 60.0) << "a real load stays";
  floor_idle_outlet(outlet{.number = 2, .state = power_state::off}, m);
  EXPECT_EQ(m.at({scope::outlet, 2, quantity::power}).number, 0.0) << "an OFF outlet draws 0";
}

}  // namespace
}  // namespace pdu2mqtt::device
