// The recorded PDU44005 (an ATS unit with an ENVIROSENSOR, firmware 1.3.2) served by snmpsimd:
// what capability detection finds, and what the bridge publishes, against values checked by
// hand in tests/fixtures/PDU44005.snmprec:
//   input        ePDUStatusInputVoltage 2179, Frequency 500        → 217.9 V, 50.0 Hz
//   total        ePDU2DeviceStatus .5 10, .18 219, .15 224, .16 97, .9 1, .4 1
//                                                → 1.0 A, 219 W, 224 VA, 0.97, 0.1 kWh, normal
//   phase 1      ePDU2PhaseStatus .6 2178, .5 10, .7 219, .8 224, .9 97, .4 1
//   bank 1       ePDU2BankStatus .5 10 (1.0 A), .4 1; ePDULoadStatus row 2 (bank# 1): .6 2179,
//                .7 219, and NULL for .8 .9 .10 (no VA, PF, energy for the bank: not published)
//   ATS          selected 1 (A), preferred 1 (A), redundancy 2, phase sync 2; source A/B 217 and
//                222 — whole volts although the MIB says tenths —, 500 / 500 Hz, statuses 1
//   environment  envir2Temperature 2070 (unit 1 = °C) → 20.7 °C, envir2Humidity 4536 → 45.36 %,
//                4 contacts "ENV_Contact#1-1".. status 1 (normal)
//   unit         rating 16 A, cold start delay 0 s, state 1 (allOn); no metered outlets
//                (ePDU2OutletMeteredTableSize 0, ePDUOutletDevMonitoredOutlets 0)
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "pdu2mqtt/device/reader.hpp"
#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/run_coroutine.hpp"
#include "support/snmpsim_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;
using device::metric_id;
using device::quantity;
using device::scope;
using nlohmann::json;
namespace cp = cyberpower;

class real_walk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { agent = new snmpsim_fixture(); }
  static void TearDownTestSuite() {
    delete agent;
    agent = nullptr;
  }
  static snmpsim_fixture* agent;
};
snmpsim_fixture* real_walk::agent = nullptr;

// `pdu2mqtt run` for one PDU, "ats", that snmpsimd serves under `community` (the recording's
// name), polled every second.
void start_bridge_on(child_process& bridge, const temp_dir& dir, const mosquitto_fixture& broker,
                     const snmpsim_fixture& agent, const std::string& community) {
  const auto path = config_builder(broker.port())
                        .pdu(pdu_builder("ats", agent.port())
                                 .community(community)
                                 .snmp_timing(2000, 1)
                                 .poll_interval_ms(1000))
                        .write(dir);
  bridge.start({PDU2MQTT_BINARY, "run", "--config", path.string()});
}

// An OID as a line of a .snmprec recording starts with it: without the leading dot.
std::string recorded_oid(const std::string& oid) {
  return oid.substr(1);
}

double number(const device::snapshot& s, scope where, int index, quantity what) {
  const auto it = s.metrics.find(metric_id{where, index, what});
  if (it == s.metrics.end() || !it->second.number) {
    ADD_FAILURE() << "no number for " << device::topic_suffix({where, index, what});
    return -1;
  }
  return *it->second.number;
}

std::string word(const device::snapshot& s, scope where, int index, quantity what) {
  const auto it = s.metrics.find(metric_id{where, index, what});
  return it == s.metrics.end() ? "(absent)" : it->second.word;
}

TEST_F(real_walk, capabilities_and_scaled_values_of_the_pdu44005) {
  asio::io_context io;
  auto snmp = snmp::client::create(io.get_executor());
  snmp::target t;
  t.endpoint = {asio::ip::make_address("127.0.0.1"), agent->port()};
  t.community = agent->community();
  t.timeout = 2s;
  auto got = run(io, device::async_read_snapshot(*snmp, t), 60s);
  snmp->close();
  ASSERT_TRUE(got) << got.err().to_string();
  const auto& s = *got;

  EXPECT_EQ(s.caps.phases, 1);
  EXPECT_TRUE(s.caps.ats);
  EXPECT_TRUE(s.caps.environment);
  EXPECT_FALSE(s.caps.outlet_metering);
  EXPECT_TRUE(s.caps.delayed_commands);

  EXPECT_DOUBLE_EQ(number(s, scope::input, 0, quantity::voltage), 217.9);
  EXPECT_DOUBLE_EQ(number(s, scope::input, 0, quantity::frequency), 50.0);

  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::current), 1.0);
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::power), 219);
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::apparent_power), 224);
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::power_factor), 0.97);
  EXPECT_DOUBLE_EQ(number(s, scope::total, 0, quantity::energy), 0.1);
  EXPECT_EQ(word(s, scope::total, 0, quantity::load_state), "normal");

  EXPECT_DOUBLE_EQ(number(s, scope::phase, 1, quantity::voltage), 217.8);
  EXPECT_DOUBLE_EQ(number(s, scope::phase, 1, quantity::current), 1.0);
  EXPECT_DOUBLE_EQ(number(s, scope::phase, 1, quantity::power), 219);
  EXPECT_DOUBLE_EQ(number(s, scope::phase, 1, quantity::apparent_power), 224);
  EXPECT_DOUBLE_EQ(number(s, scope::phase, 1, quantity::power_factor), 0.97);
  EXPECT_EQ(word(s, scope::phase, 1, quantity::load_state), "normal");
  EXPECT_FALSE(s.metrics.contains({scope::phase, 2, quantity::voltage}));

  ASSERT_EQ(s.banks.size(), 1u);
  EXPECT_DOUBLE_EQ(s.banks[0].current_a.value_or(-1), 1.0);
  EXPECT_DOUBLE_EQ(number(s, scope::bank, 1, quantity::voltage), 217.9);
  EXPECT_DOUBLE_EQ(number(s, scope::bank, 1, quantity::power), 219);
  // NULL on this firmware: no entity, no value, nothing polled for them.
  for (auto q : {quantity::apparent_power, quantity::power_factor, quantity::energy}) {
    EXPECT_FALSE(s.metrics.contains({scope::bank, 1, q})) << device::to_string(q);
    for (const auto& m : s.caps.metrics) {
      EXPECT_FALSE(m.id == (metric_id{scope::bank, 1, q})) << device::to_string(q);
    }
  }

  EXPECT_EQ(word(s, scope::ats, 0, quantity::selected_source), "A");
  EXPECT_EQ(word(s, scope::ats, 0, quantity::preferred_source), "A");
  EXPECT_EQ(word(s, scope::ats, 0, quantity::redundancy), "redundant");
  EXPECT_EQ(word(s, scope::ats, 0, quantity::phase_sync), "out_of_sync");
  EXPECT_DOUBLE_EQ(number(s, scope::source_a, 0, quantity::voltage), 217);
  EXPECT_DOUBLE_EQ(number(s, scope::source_b, 0, quantity::voltage), 222);
  EXPECT_DOUBLE_EQ(number(s, scope::source_a, 0, quantity::frequency), 50.0);
  EXPECT_EQ(word(s, scope::source_b, 0, quantity::voltage_status), "normal");
  EXPECT_EQ(word(s, scope::source_a, 0, quantity::frequency_status), "normal");

  EXPECT_DOUBLE_EQ(number(s, scope::sensor, 1, quantity::temperature), 20.7);
  EXPECT_DOUBLE_EQ(number(s, scope::sensor, 1, quantity::humidity), 45.36);
  for (int k = 1; k <= 4; ++k) {
    EXPECT_EQ(word(s, scope::contact, k, quantity::contact_state), "normal") << k;
  }
  EXPECT_FALSE(s.metrics.contains({scope::contact, 5, quantity::contact_state}));
  const auto contact = std::find_if(s.caps.metrics.begin(), s.caps.metrics.end(), [](auto& m) {
    return m.id == metric_id{scope::contact, 2, quantity::contact_state};
  });
  ASSERT_NE(contact, s.caps.metrics.end());
  EXPECT_EQ(contact->label, "ENV_Contact#1-2");

  EXPECT_DOUBLE_EQ(number(s, scope::device, 0, quantity::rated_current), 16);
  EXPECT_DOUBLE_EQ(number(s, scope::device, 0, quantity::cold_start_delay), 0);
  EXPECT_EQ(word(s, scope::device, 0, quantity::cold_start_state), "allOn");

  for (const auto& m : s.caps.metrics) {
    EXPECT_NE(m.id.scope, scope::outlet) << "a switched-only unit has no outlet meters";
  }
}

// The bridge on the recording: topics carry the scaled values; discovery announces each
// metric with its Home Assistant class and unit, and nothing the unit does not have.
TEST_F(real_walk, the_bridge_publishes_every_reading_with_home_assistant_classes) {
  mosquitto_fixture broker;
  mqtt_observer watch{broker.uri()};
  ASSERT_TRUE(watch.wait_connected());
  temp_dir dir;
  child_process bridge;
  start_bridge_on(bridge, dir, broker, *agent, agent->community());

  const std::map<std::string, std::string> expected = {
      {"pdu2mqtt/ats/input/voltage", "217.9"},
      {"pdu2mqtt/ats/input/frequency", "50.0"},
      {"pdu2mqtt/ats/total/power", "219"},
      {"pdu2mqtt/ats/total/apparent_power", "224"},
      {"pdu2mqtt/ats/total/power_factor", "0.97"},
      {"pdu2mqtt/ats/total/energy", "0.1"},
      {"pdu2mqtt/ats/total/load_state", "normal"},
      {"pdu2mqtt/ats/phase/1/voltage", "217.8"},
      {"pdu2mqtt/ats/bank/1/current", "1.0"},
      {"pdu2mqtt/ats/bank/1/load_state", "normal"},
      {"pdu2mqtt/ats/bank/1/voltage", "217.9"},
      {"pdu2mqtt/ats/ats/selected_source", "A"},
      {"pdu2mqtt/ats/ats/redundancy", "redundant"},
      {"pdu2mqtt/ats/ats/source_a/voltage", "217.0"},
      {"pdu2mqtt/ats/ats/source_b/voltage", "222.0"},
      {"pdu2mqtt/ats/sensor/1/temperature", "20.70"},
      {"pdu2mqtt/ats/sensor/1/humidity", "45.36"},
      {"pdu2mqtt/ats/contact/3", "normal"},
      {"pdu2mqtt/ats/device/cold_start_state", "allOn"},
  };
  for (const auto& [topic, payload] : expected) {
    auto m = watch.wait_for(topic, {}, 30s);
    ASSERT_TRUE(m) << "nothing on " << topic << "\n" << bridge.output();
    EXPECT_EQ(m->payload, payload) << topic;
  }
  // Retained: a client that connects later gets the readings from the broker.
  mqtt_observer late{broker.uri()};
  ASSERT_TRUE(late.wait_connected());
  auto kept = late.wait_for("pdu2mqtt/ats/sensor/1/temperature", {}, 5s);
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->retained);
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/ats/bank/1/energy").empty());
  // sysUpTime 161500 ticks: the PDU started 1615 s before the bridge read it.
  auto boot = watch.wait_for("pdu2mqtt/ats/device/last_boot", {}, 5s);
  ASSERT_TRUE(boot);
  std::tm t{};
  ASSERT_NE(strptime(boot->payload.c_str(), "%Y-%m-%dT%H:%M:%S+00:00", &t), nullptr)
      << boot->payload;
  const auto booted = static_cast<long>(timegm(&t));
  const auto expected_boot = static_cast<long>(std::time(nullptr)) - 1615;
  EXPECT_NEAR(booted, expected_boot, 60) << boot->payload;

  // Device serial is "...cut..." in the recording: the object id is made topic-safe.
  std::optional<mqtt::message> discovery;
  for (const auto& m : watch.received()) {
    if (m.topic.starts_with("homeassistant/device/")) discovery = m;
  }
  ASSERT_TRUE(discovery);
  const auto d = json::parse(discovery->payload);
  const auto& c = d["components"];
  const auto expect_component = [&](const std::string& id, const char* device_class,
                                    const char* unit, const char* state_class) {
    ASSERT_TRUE(c.contains(id)) << id << " missing in " << c.dump();
    EXPECT_EQ(c[id]["device_class"], device_class) << id;
    if (unit) {
      EXPECT_EQ(c[id]["unit_of_measurement"], unit) << id;
    } else {
      EXPECT_FALSE(c[id].contains("unit_of_measurement")) << id;
    }
    if (state_class) {
      EXPECT_EQ(c[id]["state_class"], state_class) << id;
    } else {
      EXPECT_FALSE(c[id].contains("state_class")) << id;
    }
  };
  expect_component("input_voltage", "voltage", "V", "measurement");
  expect_component("input_frequency", "frequency", "Hz", "measurement");
  expect_component("total_energy", "energy", "kWh", "total_increasing");
  expect_component("total_power", "power", "W", "measurement");
  expect_component("total_apparent_power", "apparent_power", "VA", "measurement");
  expect_component("total_power_factor", "power_factor", nullptr, "measurement");
  expect_component("phase_1_current", "current", "A", "measurement");
  expect_component("bank_1_load_state", "enum", nullptr, nullptr);
  expect_component("ats_selected_source", "enum", nullptr, nullptr);
  expect_component("ats_source_a_voltage", "voltage", "V", "measurement");
  expect_component("sensor_1_temperature", "temperature", "°C", "measurement");
  expect_component("sensor_1_humidity", "humidity", "%", "measurement");
  expect_component("device_cold_start_delay", "duration", "s", nullptr);
  expect_component("device_last_boot", "timestamp", nullptr, nullptr);
  EXPECT_EQ(c["device_cold_start_delay"]["entity_category"], "diagnostic");
  EXPECT_EQ(c["bank_1_load_state"]["options"],
            json::array({"normal", "low", "nearOverload", "overload"}));
  ASSERT_TRUE(c.contains("contact_1"));
  EXPECT_EQ(c["contact_1"]["platform"], "binary_sensor");
  EXPECT_EQ(c["contact_1"]["device_class"], "problem");
  EXPECT_EQ(c["contact_1"]["name"], "ENV_Contact#1-1");
  EXPECT_FALSE(c.contains("bank_1_energy")) << "NULL on this firmware: no entity";
  EXPECT_FALSE(c.contains("outlet_1_meter_power")) << "no outlet meters on this unit";
  for (auto& [id, comp] : c.items()) {
    if (comp.contains("options")) {
      EXPECT_FALSE(comp.contains("state_class")) << id;
      EXPECT_FALSE(comp.contains("unit_of_measurement")) << id;
    }
  }
}

// An outlet named on the PDU's web page in Latin-1 ("Outlet" + 0xE9): the name is not UTF-8,
// and the bridge must still publish its JSON (U+FFFD for the bad byte), not stop polling.
// The real walk with each line passed through `edit` (nullopt drops the line), as a recording
// of its own in `dir`.
template <class Edit>
std::filesystem::path edited_walk(temp_dir& dir, const std::string& name, Edit edit) {
  std::ifstream in(snmpsim_fixture::default_recording());
  std::string recording, line;
  while (std::getline(in, line)) {
    if (auto kept = edit(line)) recording += *kept + "\n";
  }
  return dir.write_file(name + ".snmprec", recording);
}

TEST(real_walk_variants, an_outlet_name_that_is_not_utf8_is_published_with_a_replacement) {
  temp_dir dir;
  snmpsim_fixture agent({edited_walk(dir, "latin1", [](const std::string& line) {
    const auto first_name = recorded_oid(oid_at(cp::outlet::config_name, 1));
    return std::optional<std::string>(
        line == first_name + "|4|Outlet1" ? first_name + "|4x|4f75746c6574e9" : line);
  })});
  mosquitto_fixture broker;
  mqtt_observer watch{broker.uri()};
  ASSERT_TRUE(watch.wait_connected());
  child_process bridge;
  start_bridge_on(bridge, dir, broker, agent, "latin1");
  auto state = watch.wait_for("pdu2mqtt/ats/state", {}, 30s);
  ASSERT_TRUE(state) << bridge.output();
  const auto j = json::parse(state->payload);
  EXPECT_EQ(j["outlets"][0]["name"], "Outlet\xef\xbf\xbd");
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/ats/outlet/1", "ON", 10s));
  // Still polling: the bridge answers a refresh with a fresh state.
  watch.publish("pdu2mqtt/ats/get", "");
  watch.pump(3s);
  EXPECT_TRUE(bridge.running()) << bridge.output();
  EXPECT_EQ(bridge.output().find("poller stopped"), std::string::npos) << bridge.output();
}

// The real walk without ePDUOutletConfigOutletName, as some units are: the names come from
// ePDUOutletControlOutletName (renamed here so that they differ from the status table's copy).
TEST(real_walk_variants, without_the_config_name_column_the_names_come_from_the_control_table) {
  temp_dir dir;
  const std::string config_names = recorded_oid(oid_text(cp::outlet::config_name)) + ".";
  const std::string control_names = recorded_oid(oid_text(cp::outlet::control_name)) + ".";
  snmpsim_fixture agent({edited_walk(dir, "noconfig", [&](const std::string& line) {
    if (line.rfind(config_names, 0) == 0) return std::optional<std::string>();
    if (line.rfind(control_names, 0) != 0) return std::optional<std::string>(line);
    const auto bar = line.find('|');
    return std::optional<std::string>(
        line.substr(0, bar) + "|4|Rack " +
        line.substr(control_names.size(), bar - control_names.size()));
  })});
  mosquitto_fixture broker;
  mqtt_observer watch{broker.uri()};
  ASSERT_TRUE(watch.wait_connected());
  child_process bridge;
  start_bridge_on(bridge, dir, broker, agent, "noconfig");
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/ats/outlet/1/name", "Rack 1", 30s))
      << bridge.output();
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/ats/outlet/10/name", "Rack 10", 5s));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/ats/outlet/1", "ON", 5s));
}

}  // namespace
}  // namespace pdu2mqtt::test
