// The simulator's PDU families (switched, metered, ATS, three-phase) as a MIB: the load tables
// every family serves, per-outlet metering, the ATS source and ENVIROSENSOR tables, the real
// firmware's quirks (NULL cells, INTEGER for a Gauge, whole volts, phantom idle readings), the
// device fault knobs and the presets behind `simulate --model`.
#include <gtest/gtest.h>

#include <memory>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/sim/simulator.hpp"

namespace pdu2mqtt::sim {
namespace {

namespace cp = cyberpower;
using namespace std::chrono_literals;
using snmp::errc;
using snmp::gauge32;
using snmp::oid;
using snmp::value;
using snmp::varbind;

// ePDULoadStatusTable columns the bridge does not read, by number.
oid load_status(std::uint32_t column, std::uint32_t row) {
  return cp::epdu.child({2, 3, 1, 1, column, row});
}

const oid switched_table_size = cp::epdu2.child({6, 1, 1, 0});
const oid envir_legacy{1, 3, 6, 1, 4, 1, 3808, 1, 1, 4};

class families_test : public ::testing::Test {
 protected:
  std::shared_ptr<simulator> make(simulator_options o) {
    o.apply_delay = 0ms;  // switching shows at once
    o.clock = [t = clock_] { return *t; };
    sim_ = simulator::create(io_.get_executor(), std::move(o));
    return sim_;
  }
  std::shared_ptr<simulator> make(std::string_view preset_name) {
    auto o = preset(preset_name);
    EXPECT_TRUE(o.has_value()) << preset_name;
    return make(o.value_or(simulator_options{}));
  }
  value get(const oid& name) const { return sim_->get(name); }
  errc set(const oid& name, value v) {
    const varbind vb{name, std::move(v)};
    return sim_->set(std::span(&vb, 1)).status;
  }
  errc switch_off(std::uint32_t outlet) {
    return set(cp::outlet::command.child(outlet), std::int32_t{2});
  }
  void advance(std::chrono::steady_clock::duration d) { *clock_ += d; }

  asio::io_context io_;
  std::shared_ptr<std::chrono::steady_clock::time_point> clock_ =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  std::shared_ptr<simulator> sim_;
};

value integer(std::int32_t v) {
  return value{v};
}
value gauge(std::uint32_t v) {
  return value{gauge32{v}};
}
value text(const char* s) {
  return value{std::string(s)};
}
const value null{snmp::null_value{}};

TEST(simulator_presets, map_names_and_model_numbers_case_insensitively) {
  struct expectation {
    const char* name;
    family kind;
    const char* model;
    std::size_t outlets;
    std::size_t banks;
    std::int32_t rating_a;
  };
  for (const auto& e : {expectation{"switched", family::switched, "PDU41004", 8, 2, 15},
                        expectation{"PDU41004", family::switched, "PDU41004", 8, 2, 15},
                        expectation{"Metered", family::metered, "PDU81004", 8, 2, 15},
                        expectation{"pdu81004", family::metered, "PDU81004", 8, 2, 15},
                        expectation{"ATS", family::ats, "PDU44005", 10, 1, 16},
                        expectation{"pdu44005", family::ats, "PDU44005", 10, 1, 16},
                        expectation{"three-phase", family::three_phase, "PDU3PH-SIM", 24, 6, 32},
                        expectation{"Three-Phase", family::three_phase, "PDU3PH-SIM", 24, 6, 32},
                        expectation{"pdu3ph-sim", family::three_phase, "PDU3PH-SIM", 24, 6, 32}}) {
    const auto o = preset(e.name);
    ASSERT_TRUE(o.has_value()) << e.name;
    EXPECT_EQ(o->family, e.kind) << e.name;
    EXPECT_EQ(o->model, e.model) << e.name;
    EXPECT_EQ(o->outlets, e.outlets) << e.name;
    EXPECT_EQ(o->banks, e.banks) << e.name;
    EXPECT_EQ(o->rating_a, e.rating_a) << e.name;
  }
  EXPECT_DOUBLE_EQ(preset("metered")->start_energy_kwh, 12.3);
  EXPECT_DOUBLE_EQ(preset("ats")->input_voltage_v, 217.9);
  EXPECT_DOUBLE_EQ(preset("switched")->input_voltage_v, 230.0);
  for (const char* other : {"PDU41001", "", "switch", "three_phase", "PDU44005 ", "atsx"})
    EXPECT_FALSE(preset(other).has_value()) << other;
  EXPECT_EQ(family_name(family::three_phase), "three-phase");
  EXPECT_EQ(family_name(family::ats), "ats");
}

TEST_F(families_test, every_preset_walks_in_order_without_exceptions) {
  for (const char* name : {"switched", "metered", "ats", "three-phase"}) {
    make(name);
    std::size_t total = 0;
    oid cursor{1};
    while (auto next = sim_->get_next(cursor)) {
      ASSERT_LT(cursor, next->name) << name;
      ASSERT_FALSE(snmp::is_exception(next->value)) << name << " " << next->name.to_string();
      cursor = next->name;
      ++total;
    }
    EXPECT_GT(total, 150u) << name;
  }
}

TEST_F(families_test, switched_serves_input_sizes_and_device_scalars) {
  make(simulator_options{});
  EXPECT_EQ(get(cp::input::voltage), integer(2300));
  EXPECT_EQ(get(cp::input::frequency), integer(500));
  EXPECT_EQ(get(cp::load::num_phases), integer(1));
  EXPECT_EQ(get(cp::table_size::device), integer(1));
  EXPECT_EQ(get(cp::table_size::phase), integer(1));
  EXPECT_EQ(get(cp::table_size::bank), integer(2));
  EXPECT_EQ(get(cp::table_size::outlet_metered), integer(0));
  EXPECT_EQ(get(cp::table_size::source), integer(0));
  EXPECT_EQ(get(switched_table_size), integer(8));
  EXPECT_EQ(get(cp::outlet_device::monitored_outlets), integer(0));
  EXPECT_EQ(get(cp::outlet_device::coldstart_delay), integer(0));
  EXPECT_EQ(get(cp::outlet_device::coldstart_state), integer(1));
  // No ATS, no sensor: those subtrees do not exist at all.
  EXPECT_EQ(get(cp::source::a_voltage.child(1)), value{snmp::no_such_object{}});
  EXPECT_EQ(get(cp::envir::temperature.child(1)), value{snmp::no_such_object{}});
}

TEST_F(families_test, load_status_has_the_phase_row_then_bank_rows_with_null_cells) {
  make(simulator_options{});  // 8 outlets x 0.5 A on 2 banks, 230.0 V, PF 0.97
  // Row 1: phase 1, the whole load: 4.0 A, 892 W (4 x 230 x 0.97), 920 VA.
  EXPECT_EQ(get(load_status(1, 1)), integer(1));
  EXPECT_EQ(get(cp::load::status_load.child(1)), gauge(40));
  EXPECT_EQ(get(cp::load::status_load_state.child(1)), integer(1));
  EXPECT_EQ(get(cp::load::status_phase_number.child(1)), integer(1));
  EXPECT_EQ(get(cp::load::status_bank_number.child(1)), integer(0));
  EXPECT_EQ(get(cp::load::status_voltage.child(1)), integer(2300));
  EXPECT_EQ(get(cp::load::status_active_power.child(1)), integer(892));
  EXPECT_EQ(get(cp::load::status_apparent_power.child(1)), integer(920));
  EXPECT_EQ(get(cp::load::status_power_factor.child(1)), integer(97));
  EXPECT_EQ(get(cp::load::status_energy.child(1)), integer(0));
  EXPECT_EQ(get(load_status(11, 1)), text("01/15/2024 09:00:00"));
  // Rows 2 and 3: banks 1 and 2, 2.0 A each; VA, PF, energy and start time are NULL there.
  for (std::uint32_t row : {2u, 3u}) {
    EXPECT_EQ(get(cp::load::status_load.child(row)), gauge(20)) << row;
    EXPECT_EQ(get(cp::load::status_phase_number.child(row)), integer(1)) << row;
    EXPECT_EQ(get(cp::load::status_bank_number.child(row)), integer(row - 1)) << row;
    EXPECT_EQ(get(cp::load::status_voltage.child(row)), integer(2300)) << row;
    EXPECT_EQ(get(cp::load::status_active_power.child(row)), integer(446)) << row;
    EXPECT_EQ(get(cp::load::status_apparent_power.child(row)), null) << row;
    EXPECT_EQ(get(cp::load::status_power_factor.child(row)), null) << row;
    EXPECT_EQ(get(cp::load::status_energy.child(row)), null) << row;
    EXPECT_EQ(get(load_status(11, row)), null) << row;
  }
  EXPECT_EQ(get(cp::load::status_load.child(4)), value{snmp::no_such_instance{}});
}

TEST_F(families_test, device_and_phase_status_are_gauges_of_the_totals) {
  make(simulator_options{});
  EXPECT_EQ(get(cp::device_status::load_state.child(1)), integer(1));
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(40));
  EXPECT_EQ(get(cp::device_status::power.child(1)), gauge(892));
  EXPECT_EQ(get(cp::device_status::apparent_power.child(1)), gauge(920));
  EXPECT_EQ(get(cp::device_status::power_factor.child(1)), gauge(97));
  EXPECT_EQ(get(cp::device_status::energy.child(1)), gauge(0));
  EXPECT_EQ(get(cp::phase_status::number.child(1)), integer(1));
  EXPECT_EQ(get(cp::phase_status::load_state.child(1)), integer(1));
  EXPECT_EQ(get(cp::phase_status::current.child(1)), gauge(40));
  EXPECT_EQ(get(cp::phase_status::voltage.child(1)), gauge(2300));
  EXPECT_EQ(get(cp::phase_status::power.child(1)), gauge(892));
  EXPECT_EQ(get(cp::phase_status::apparent_power.child(1)), gauge(920));
  EXPECT_EQ(get(cp::phase_status::power_factor.child(1)), gauge(97));
  EXPECT_EQ(get(cp::phase_status::number.child(2)), value{snmp::no_such_instance{}});
}

TEST_F(families_test, load_and_power_follow_switching) {
  make(simulator_options{});
  ASSERT_EQ(switch_off(1), errc{});
  ASSERT_EQ(switch_off(5), errc{});  // one outlet of each bank: 3.0 A left
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(30));
  EXPECT_EQ(get(cp::device_status::power.child(1)), gauge(669));  // 3 x 230 x 0.97 = 669.3
  EXPECT_EQ(get(cp::phase_status::current.child(1)), gauge(30));
  EXPECT_EQ(get(cp::load::status_load.child(1)), gauge(30));
  EXPECT_EQ(get(cp::load::status_load.child(2)), gauge(15));
  EXPECT_EQ(get(cp::load::status_active_power.child(2)), integer(335));  // 1.5 x 223.1
  EXPECT_EQ(get(cp::bank::load.child(2)), gauge(15));
}

TEST_F(families_test, load_states_rise_with_the_current) {
  simulator_options o;
  o.outlets = 4;
  o.banks = 1;
  o.rating_a = 10;
  o.outlet_current_a = {3.0, 3.0, 2.0, 2.5};  // 10.5 A: over the 10 A rating
  make(o);
  EXPECT_EQ(get(cp::device_status::load_state.child(1)), integer(4));  // overCurrentAlarm
  EXPECT_EQ(get(cp::phase_status::load_state.child(1)), integer(4));
  EXPECT_EQ(get(cp::load::status_load_state.child(2)), integer(4));
  ASSERT_EQ(switch_off(4), errc{});  // 8.0 A: near overload from 80 %
  EXPECT_EQ(get(cp::device_status::load_state.child(1)), integer(3));
  EXPECT_EQ(get(cp::phase_status::load_state.child(1)), integer(3));
  EXPECT_EQ(get(cp::load::status_load_state.child(1)), integer(3));
  ASSERT_EQ(switch_off(3), errc{});  // 6.0 A
  EXPECT_EQ(get(cp::device_status::load_state.child(1)), integer(1));
}

TEST_F(families_test, energy_counts_the_power_drawn_over_time) {
  make("metered");  // meter at 12.3 kWh; 8 x 0.5 A at 230 V, PF 0.97 = 892.4 W
  EXPECT_EQ(get(cp::device_status::energy.child(1)), gauge(123));
  EXPECT_EQ(get(cp::load::status_energy.child(1)), integer(123));
  EXPECT_EQ(get(cp::outlet::energy.child(1)), integer(15));  // 12.3 / 8 = 1.54 kWh
  advance(1h);
  EXPECT_EQ(get(cp::device_status::energy.child(1)), gauge(131));  // 13.19 kWh
  EXPECT_EQ(get(cp::outlet::energy.child(1)), integer(16));        // + 0.112 kWh
  EXPECT_NEAR(sim_->energy_kwh(), 12.3 + 0.8924, 1e-9);
  // Off outlets count nothing, however long.
  for (std::uint32_t o = 1; o <= 8; ++o)
    ASSERT_EQ(switch_off(o), errc{});
  advance(10h);
  EXPECT_EQ(get(cp::device_status::energy.child(1)), gauge(131));
  EXPECT_EQ(get(cp::outlet_metered::energy.child(1)), gauge(16));
  ASSERT_EQ(set(cp::outlet::command.child(2), std::int32_t{1}), errc{});
  advance(2h);  // 1.649 kWh + 0.5 A x 230 V x 0.97 x 2 h (0.223 kWh)
  EXPECT_EQ(get(cp::outlet::energy.child(2)), integer(18));
  EXPECT_EQ(get(cp::outlet::energy.child(1)), integer(16));
}

TEST_F(families_test, metered_outlets_report_current_power_and_energy_with_real_types) {
  auto o = *preset("metered");
  o.outlet_current_a = {0.5, 0.0, 1.2};
  make(o);
  EXPECT_EQ(get(cp::outlet_device::monitored_outlets), integer(8));
  EXPECT_EQ(get(cp::table_size::outlet_metered), integer(8));
  // Legacy: load and power are Gauge32, energy an INTEGER although the MIB says Gauge.
  EXPECT_EQ(get(cp::outlet::load.child(1)), gauge(5));
  EXPECT_EQ(get(cp::outlet::active_power.child(1)), gauge(112));  // 0.5 x 230 x 0.97
  EXPECT_TRUE(std::holds_alternative<std::int32_t>(get(cp::outlet::energy.child(1))));
  EXPECT_TRUE(std::holds_alternative<gauge32>(get(cp::outlet::load.child(1))));
  EXPECT_EQ(get(cp::outlet::load.child(3)), gauge(12));
  EXPECT_EQ(get(cp::outlet::active_power.child(3)), gauge(268));  // 1.2 x 230 x 0.97
  // ePDU2: the same readings, all Gauge32.
  EXPECT_EQ(get(cp::outlet_metered::number.child(3)), integer(3));
  EXPECT_EQ(get(cp::outlet_metered::load.child(3)), gauge(12));
  EXPECT_EQ(get(cp::outlet_metered::active_power.child(3)), gauge(268));
  EXPECT_EQ(get(cp::outlet_metered::energy.child(3)), gauge(15));
  EXPECT_EQ(get(cp::outlet_metered::number.child(9)), value{snmp::no_such_instance{}});

  // Phantom idle readings: on with nothing drawn 0.0 A / 1 W; off 0.1 A / 2 W.
  EXPECT_EQ(get(cp::outlet::load.child(2)), gauge(0));
  EXPECT_EQ(get(cp::outlet::active_power.child(2)), gauge(1));
  EXPECT_EQ(get(cp::outlet_metered::active_power.child(2)), gauge(1));
  ASSERT_EQ(switch_off(1), errc{});
  EXPECT_EQ(get(cp::outlet::load.child(1)), gauge(1));
  EXPECT_EQ(get(cp::outlet::active_power.child(1)), gauge(2));
  EXPECT_EQ(get(cp::outlet_metered::load.child(1)), gauge(1));
  EXPECT_EQ(get(cp::outlet_metered::active_power.child(1)), gauge(2));
  // The totals count what flows, not the phantom.
  ASSERT_EQ(switch_off(2), errc{});
  ASSERT_EQ(switch_off(3), errc{});
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(25));  // 5 x 0.5 A
}

TEST_F(families_test, switched_units_read_zero_metering_and_have_no_metered_rows) {
  make(simulator_options{});
  EXPECT_EQ(get(cp::outlet::load.child(1)), gauge(0));
  EXPECT_EQ(get(cp::outlet::active_power.child(1)), gauge(0));
  EXPECT_EQ(get(cp::outlet::energy.child(1)), integer(0));
  ASSERT_EQ(switch_off(1), errc{});
  EXPECT_EQ(get(cp::outlet::load.child(1)), gauge(0)) << "no phantom on an unmetered outlet";
  EXPECT_EQ(get(cp::outlet_metered::load.child(1)), value{snmp::no_such_object{}});
  const auto next = sim_->get_next(cp::outlet_metered::number);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->name.starts_with(cp::epdu2.child({6, 2, 4}))) << next->name.to_string();
}

TEST_F(families_test, ats_serves_the_walks_sources_and_sensor) {
  make("ats");
  EXPECT_EQ(get(cp::ident::model), text("PDU44005"));
  EXPECT_EQ(get(cp::ident::num_outlets), integer(10));
  EXPECT_EQ(get(cp::ident::device_rating_a), integer(16));
  EXPECT_EQ(get(cp::counts::banks), integer(1));
  EXPECT_EQ(get(cp::input::voltage), integer(2179));
  EXPECT_EQ(get(cp::phase_status::voltage.child(1)), gauge(2179));
  EXPECT_EQ(get(cp::table_size::source), integer(1));

  EXPECT_EQ(get(cp::source::preferred.child(1)), integer(1));
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(1));
  EXPECT_EQ(get(cp::source::nominal_frequency.child(1)), integer(500));
  // Whole volts, as INTEGER, although the MIB says tenths.
  EXPECT_EQ(get(cp::source::a_voltage.child(1)), integer(217));
  EXPECT_EQ(get(cp::source::b_voltage.child(1)), integer(222));
  EXPECT_EQ(get(cp::source::a_frequency.child(1)), integer(500));
  EXPECT_EQ(get(cp::source::b_frequency.child(1)), integer(500));
  for (const auto* column : {&cp::source::a_voltage_status, &cp::source::b_voltage_status,
                             &cp::source::a_frequency_status, &cp::source::b_frequency_status}) {
    EXPECT_EQ(get(column->child(1)), integer(1)) << column->to_string();
  }
  EXPECT_EQ(get(cp::source::phase_sync.child(1)), integer(2));
  EXPECT_EQ(get(cp::source::redundancy.child(1)), integer(2));
  EXPECT_EQ(get(cp::epdu2.child({9, 4, 1, 14, 1})), integer(1));
  EXPECT_EQ(get(cp::epdu2.child({9, 4, 1, 15, 1})), integer(1));

  EXPECT_EQ(get(cp::envir2.child({1, 1, 0})), integer(1));
  EXPECT_EQ(get(cp::envir::temperature_table_size), integer(1));
  EXPECT_EQ(get(cp::envir::temperature_unit), integer(1));
  EXPECT_EQ(get(cp::envir::temperature.child(1)), integer(2070));
  EXPECT_EQ(get(cp::envir::humidity_table_size), integer(1));
  EXPECT_EQ(get(cp::envir::humidity.child(1)), integer(4536));
  EXPECT_EQ(get(cp::envir::contact_table_size), integer(4));
  EXPECT_EQ(get(cp::envir::contact_name.child(1)), text("ENV_Contact#1-1"));
  EXPECT_EQ(get(cp::envir::contact_name.child(4)), text("ENV_Contact#1-4"));
  EXPECT_EQ(get(cp::envir2.child({4, 2, 1, 6, 3})), integer(1));
  for (std::uint32_t k = 1; k <= 4; ++k)
    EXPECT_EQ(get(cp::envir::contact_status.child(k)), integer(1)) << k;
  EXPECT_EQ(get(cp::envir::contact_name.child(5)), value{snmp::no_such_instance{}});

  // The legacy ENVIROSENSOR: NULL readings, numeric thresholds.
  EXPECT_EQ(get(envir_legacy.child({2, 1, 0})), null);        // envirTemperature
  EXPECT_EQ(get(envir_legacy.child({2, 6, 0})), null);        // envirTemperatureCelsius
  EXPECT_EQ(get(envir_legacy.child({3, 1, 0})), null);        // envirHumidity
  EXPECT_EQ(get(envir_legacy.child({4, 2, 1, 3, 2})), null);  // envirContactStatus.2
  EXPECT_EQ(get(envir_legacy.child({2, 2, 0})), integer(90));
  EXPECT_EQ(get(envir_legacy.child({4, 2, 1, 2, 2})), text("Contact#2"));
}

TEST_F(families_test, losing_source_a_moves_the_ats_to_b_and_keeps_the_outlets_on) {
  make("ats");
  ASSERT_EQ(set(test_oids::ats_source_a_lost, std::int32_t{1}), errc{});
  EXPECT_TRUE(sim_->faults().ats_source_a_lost);
  EXPECT_EQ(get(test_oids::ats_source_a_lost), integer(1));
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(2));
  EXPECT_EQ(get(cp::source::a_voltage.child(1)), integer(0));
  EXPECT_EQ(get(cp::source::a_voltage_status.child(1)), integer(3));
  EXPECT_EQ(get(cp::source::b_voltage.child(1)), integer(222));
  EXPECT_EQ(get(cp::source::b_voltage_status.child(1)), integer(1));
  EXPECT_EQ(get(cp::source::redundancy.child(1)), integer(1));
  // Fed from B now.
  EXPECT_EQ(get(cp::input::voltage), integer(2220));
  EXPECT_EQ(get(cp::phase_status::voltage.child(1)), gauge(2220));
  for (std::size_t o = 1; o <= 10; ++o)
    EXPECT_EQ(sim_->state_of(o), cp::outlet_state::on) << o;
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(50));

  EXPECT_EQ(set(test_oids::ats_source_a_lost, std::int32_t{2}), errc::wrong_value);
  ASSERT_EQ(set(test_oids::ats_source_a_lost, std::int32_t{0}), errc{});
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(1));
  EXPECT_EQ(get(cp::source::a_voltage.child(1)), integer(217));
  EXPECT_EQ(get(cp::source::redundancy.child(1)), integer(2));
}

TEST_F(families_test, preferred_source_is_writable_and_picks_the_input) {
  make("ats");
  ASSERT_EQ(set(cp::source::preferred.child(1), std::int32_t{2}), errc{});
  EXPECT_EQ(get(cp::source::preferred.child(1)), integer(2));
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(2));
  EXPECT_EQ(get(cp::source::redundancy.child(1)), integer(2));
  EXPECT_EQ(set(cp::source::preferred.child(1), std::int32_t{4}), errc::wrong_value);
  EXPECT_EQ(set(cp::source::preferred.child(1), std::int32_t{0}), errc::wrong_value);
  EXPECT_EQ(set(cp::source::selected.child(1), std::int32_t{1}), errc::not_writable);
  ASSERT_EQ(set(cp::source::preferred.child(1), std::int32_t{3}), errc{});
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(1));
}

TEST_F(families_test, contacts_abnormal_is_a_bitmask_over_the_four_contacts) {
  make("ats");
  ASSERT_EQ(set(test_oids::contacts_abnormal, std::int32_t{5}), errc{});
  EXPECT_EQ(get(test_oids::contacts_abnormal), integer(5));
  EXPECT_EQ(get(cp::envir::contact_status.child(1)), integer(2));
  EXPECT_EQ(get(cp::envir::contact_status.child(2)), integer(1));
  EXPECT_EQ(get(cp::envir::contact_status.child(3)), integer(2));
  EXPECT_EQ(get(cp::envir::contact_status.child(4)), integer(1));
  ASSERT_EQ(set(test_oids::contacts_abnormal, std::int32_t{8}), errc{});
  EXPECT_EQ(get(cp::envir::contact_status.child(1)), integer(1));
  EXPECT_EQ(get(cp::envir::contact_status.child(4)), integer(2));
  EXPECT_EQ(set(test_oids::contacts_abnormal, std::int32_t{16}), errc::wrong_value);
  EXPECT_EQ(set(test_oids::contacts_abnormal, std::string("1")), errc::wrong_type);
  EXPECT_EQ(sim_->faults().contacts_abnormal, 8u);
}

TEST_F(families_test, device_knobs_start_from_the_options) {
  auto o = *preset("ats");
  o.faults.ats_source_a_lost = true;
  o.faults.contacts_abnormal = 15;
  make(o);
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(2));
  EXPECT_EQ(get(cp::envir::contact_status.child(2)), integer(2));
  fault_options bad;
  bad.contacts_abnormal = 16;
  EXPECT_THROW(sim_->set_faults(bad), std::invalid_argument);
  fault_options good;
  sim_->set_faults(good);
  EXPECT_EQ(get(cp::source::selected.child(1)), integer(1));
  EXPECT_EQ(get(cp::envir::contact_status.child(2)), integer(1));
}

TEST_F(families_test, temperature_follows_the_unit) {
  make("ats");
  ASSERT_EQ(set(cp::envir::temperature_unit, std::int32_t{2}), errc{});
  EXPECT_EQ(get(cp::envir::temperature.child(1)), integer(6926));  // 69.26 F
  EXPECT_EQ(get(cp::envir2.child({2, 3, 1, 4, 1})), integer(90));
  EXPECT_EQ(set(cp::envir::temperature_unit, std::int32_t{3}), errc::wrong_value);
}

TEST_F(families_test, three_phase_puts_banks_on_phases_in_turn) {
  make("three-phase");  // 24 outlets x 0.5 A, 6 banks of 4 outlets: 2.0 A a bank
  EXPECT_EQ(sim_->phases(), 3u);
  EXPECT_EQ(get(cp::ident::num_phases), integer(3));
  EXPECT_EQ(get(cp::load::num_phases), integer(3));
  EXPECT_EQ(get(cp::table_size::phase), integer(3));
  EXPECT_EQ(get(cp::table_size::bank), integer(6));
  EXPECT_EQ(get(cp::ident::device_rating_a), integer(32));
  for (std::size_t b = 1; b <= 6; ++b)
    EXPECT_EQ(sim_->phase_of_bank(b), (b - 1) % 3 + 1) << b;
  EXPECT_EQ(sim_->phase_of(1), 1u);   // bank 1
  EXPECT_EQ(sim_->phase_of(5), 2u);   // bank 2
  EXPECT_EQ(sim_->phase_of(13), 1u);  // bank 4
  EXPECT_EQ(get(cp::outlet::control_name.child(5)), text("Outlet5"));
  EXPECT_EQ(get(cp::epdu.child({3, 3, 1, 1, 3, 5})), integer(2));  // ePDUOutletControlOutletPhase

  // Legacy rows: phases 1..3 (bank 0), then banks 1..6 with their phase.
  for (std::uint32_t p = 1; p <= 3; ++p) {
    EXPECT_EQ(get(cp::load::status_phase_number.child(p)), integer(static_cast<std::int32_t>(p)));
    EXPECT_EQ(get(cp::load::status_bank_number.child(p)), integer(0));
    EXPECT_EQ(get(cp::load::status_load.child(p)), gauge(40)) << p;  // two banks
    EXPECT_EQ(get(cp::load::status_voltage.child(p)), integer(2300));
    EXPECT_EQ(get(cp::phase_status::number.child(p)), integer(static_cast<std::int32_t>(p)));
    EXPECT_EQ(get(cp::phase_status::voltage.child(p)), gauge(2300));
    EXPECT_EQ(get(cp::phase_status::current.child(p)), gauge(40));
  }
  for (std::uint32_t b = 1; b <= 6; ++b) {
    const auto row = 3 + b;
    EXPECT_EQ(get(cp::load::status_bank_number.child(row)), integer(static_cast<std::int32_t>(b)));
    EXPECT_EQ(get(cp::load::status_phase_number.child(row)),
              integer(static_cast<std::int32_t>((b - 1) % 3 + 1)));
    EXPECT_EQ(get(cp::load::status_load.child(row)), gauge(20));
    EXPECT_EQ(get(cp::load::status_apparent_power.child(row)), null);
  }
  EXPECT_EQ(get(cp::load::status_load.child(10)), value{snmp::no_such_instance{}});
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(120));

  // Outlet 13 is on bank 4, phase 1: only phase 1 and bank 4 lose its 0.5 A.
  ASSERT_EQ(switch_off(13), errc{});
  EXPECT_EQ(get(cp::phase_status::current.child(1)), gauge(35));
  EXPECT_EQ(get(cp::phase_status::current.child(2)), gauge(40));
  EXPECT_EQ(get(cp::load::status_load.child(1)), gauge(35));
  EXPECT_EQ(get(cp::load::status_load.child(3 + 4)), gauge(15));
  EXPECT_EQ(get(cp::bank::load.child(4)), gauge(15));
  EXPECT_EQ(get(cp::device_status::current.child(1)), gauge(115));
}

TEST_F(families_test, three_phase_without_banks_splits_outlets_over_phases) {
  simulator_options o;
  o.family = family::three_phase;
  o.outlets = 6;
  o.banks = 0;
  make(o);
  EXPECT_EQ(sim_->phase_of(1), 1u);
  EXPECT_EQ(sim_->phase_of(3), 2u);
  EXPECT_EQ(sim_->phase_of(6), 3u);
  EXPECT_EQ(get(cp::load::status_load.child(3)), gauge(10));
  EXPECT_EQ(get(cp::load::status_load.child(4)), value{snmp::no_such_instance{}});
}

TEST_F(families_test, cold_start_settings_are_writable_within_their_range) {
  make(simulator_options{});
  EXPECT_EQ(set(cp::outlet_device::coldstart_delay, std::int32_t{300}), errc{});
  EXPECT_EQ(get(cp::outlet_device::coldstart_delay), integer(300));
  EXPECT_EQ(set(cp::outlet_device::coldstart_delay, std::int32_t{-1}), errc{});
  EXPECT_EQ(get(cp::outlet_device::coldstart_delay), integer(-1));
  EXPECT_EQ(set(cp::outlet_device::coldstart_delay, std::int32_t{301}), errc::wrong_value);
  EXPECT_EQ(set(cp::outlet_device::coldstart_delay, std::int32_t{-2}), errc::wrong_value);
  EXPECT_EQ(set(cp::outlet_device::coldstart_delay, gauge(5)), errc::wrong_type);
  EXPECT_EQ(get(cp::outlet_device::coldstart_delay), integer(-1));
  EXPECT_EQ(set(cp::outlet_device::coldstart_state, std::int32_t{2}), errc{});
  EXPECT_EQ(get(cp::outlet_device::coldstart_state), integer(2));
  EXPECT_EQ(set(cp::outlet_device::coldstart_state, std::int32_t{3}), errc::wrong_value);
  EXPECT_EQ(set(cp::outlet_device::monitored_outlets, std::int32_t{1}), errc::not_writable);
  EXPECT_EQ(sim_->sets_accepted(), 3u);
}

TEST_F(families_test, rejects_impossible_electrical_options) {
  const auto with = [](auto change) {
    simulator_options o;
    change(o);
    return o;
  };
  EXPECT_THROW(make(with([](simulator_options& o) { o.power_factor = 1.5; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) { o.input_voltage_v = -1; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) { o.start_energy_kwh = -0.1; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) { o.coldstart_delay_s = 301; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) { o.preferred_source = 0; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) { o.faults.contacts_abnormal = 16; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](simulator_options& o) {
                 o.outlet_current_a = {0.5, -1.0};
               })),
               std::invalid_argument);
}

}  // namespace
}  // namespace pdu2mqtt::sim
