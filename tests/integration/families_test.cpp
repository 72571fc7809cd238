// Each CyberPower family the simulator reproduces (`simulate --model`), as capability detection
// sees it, and the bridge following what only some families have: outlet meters with their
// idle floor, an ATS losing an input, an ENVIROSENSOR contact opening. Expected values follow
// from the presets: 0.5 A an outlet at 230.0 V (217.9 V on the ATS), power factor 0.97.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pdu2mqtt/device/reader.hpp"
#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/run_coroutine.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;
using device::quantity;
using device::scope;

device::snapshot probe(const simulator_fixture& sim) {
  asio::io_context io;
  auto snmp = snmp::client::create(io.get_executor());
  snmp::target t;
  t.endpoint = {asio::ip::make_address("127.0.0.1"), sim.port()};
  t.timeout = 2s;
  auto got = run(io, device::async_read_snapshot(*snmp, t), 60s);
  snmp->close();
  if (!got) throw std::runtime_error(got.err().to_string());
  return std::move(*got);
}

double number(const device::snapshot& s, scope where, int index, quantity what) {
  const auto it = s.metrics.find({where, index, what});
  if (it == s.metrics.end() || !it->second.number) {
    ADD_FAILURE() << "no " << device::topic_suffix({where, index, what});
    return -1;
  }
  return *it->second.number;
}

bool has_scope(const device::snapshot& s, scope where) {
  for (const auto& m : s.caps.metrics) {
    if (m.id.scope == where) return true;
  }
  return false;
}

TEST(families, switched_meters_input_totals_phase_and_banks_only) {
  simulator_fixture sim({"--model", "switched"});
  const auto s = probe(sim);
  EXPECT_EQ(s.id.model, "PDU41004");
  EXPECT_EQ(s.caps.phases, 1);
  EXPECT_FALSE(s.caps.outlet_metering);
  EXPECT_FALSE(s.caps.ats);
  EXPECT_FALSE(s.caps.environment);
  EXPECT_FALSE(has_scope(s, scope::outlet));
  EXPECT_DOUBLE_EQ(number(s, scope::input, 0, quantity::voltage), 230.0);
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::current), 4.0);
  EXPECT_DOUBLE_EQ(number(s, scope::bank, 2, quantity::power), 446);  // 4 × 0.5 A × 230 V × 0.97
  EXPECT_DOUBLE_EQ(number(s, scope::device, 0, quantity::rated_current), 15);
}

TEST(families, metered_by_outlet_has_current_power_and_energy_per_outlet) {
  simulator_fixture sim({"--model", "PDU81004"});
  const auto s = probe(sim);
  EXPECT_TRUE(s.caps.outlet_metering);
  for (int n = 1; n <= 8; ++n) {
    EXPECT_DOUBLE_EQ(number(s, scope::outlet, n, quantity::current), 0.5) << n;
    EXPECT_DOUBLE_EQ(number(s, scope::outlet, n, quantity::power), 112) << n;
    EXPECT_GT(number(s, scope::outlet, n, quantity::energy), 0) << n;
  }
  EXPECT_FALSE(s.caps.ats);
}

TEST(families, ats_has_both_inputs_and_the_environment_sensor) {
  simulator_fixture sim({"--model", "ats"});
  const auto s = probe(sim);
  EXPECT_EQ(s.id.model, "PDU44005");
  EXPECT_EQ(s.size.outlets, 10);
  EXPECT_TRUE(s.caps.ats);
  EXPECT_TRUE(s.caps.environment);
  EXPECT_FALSE(s.caps.outlet_metering);
  EXPECT_DOUBLE_EQ(number(s, scope::source_a, 0, quantity::voltage), 217) << "whole volts";
  EXPECT_DOUBLE_EQ(number(s, scope::source_b, 0, quantity::voltage), 222);
  EXPECT_DOUBLE_EQ(number(s, scope::sensor, 1, quantity::temperature), 20.7);
  EXPECT_DOUBLE_EQ(number(s, scope::sensor, 1, quantity::humidity), 45.36);
  // The legacy bank row's VA, power factor and energy are NULL, as on the real unit.
  EXPECT_FALSE(s.metrics.contains({scope::bank, 1, quantity::energy}));
  EXPECT_TRUE(s.metrics.contains({scope::bank, 1, quantity::power}));
}

TEST(families, three_phase_reports_each_phase) {
  simulator_fixture sim({"--model", "three-phase"});
  const auto s = probe(sim);
  EXPECT_EQ(s.caps.phases, 3);
  EXPECT_EQ(s.size.banks, 6);
  for (int p = 1; p <= 3; ++p) {
    EXPECT_DOUBLE_EQ(number(s, scope::phase, p, quantity::voltage), 230.0) << p;
    EXPECT_DOUBLE_EQ(number(s, scope::phase, p, quantity::current), 4.0) << p;
  }
  EXPECT_FALSE(s.metrics.contains({scope::phase, 4, quantity::voltage}));
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::current), 12.0);
}

// The bridge against one family's simulator, watched over MQTT.
class family_bridge : public ::testing::Test {
 protected:
  void start(const std::string& model, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--model", model, "--apply-delay-ms", "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    sim = std::make_unique<simulator_fixture>(std::move(args));
    const auto config = config_builder(broker.port())
                            .pdu(pdu_builder("pdu", sim->port()).poll_interval_ms(300))
                            .write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", config.string()});
    ASSERT_TRUE(watch.wait_connected());
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/availability", "online", 15s))
        << bridge.output();
  }
  void knob(const snmp::oid& oid, int value) {
    auto r = net_snmp_tool("snmpset", "private",
                           {sim->endpoint(), oid_text(oid), "i", std::to_string(value)});
    ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  }

  mosquitto_fixture broker;
  std::unique_ptr<simulator_fixture> sim;
  temp_dir dir;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
};

TEST_F(family_bridge, an_outlet_switched_off_reads_zero_although_its_meter_shows_idle_power) {
  start("metered");
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/2/power", "112", 10s));
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/pdu/outlet/2/set", "OFF");
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/2", "OFF", 10s, from));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/2/power", "0", 5s, from));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/2/current", "0.0", 5s, from));
  // What the PDU itself reports: the phantom idle reading the bridge floors.
  EXPECT_EQ(snmp_get_value(sim->endpoint(), "public", oid_at(cyberpower::outlet::active_power, 2)),
            "2");
  // HA sees a meter per outlet; its energy is a total_increasing counter.
  auto d = watch.wait_for("homeassistant/device/pdu2mqtt_sim000000001/config", {}, 5s);
  ASSERT_TRUE(d);
  const auto c = nlohmann::json::parse(d->payload)["components"];
  EXPECT_EQ(c["outlet_2_meter_energy"]["state_class"], "total_increasing");
  EXPECT_EQ(c["outlet_2_meter_power"]["unit_of_measurement"], "W");
}

TEST_F(family_bridge, ats_losing_input_a_and_a_contact_opening_are_published) {
  start("ats");
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/ats/selected_source", "A", 10s));
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/contact/2", "normal", 10s));
  const auto from = watch.mark();
  knob(sim::test_oids::ats_source_a_lost, 1);
  knob(sim::test_oids::contacts_abnormal, 2);  // bit 1 = contact 2
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/ats/selected_source", "B", 5s, from));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/ats/redundancy", "lost", 5s, from));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/ats/source_a/voltage", "0.0", 5s, from));
  EXPECT_TRUE(
      watch.wait_for_payload("pdu2mqtt/pdu/ats/source_a/voltage_status", "under", 5s, from));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/contact/2", "abnormal", 5s, from));
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/pdu/contact/1", from).empty()) << "only what changed";
}

// Some units have no ePDUOutletConfigOutletName (noSuchObject there): the names come from the
// read-only copies, the control table's first, else the status table's; a rename, which only
// the missing column could take, is refused without a SET.
class outlet_name_fallback : public family_bridge,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(outlet_name_fallback, names_come_from_a_copy_when_the_unit_lacks_the_writable_column) {
  const std::string missing = GetParam();
  start("switched", {"--without-outlet-names", missing});
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/3/name", "Outlet3", 10s))
      << bridge.output();
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/pdu/outlet/8/name", "Outlet8", 5s));
  const auto state = watch.wait_for("pdu2mqtt/pdu/state", {}, 5s);
  ASSERT_TRUE(state);
  EXPECT_EQ(nlohmann::json::parse(state->payload)["outlets"][2]["name"], "Outlet3");
  const std::string column =
      missing == "config" ? "ePDUOutletControlOutletName" : "ePDUOutletStatusOutletName";
  EXPECT_NE(bridge.output().find("outlet names from " + column), std::string::npos)
      << bridge.output();

  const auto from = watch.mark();
  watch.publish("pdu2mqtt/pdu/outlet/3/name/set", "NAS");
  const auto result = watch.wait_for("pdu2mqtt/pdu/outlet/3/result", {}, 5s, from);
  ASSERT_TRUE(result);
  const auto r = nlohmann::json::parse(result->payload);
  EXPECT_EQ(r["ok"], false);
  EXPECT_NE(r["error"].get<std::string>().find("renaming is not supported"), std::string::npos)
      << result->payload;
  EXPECT_EQ(snmp_get_value(sim->endpoint(), "public", oid_text(sim::test_oids::sets_received)), "0")
      << "a SET reached the PDU";
}

INSTANTIATE_TEST_SUITE_P(missing, outlet_name_fallback,
                         ::testing::Values("config", "config,control"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param) == "config" ? "config"
                                                                      : "config_and_control";
                         });

}  // namespace
}  // namespace pdu2mqtt::test
