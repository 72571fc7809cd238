// The commands beyond ON/OFF/REBOOT, end to end: delayed on/off and cancel, outlet rename, and
// whole-PDU commands in one SET. Mosquitto, the simulated PDU and `pdu2mqtt run` are real
// processes; the simulator's counters say how many SETs reached it.
#include <gtest/gtest.h>

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

namespace cp = cyberpower;

class bridge_commands : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto port = free_udp_port();
    // The simulator's delayed commands wait 3 s (ePDUOutletConfigPowerOn/OffTime).
    pdu = std::make_unique<simulator_fixture>(
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port), "--outlets", "8",
                                 "--apply-delay-ms", "100", "--serial", "SIMCOMMANDS01"});
    auto rack =
        pdu_builder("rack", port).snmp_timing(300, 1).poll_interval_ms(300).protected_outlets({1});
    const auto config = config_builder(broker.port()).pdu(adjust(rack)).write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", config.string()});
    ASSERT_TRUE(watch.wait_connected());
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "online", 15s))
        << bridge.output();
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/8", "ON", 5s));
  }

  // What a variant of the suite changes in the PDU's entry.
  virtual pdu_builder& adjust(pdu_builder& rack) const { return rack; }

  std::string state_of(int n) {
    return snmp_get_value(pdu->endpoint(), "public", oid_at(cp::outlet::state, n));
  }
  int sets_received() {
    return std::stoi(snmp_get_value(pdu->endpoint(), "public", oid_text(sim_oids::sets_received)));
  }
  json next_json(const std::string& topic, std::size_t from,
                 std::chrono::milliseconds timeout = 10s) {
    auto m = watch.wait_for(topic, {}, timeout, from);
    return m ? json::parse(m->payload) : json();
  }

  mosquitto_fixture broker;
  std::unique_ptr<simulator_fixture> pdu;
  temp_dir dir;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
};

TEST_F(bridge_commands, delayed_off_is_scheduled_then_the_outlet_follows_the_pdu) {
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/4/set", "DELAYOFF");
  auto r = next_json("pdu2mqtt/rack/outlet/4/result", from);
  ASSERT_FALSE(r.is_null()) << bridge.output();
  EXPECT_EQ(r["command"], "DELAYOFF");
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["pending"], true) << "scheduled on the PDU, not done yet: " << r.dump();
  EXPECT_EQ(r["state"], "ON");
  EXPECT_LT(r["latency_ms"].get<int>(), 2000) << "the bridge does not wait out the delay";
  // The PDU switches after its power-off delay; the state topic follows within a poll.
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/4", "OFF", 8s, from));
  EXPECT_EQ(state_of(4), "2");
}

TEST_F(bridge_commands, cancel_drops_a_pending_delayed_command) {
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/5/set", "DELAYOFF");
  auto scheduled = next_json("pdu2mqtt/rack/outlet/5/result", from);
  ASSERT_EQ(scheduled["ok"], true) << scheduled.dump();
  const auto cancel_from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/5/set", R"({"state": "CANCEL"})");
  auto r = next_json("pdu2mqtt/rack/outlet/5/result", cancel_from);
  EXPECT_EQ(r["command"], "CANCEL");
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["pending"], false) << r.dump();
  watch.pump(3500ms);  // past the 3 s delay: the OFF never happens
  EXPECT_EQ(state_of(5), "1");
  EXPECT_TRUE(watch.on_topic("pdu2mqtt/rack/outlet/5", from).empty() ||
              watch.last_payload("pdu2mqtt/rack/outlet/5") == "ON");
}

TEST_F(bridge_commands, delayed_off_on_a_protected_outlet_is_refused_and_nothing_sent) {
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/1/set", "DELAYOFF");
  auto r = next_json("pdu2mqtt/rack/outlet/1/result", from);
  EXPECT_EQ(r["ok"], false);
  EXPECT_NE(r["error"].get<std::string>().find("protected"), std::string::npos) << r.dump();
  auto e = next_json("pdu2mqtt/rack/error", from);
  EXPECT_NE(e["error"].get<std::string>().find("protected"), std::string::npos) << e.dump();
  EXPECT_EQ(sets_received(), before);
}

TEST_F(bridge_commands, rename_writes_the_pdu_and_reannounces_the_outlet) {
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/6/name/set", "backup nas");
  auto r = next_json("pdu2mqtt/rack/outlet/6/result", from);
  ASSERT_FALSE(r.is_null()) << bridge.output();
  EXPECT_EQ(r["command"], "RENAME");
  EXPECT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["reported_name"], "backup nas");
  EXPECT_EQ(snmp_get_value(pdu->endpoint(), "public", oid_at(cp::outlet::config_name, 6)),
            "\"backup nas\"");  // net-snmp quotes strings
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/6/name", "backup nas", 5s, from));
  auto discovery = watch.wait_for(
      "homeassistant/device/pdu2mqtt_simcommands01/config",
      [](const std::string& p) { return p.find("backup nas") != std::string::npos; }, 5s, from);
  ASSERT_TRUE(discovery) << "the new name was not announced";
  EXPECT_EQ(json::parse(discovery->payload)["components"]["outlet_6"]["name"], "backup nas");
}

TEST_F(bridge_commands, rename_refuses_a_name_the_pdu_cannot_store) {
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/6/name/set", std::string(40, 'x'));
  auto e = next_json("pdu2mqtt/rack/error", from);
  EXPECT_NE(e["error"].get<std::string>().find("at most 31"), std::string::npos) << e.dump();
  EXPECT_EQ(sets_received(), before);
}

TEST_F(bridge_commands, whole_pdu_command_goes_out_in_one_set) {
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", R"({"outlets": {"3": "OFF", "7": "OFF", "8": "REBOOT"}})");
  auto summary = next_json("pdu2mqtt/rack/result", from);
  ASSERT_FALSE(summary.is_null()) << bridge.output();
  EXPECT_EQ(summary["ok"], true) << summary.dump();
  EXPECT_EQ(summary["outlets"]["3"]["state"], "OFF");
  EXPECT_EQ(summary["outlets"]["7"]["state"], "OFF");
  EXPECT_EQ(summary["outlets"]["8"]["command"], "REBOOT");
  EXPECT_EQ(sets_received() - before, 1) << "one SetRequest for all three outlets";
  EXPECT_EQ(state_of(3), "2");
  EXPECT_EQ(state_of(7), "2");
  // Each outlet also gets its own result, as if commanded alone.
  auto r7 = next_json("pdu2mqtt/rack/outlet/7/result", from);
  EXPECT_EQ(r7["ok"], true) << r7.dump();
}

TEST_F(bridge_commands, whole_pdu_command_with_one_refused_outlet_sends_nothing) {
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", R"({"outlets": {"1": "OFF", "3": "OFF"}})");
  auto summary = next_json("pdu2mqtt/rack/result", from);
  EXPECT_EQ(summary["ok"], false) << summary.dump();
  EXPECT_NE(summary["error"].get<std::string>().find("outlet 1 is protected"), std::string::npos)
      << summary.dump();
  EXPECT_EQ(sets_received(), before);
  EXPECT_EQ(state_of(3), "1") << "all or nothing";
  // The refusal's own error report follows its result; wait for it, or it could be taken for
  // the answer to the garbage below (seen in CI).
  EXPECT_TRUE(watch.wait_for("pdu2mqtt/rack/error", {}, 10s, from));
  // Garbage on the same topic: a clear error, nothing sent.
  const auto junk_from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", R"({"outlets": {"99": "OFF"}})");
  auto e = next_json("pdu2mqtt/rack/error", junk_from);
  EXPECT_NE(e["error"].get<std::string>().find("no outlet 99"), std::string::npos) << e.dump();
  EXPECT_EQ(sets_received(), before);
}

// A program that sends a command waits on the outlet's result: it hears of every command aimed at
// an outlet the PDU has, junk included, with the same words as <id>/error.
TEST_F(bridge_commands, every_refused_command_to_an_existing_outlet_gets_a_result) {
  const int before = sets_received();
  struct attempt {
    std::string topic, payload;
    json command;  // what the result says was asked
    std::string error_part;
  };
  const std::string outlet3 = "pdu2mqtt/rack/outlet/3/";
  for (const auto& a : {
           attempt{outlet3 + "set", "FLIP", nullptr, "outlet 3: "},
           attempt{outlet3 + "set", "\xff\xfe\xfd", nullptr, "outlet 3: "},
           attempt{outlet3 + "set", R"({"state": 1})", nullptr, "outlet 3: "},
           attempt{outlet3 + "set", R"([1, 2])", nullptr, "outlet 3: "},
           attempt{outlet3 + "set", "", nullptr, "outlet 3: "},
           attempt{outlet3 + "name/set", std::string(40, 'x'), "RENAME", "at most 31"},
           attempt{"pdu2mqtt/rack/outlet/1/set", "OFF", "OFF", "is protected"},
       }) {
    const auto from = watch.mark();
    watch.publish(a.topic, a.payload);
    const auto outlet = a.topic.substr(0, a.topic.find("/set"));
    const auto result_topic =
        outlet.ends_with("/name") ? outlet.substr(0, outlet.size() - 5) : outlet;
    auto r = next_json(result_topic + "/result", from);
    ASSERT_FALSE(r.is_null()) << "no result for " << a.topic << " " << json(a.payload).dump();
    EXPECT_EQ(r["ok"], false) << r.dump();
    EXPECT_EQ(r["command"], a.command) << r.dump();
    EXPECT_EQ(r["state"], "ON") << r.dump();
    EXPECT_EQ(r["pending"], false) << r.dump();
    ASSERT_TRUE(r["error"].is_string()) << r.dump();
    EXPECT_NE(r["error"].get<std::string>().find(a.error_part), std::string::npos) << r.dump();
    auto e = next_json("pdu2mqtt/rack/error", from);
    EXPECT_EQ(e["error"], r["error"]) << "the same words on <id>/error";
  }
  // A whole-PDU command that cannot be read gets its summary on <id>/result.
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", "not json");
  auto summary = next_json("pdu2mqtt/rack/result", from);
  EXPECT_EQ(summary["ok"], false) << summary.dump();
  EXPECT_EQ(summary["command"], "SET");
  EXPECT_EQ(summary["outlets"], json::object());
  // An outlet the PDU does not have has no result topic: only the error.
  const auto missing_from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/99/set", "OFF");
  auto e = next_json("pdu2mqtt/rack/error", missing_from);
  EXPECT_NE(e["error"].get<std::string>().find("no outlet 99"), std::string::npos) << e.dump();
  watch.pump(300ms);
  for (std::size_t i = missing_from; i < watch.received().size(); ++i) {
    EXPECT_FALSE(watch.received()[i].topic.ends_with("/result")) << watch.received()[i].topic;
  }
  EXPECT_EQ(sets_received(), before) << "nothing was sent";
}

// A PDU that takes two varbinds a request: a whole-PDU command goes out in parts of two, and a
// part the PDU refuses ends it.
class bridge_commands_small_requests : public bridge_commands {
 protected:
  pdu_builder& adjust(pdu_builder& rack) const override { return rack.max_varbinds(2); }
};

TEST_F(bridge_commands_small_requests, a_larger_command_goes_out_in_parts) {
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", R"({"outlets": {"2": "OFF", "3": "OFF", "4": "OFF"}})");
  auto summary = next_json("pdu2mqtt/rack/result", from);
  ASSERT_FALSE(summary.is_null()) << bridge.output();
  EXPECT_EQ(summary["ok"], true) << summary.dump();
  EXPECT_EQ(sets_received() - before, 2) << "outlets 2 and 3, then 4";
  for (int n : {2, 3, 4})
    EXPECT_EQ(state_of(n), "2") << n;
}

TEST_F(bridge_commands_small_requests, a_refused_part_stops_the_rest) {
  auto knob =
      net_snmp_tool("snmpset", "private",
                    {pdu->endpoint(), oid_text(sim_oids::fail_sets_with), "i", "5"});  // genErr
  ASSERT_EQ(knob.exit_code, 0) << knob.stderr_text;
  const int before = sets_received();
  const auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/set", R"({"outlets": {"2": "OFF", "3": "OFF", "4": "OFF"}})");
  auto summary = next_json("pdu2mqtt/rack/result", from);
  ASSERT_FALSE(summary.is_null()) << bridge.output();
  EXPECT_EQ(summary["ok"], false);
  EXPECT_NE(summary["outlets"]["2"]["error"].get<std::string>().find("refused"), std::string::npos)
      << summary.dump();
  EXPECT_NE(summary["outlets"]["4"]["error"].get<std::string>().find("not sent"), std::string::npos)
      << summary.dump();
  EXPECT_EQ(sets_received() - before, 1) << "the second part was never sent";
  for (int n : {2, 3, 4})
    EXPECT_EQ(state_of(n), "1") << n;
}

}  // namespace
}  // namespace pdu2mqtt::test
