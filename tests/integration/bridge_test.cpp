// The bridge end to end, every part real: Mosquitto on a free port, the simulated PDU as a UDP
// agent in its own process, `pdu2mqtt run` as a process, and an MQTT client watching.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

namespace sim_oids = sim::test_oids;

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* serial = "SIMBRIDGE0001";

std::string config_for(const mosquitto_fixture& broker, std::uint16_t pdu_port) {
  return config_builder(broker.port())
      .heading("written by bridge_test")
      .client_id("pdu2mqtt-under-test")
      .pdu(pdu_builder("rack-a", pdu_port)
               .name("Rack A")
               .snmp_timing(200, 1)
               .poll_interval_ms(300)
               .protected_outlets({1}))
      .log_level("debug")
      .text();
}

class bridge_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    pdu_port = free_udp_port();
    start_pdu();
    start_bridge(config_for(broker, pdu_port));
    ASSERT_TRUE(watch.wait_connected());
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/availability", "online", 15s))
        << bridge.output();
  }

  void start_pdu(int outlets = 8) {
    pdu = std::make_unique<simulator_fixture>(std::vector<std::string>{
        "--listen", "127.0.0.1:" + std::to_string(pdu_port), "--outlets", std::to_string(outlets),
        "--banks", "2", "--apply-delay-ms", "100", "--reboot-off-ms", "300", "--serial", serial});
  }

  void start_bridge(const std::string& config) {
    auto path = dir.write_file("pdu2mqtt.json", config);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", path.string()});
  }

  std::string outlet_state(int n) {
    return snmp_get_value(pdu->endpoint(), "public", oid_at(cyberpower::outlet::state, n));
  }
  std::string sets_received() {
    return snmp_get_value(pdu->endpoint(), "public", oid_text(sim_oids::sets_received));
  }

  // The next result for outlet n, parsed.
  json result_for(int n, std::size_t from, std::chrono::milliseconds timeout = 10s) {
    auto m = watch.wait_for("pdu2mqtt/rack-a/outlet/" + std::to_string(n) + "/result", {}, timeout,
                            from);
    return m ? json::parse(m->payload) : json();
  }
  json error_after(std::size_t from) {
    auto m = watch.wait_for("pdu2mqtt/rack-a/error", {}, 5s, from);
    return m ? json::parse(m->payload) : json();
  }

  mosquitto_fixture broker;
  std::uint16_t pdu_port = 0;
  std::unique_ptr<simulator_fixture> pdu;
  temp_dir dir;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
};

TEST_F(bridge_e2e, publishes_states_that_match_the_pdu) {
  for (int n = 1; n <= 8; ++n) {
    EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/" + std::to_string(n), "ON", 5s))
        << "outlet " << n;
  }
  auto bank = watch.wait_for("pdu2mqtt/rack-a/bank/1/current", {}, 5s);
  ASSERT_TRUE(bank);
  EXPECT_GT(std::stod(bank->payload), 0.0);
  auto state = watch.wait_for("pdu2mqtt/rack-a/state", {}, 5s);
  ASSERT_TRUE(state);
  auto s = json::parse(state->payload);
  EXPECT_EQ(s["outlet_count"], 8);
  EXPECT_EQ(s["identity"]["serial"], serial);
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/bridge/state", "online", 5s));
  auto info = watch.wait_for("pdu2mqtt/bridge/info", {}, 5s);
  ASSERT_TRUE(info);
  EXPECT_EQ(json::parse(info->payload)["pdus"][0]["id"], "rack-a");

  // A client that connects later gets the states from the broker, flagged retained.
  mqtt_observer late(broker.uri());
  ASSERT_TRUE(late.wait_connected());
  auto retained = late.wait_for("pdu2mqtt/rack-a/outlet/8", {}, 5s);
  ASSERT_TRUE(retained);
  EXPECT_TRUE(retained->retained);
  EXPECT_EQ(retained->payload, "ON");
  auto discovery = late.wait_for("homeassistant/device/pdu2mqtt_simbridge0001/config", {}, 5s);
  ASSERT_TRUE(discovery);
  EXPECT_TRUE(discovery->retained);
}

TEST_F(bridge_e2e, state_is_not_republished_when_nothing_changes) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/2", "ON", 5s));
  const auto mark = watch.mark();
  watch.pump(1500ms);  // several poll intervals
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/rack-a/outlet/2", mark).empty());
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/rack-a/state", mark).empty());
}

TEST_F(bridge_e2e, home_assistant_device_discovery) {
  const std::string topic = "homeassistant/device/pdu2mqtt_simbridge0001/config";
  auto m = watch.wait_for(topic, {}, 5s);
  ASSERT_TRUE(m) << "no discovery on " << topic;
  auto d = json::parse(m->payload);
  EXPECT_EQ(d["device"]["manufacturer"], "CyberPower");
  EXPECT_EQ(d["device"]["serial_number"], serial);
  EXPECT_EQ(d["device"]["identifiers"][0], "pdu2mqtt_simbridge0001");
  EXPECT_EQ(d["origin"]["name"], "pdu2mqtt");
  int switches = 0, buttons = 0, sensors = 0, bank_currents = 0;
  for (auto& [id, c] : d["components"].items()) {
    const auto platform = c["platform"].get<std::string>();
    switches += platform == "switch";
    buttons += platform == "button";
    sensors += platform == "sensor";
    bank_currents += id.starts_with("bank_") && id.ends_with("_current");
    EXPECT_NE(c["unique_id"].get<std::string>().find("simbridge0001"), std::string::npos);
    if (platform == "switch") {
      EXPECT_EQ(c["device_class"], "outlet");
      EXPECT_EQ(c["command_topic"].get<std::string>().rfind("pdu2mqtt/rack-a/outlet/", 0), 0u);
    }
  }
  EXPECT_EQ(switches, 8);
  EXPECT_EQ(buttons, 7) << "protected outlet 1 gets no reboot button";
  EXPECT_EQ(bank_currents, 2);
  // The simulated switched unit also meters its input, phase and banks: each reading is a
  // sensor (what exactly is asserted per family in the capability tests).
  EXPECT_GT(sensors, bank_currents);
  EXPECT_TRUE(d["components"].contains("input_voltage"));
  EXPECT_TRUE(d["components"].contains("total_energy"));
}

TEST_F(bridge_e2e, off_then_on_are_confirmed_from_the_pdu) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/3", "ON", 5s));
  auto from = watch.mark();
  watch.publish("pdu2mqtt/rack-a/outlet/3/set", "OFF");
  auto r = result_for(3, from);
  ASSERT_FALSE(r.is_null()) << bridge.output();
  EXPECT_EQ(r["command"], "OFF");
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["state"], "OFF");
  EXPECT_TRUE(r["error"].is_null());
  EXPECT_GE(r["latency_ms"].get<int>(), 100) << "the simulator applies after 100 ms";
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/3", "OFF", 1s, from));
  EXPECT_EQ(outlet_state(3), "2");

  from = watch.mark();
  watch.publish("pdu2mqtt/rack-a/outlet/3/set", R"({"state":"on"})");
  r = result_for(3, from);
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/3", "ON", 1s, from));
  EXPECT_EQ(outlet_state(3), "1");
}

TEST_F(bridge_e2e, reboot_shows_off_then_on) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/4", "ON", 5s));
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack-a/outlet/4/set", "reboot");
  auto r = result_for(4, from);
  EXPECT_EQ(r["command"], "REBOOT");
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["state"], "ON");
  auto states = watch.on_topic("pdu2mqtt/rack-a/outlet/4", from);
  ASSERT_GE(states.size(), 2u);
  EXPECT_EQ(states[0].payload, "OFF");
  EXPECT_EQ(states.back().payload, "ON");
}

TEST_F(bridge_e2e, refused_commands_send_nothing_to_the_pdu) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/1", "ON", 5s));
  const auto before = sets_received();
  struct bad {
    std::string topic, payload, expect;
  };
  const std::vector<bad> cases = {
      {"pdu2mqtt/rack-a/outlet/2/set", "TOGGLE", "unknown command"},
      {"pdu2mqtt/rack-a/outlet/2/set", "", "empty"},
      {"pdu2mqtt/rack-a/outlet/2/set", std::string(5000, 'A'), "larger than"},
      {"pdu2mqtt/rack-a/outlet/2/set", R"({"state": 1})", "state"},
      {"pdu2mqtt/rack-a/outlet/9/set", "OFF", "no outlet 9"},
      {"pdu2mqtt/rack-a/outlet/0/set", "OFF", "outlet"},
      {"pdu2mqtt/rack-a/outlet/x/set", "OFF", "outlet"},
      {"pdu2mqtt/rack-a/outlet/1/set", "OFF", "protected"},
      {"pdu2mqtt/rack-a/outlet/1/set", "REBOOT", "protected"},
  };
  for (const auto& c : cases) {
    const auto from = watch.mark();
    watch.publish(c.topic, c.payload);
    auto e = error_after(from);
    ASSERT_FALSE(e.is_null()) << "no error for " << c.topic << " " << c.payload.substr(0, 20);
    EXPECT_NE(e["error"].get<std::string>().find(c.expect), std::string::npos) << e.dump();
    EXPECT_EQ(e["topic"], c.topic);
  }
  watch.pump(300ms);
  EXPECT_EQ(sets_received(), before) << "a refused command reached the PDU";
  EXPECT_EQ(outlet_state(1), "1");
  EXPECT_EQ(outlet_state(2), "1");
  // ... and the bridge still works.
  const auto ok_from = watch.mark();
  watch.publish("pdu2mqtt/rack-a/outlet/2/set", "OFF");
  EXPECT_EQ(result_for(2, ok_from)["ok"], true);
}

// A retained command would replay on every (re)subscription and switch the outlet by itself:
// the broker hands it over with the retain flag set, and the bridge must ignore it.
TEST_F(bridge_e2e, retained_commands_are_not_replayed) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/2", "ON", 5s));
  ASSERT_EQ(bridge.stop(3s), 0) << bridge.output();
  const auto before = sets_received();
  watch.publish("pdu2mqtt/rack-a/outlet/2/set", "OFF", /*retain=*/true);
  const auto from = watch.mark();
  start_bridge(config_for(broker, pdu_port));
  auto e = error_after(from);
  ASSERT_FALSE(e.is_null()) << bridge.output();
  EXPECT_NE(e["error"].get<std::string>().find("retained"), std::string::npos) << e.dump();
  watch.publish("pdu2mqtt/rack-a/outlet/2/set", "", /*retain=*/true);  // clear it
  watch.pump(500ms);
  EXPECT_EQ(sets_received(), before);
  EXPECT_EQ(outlet_state(2), "1");
}

TEST_F(bridge_e2e, protected_outlet_may_still_be_switched_on) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/1", "ON", 5s));
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack-a/outlet/1/set", "ON");
  EXPECT_EQ(result_for(1, from)["ok"], true);
}

TEST_F(bridge_e2e, pdu_outage_and_return) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/5", "ON", 5s));
  auto from = watch.mark();
  pdu.reset();  // the PDU vanishes
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/availability", "offline", 10s, from));
  from = watch.mark();
  start_pdu(6);  // back, with fewer outlets
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/availability", "online", 10s, from));
  auto state = watch.wait_for(
      "pdu2mqtt/rack-a/state",
      [](const std::string& p) { return json::parse(p)["outlet_count"] == 6; }, 5s, from);
  EXPECT_TRUE(state) << "the PDU was not re-discovered";
  // Outlets 7 and 8 are gone: Home Assistant's discovery must drop them too.
  auto discovery = watch.wait_for(
      "homeassistant/device/pdu2mqtt_simbridge0001/config",
      [](const std::string& p) {
        return !p.empty() && !json::parse(p)["components"].contains("outlet_7");
      },
      5s, from);
  ASSERT_TRUE(discovery) << "discovery still announces outlets the PDU no longer has";
  int switches = 0;
  const auto components = json::parse(discovery->payload)["components"];
  for (auto& [id, c] : components.items()) {
    switches += c["platform"] == "switch";
  }
  EXPECT_EQ(switches, 6) << discovery->payload;
}

TEST_F(bridge_e2e, broker_restart_republishes_everything) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-a/outlet/6", "ON", 5s));
  broker.restart();
  mqtt_observer after(broker.uri());
  ASSERT_TRUE(after.wait_connected());
  EXPECT_TRUE(after.wait_for_payload("pdu2mqtt/bridge/state", "online", 15s)) << bridge.output();
  EXPECT_TRUE(after.wait_for_payload("pdu2mqtt/rack-a/availability", "online", 5s));
  EXPECT_TRUE(after.wait_for_payload("pdu2mqtt/rack-a/outlet/6", "ON", 5s));
  EXPECT_TRUE(after.wait_for("homeassistant/device/pdu2mqtt_simbridge0001/config", {}, 5s));
  // Commands work again after the reconnect.
  const auto from = after.mark();
  after.publish("pdu2mqtt/rack-a/outlet/6/set", "OFF");
  EXPECT_TRUE(after.wait_for_payload("pdu2mqtt/rack-a/outlet/6", "OFF", 5s, from));
}

TEST_F(bridge_e2e, home_assistant_birth_triggers_discovery_again) {
  const std::string topic = "homeassistant/device/pdu2mqtt_simbridge0001/config";
  ASSERT_TRUE(watch.wait_for(topic, {}, 5s));
  const auto from = watch.mark();
  watch.publish("homeassistant/status", "online");
  EXPECT_TRUE(watch.wait_for(topic, {}, 5s, from)) << "discovery not re-published after birth";
  EXPECT_TRUE(watch.wait_for("pdu2mqtt/rack-a/outlet/1", {}, 2s, from))
      << "states not re-published after discovery";
}

TEST_F(bridge_e2e, sigterm_publishes_offline_and_exits_quickly) {
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/bridge/state", "online", 5s));
  const auto from = watch.mark();
  const auto started = std::chrono::steady_clock::now();
  bridge.signal(SIGTERM);
  auto code = bridge.wait(3s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(code.has_value()) << "still running 3 s after SIGTERM";
  EXPECT_EQ(*code, 0) << bridge.output();
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/bridge/state", "offline", 2s, from));
}

TEST(bridge_start, neither_broker_nor_pdu_needed_to_start) {
  temp_dir dir;
  const auto broker_port = free_tcp_port();
  const auto pdu_port = free_udp_port();
  const auto config =
      config_builder(broker_port)
          .pdu(pdu_builder("late", pdu_port).poll_interval_ms(200).snmp_timing(100, 0))
          .write(dir, "c.json");
  child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(bridge.running()) << bridge.output();
  // Both come up later; the bridge finds them by itself.
  simulator_fixture pdu({"--listen", "127.0.0.1:" + std::to_string(pdu_port)});
  EXPECT_TRUE(bridge.running());
  EXPECT_EQ(bridge.stop(3s), 0) << bridge.output();
}

// Real CyberPower agents silently drop requests with more than about 12 varbinds; one that
// drops even smaller ones must still be read, with smaller requests.
TEST(bridge_start, adapts_to_a_pdu_that_drops_large_requests) {
  mosquitto_fixture broker;
  simulator_fixture pdu({"--max-varbinds", "4", "--outlets", "8"});
  mqtt_observer watch(broker.uri());
  ASSERT_TRUE(watch.wait_connected());
  temp_dir dir;
  const auto config = config_builder(broker.port())
                          .pdu(pdu_builder("small", pdu.port())
                                   .max_varbinds(10)
                                   .poll_interval_ms(200)
                                   .snmp_timing(100, 0))
                          .write(dir, "c.json");
  child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/small/availability", "online", 15s))
      << bridge.output();
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/small/outlet/8", "ON", 5s));
  EXPECT_NE(bridge.output().find("using at most"), std::string::npos) << bridge.output();
}

// Each PDU has its own loop: one that never answers must not slow down another.
TEST(bridge_start, a_dead_pdu_does_not_delay_a_live_one) {
  mosquitto_fixture broker;
  simulator_fixture alive({"--apply-delay-ms", "0"});
  mqtt_observer watch(broker.uri());
  ASSERT_TRUE(watch.wait_connected());
  temp_dir dir;
  const auto config =
      config_builder(broker.port())
          .pdu(pdu_builder("dead", free_udp_port()).poll_interval_ms(100).snmp_timing(2000, 2))
          .pdu(pdu_builder("alive", alive.port()).poll_interval_ms(100))
          .write(dir, "c.json");
  child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  // The dead PDU's first read alone takes 6 s (3 attempts of 2 s).
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/alive/availability", "online", 4s))
      << bridge.output();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/alive/outlet/2/set", "OFF");
  auto result = watch.wait_for("pdu2mqtt/alive/outlet/2/result", {}, 3s, from);
  ASSERT_TRUE(result) << bridge.output();
  EXPECT_EQ(nlohmann::json::parse(result->payload)["ok"], true);
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/dead/availability").empty() ||
              watch.last_payload("pdu2mqtt/dead/availability") == "offline");
}

TEST(bridge_start, broken_config_names_the_file_and_key) {
  temp_dir dir;
  auto path = dir.write_file("bad.json", R"({"pdus": [{"id": "a", "host": "h", "colour": 1}]})");
  auto got = run_command({PDU2MQTT_BINARY, "run", "--config", path.string()}, 10s);
  EXPECT_EQ(got.exit_code, 2);
  EXPECT_NE(got.stderr_text.find("bad.json"), std::string::npos) << got.stderr_text;
  EXPECT_NE(got.stderr_text.find("colour"), std::string::npos) << got.stderr_text;
}

}  // namespace
}  // namespace pdu2mqtt::test
