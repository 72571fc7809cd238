// The bridge's bursts through a Mosquitto with its stock configuration and the bridge's default
// protocol (MQTT 5, so the broker's Receive Maximum of 20 applies): start-up, the re-announce
// after Home Assistant's birth message with a command in the middle of it, and the state
// snapshot's availability. Generous bounds: these guard against flow-control stalls (seconds),
// the figures themselves are measured by bench/run --only bursts.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

long ms_since(clock_type::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count());
}

struct pdu_under_test {
  std::string id;
  std::unique_ptr<simulator_fixture> sim;
};

class bridge_bursts : public ::testing::Test {
 protected:
  void add_pdu(const std::string& id, std::vector<std::string> sim_args) {
    sim_args.insert(sim_args.end(), {"--apply-delay-ms", "0", "--serial", "BURSTS" + id});
    pdus.push_back({id, std::make_unique<simulator_fixture>(sim_args)});
  }

  // Stock defaults everywhere but the poll interval: protocol auto (MQTT 5), QoS 1, retained.
  void start_bridge(int poll_interval_ms) {
    config_builder config(broker.port());
    for (const auto& p : pdus) {
      config.pdu(pdu_builder(p.id, p.sim->port()).poll_interval_ms(poll_interval_ms));
    }
    const auto path = config.write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", path.string()});
  }

  bool all_online(std::chrono::milliseconds timeout = 20s) {
    for (const auto& p : pdus) {
      if (!watch.wait_for_payload("pdu2mqtt/" + p.id + "/availability", "online", timeout)) {
        return false;
      }
    }
    return true;
  }

  mosquitto_fixture broker;
  std::vector<pdu_under_test> pdus;
  temp_dir dir;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
};

TEST_F(bridge_bursts, a_metered_pdu_is_online_on_mqtt_moments_after_its_first_message) {
  add_pdu("metered", {"--model", "metered", "--outlets", "24"});
  ASSERT_TRUE(watch.wait_connected());
  start_bridge(1000);
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/bridge/state", "online", 20s)) << bridge.output();
  const auto first = clock_type::now();
  ASSERT_TRUE(all_online()) << bridge.output();
  const auto online_ms = ms_since(first);
  std::set<std::string> topics;
  for (const auto& m : watch.received())
    topics.insert(m.topic);
  std::cout << "[ info     ] online " << online_ms << " ms after the bridge's first message ("
            << topics.size() << " topics by then)\n";
  // Healthy: ~50 ms; 6 s when MQTT 5 flow control stalled every 20 messages for a second.
  EXPECT_LT(online_ms, 2000) << "the start-up burst is throttled";
  EXPECT_GT(topics.size(), 100u) << "discovery, states and readings of 24 outlets";
}

// The snapshot on <id>/state carries "available"; it was published (false) just before the PDU
// came online and then not again until a reading changed. A 5 s poll keeps readings still.
TEST_F(bridge_bursts, the_state_snapshot_says_available_as_soon_as_the_pdu_is_online) {
  add_pdu("switched", {"--model", "switched"});
  ASSERT_TRUE(watch.wait_connected());
  start_bridge(5000);
  ASSERT_TRUE(all_online()) << bridge.output();
  auto state = watch.wait_for(
      "pdu2mqtt/switched/state",
      [](const std::string& p) { return json::parse(p, nullptr, false).value("available", false); },
      1s);
  ASSERT_TRUE(state) << "no <id>/state with \"available\": true within 1 s of online";
  // What the broker keeps for a subscriber that comes later says the same.
  mqtt_observer late(broker.uri());
  ASSERT_TRUE(late.wait_connected());
  auto retained = late.wait_for("pdu2mqtt/switched/state", {}, 5s);
  ASSERT_TRUE(retained);
  EXPECT_TRUE(retained->retained);
  EXPECT_EQ(json::parse(retained->payload)["available"], true);
}

TEST_F(bridge_bursts, a_command_during_home_assistants_re_announce_is_not_held_behind_it) {
  for (const char* model : {"switched", "metered", "ats", "three-phase"}) {
    add_pdu(model, {"--model", model});
  }
  ASSERT_TRUE(watch.wait_connected());
  start_bridge(1000);
  ASSERT_TRUE(all_online()) << bridge.output();
  watch.pump(2s);  // the start-up burst is over
  // What the birth message makes the bridge publish again: discovery, and every PDU's retained
  // topics (not the bridge's own, nor results and errors, which are not retained).
  std::set<std::string> expected;
  for (const auto& m : watch.received()) {
    const auto& t = m.topic;
    if (t == "homeassistant/status" || t.rfind("pdu2mqtt/bridge/", 0) == 0 ||
        t.find("/result") != std::string::npos || t.find("/error") != std::string::npos) {
      continue;
    }
    expected.insert(t);
  }
  ASSERT_GT(expected.size(), 100u);
  const std::string outlet = "pdu2mqtt/metered/outlet/5";
  ASSERT_EQ(watch.last_payload(outlet).value_or(""), "ON");

  const auto mark = watch.mark();
  watch.publish("homeassistant/status", "online");
  const auto is_discovery = [](const mqtt::message& m) {
    return m.topic.rfind("homeassistant/", 0) == 0 && m.topic != "homeassistant/status";
  };
  std::optional<clock_type::time_point> first;
  for (auto deadline = clock_type::now() + 10s; !first && clock_type::now() < deadline;) {
    watch.pump(5ms);
    for (std::size_t i = mark; i < watch.received().size(); ++i) {
      if (is_discovery(watch.received()[i])) first = clock_type::now();
    }
  }
  ASSERT_TRUE(first) << "no re-announce after the birth message";
  const auto command_mark = watch.mark();
  const auto sent = clock_type::now();
  watch.publish(outlet + "/set", "OFF");
  ASSERT_TRUE(watch.wait_for_payload(outlet, "OFF", 10s, command_mark)) << bridge.output();
  const auto command_ms = ms_since(sent);

  const auto all_back = [&] {
    std::set<std::string> seen;
    for (std::size_t i = mark; i < watch.received().size(); ++i) {
      if (expected.count(watch.received()[i].topic)) seen.insert(watch.received()[i].topic);
    }
    return seen.size() == expected.size();
  };
  for (auto deadline = clock_type::now() + 30s; !all_back() && clock_type::now() < deadline;)
    watch.pump(5ms);
  ASSERT_TRUE(all_back()) << "not every retained topic was re-announced";
  const auto reannounce_ms = ms_since(*first);
  std::cout << "[ info     ] " << expected.size() << " topics re-announced in " << reannounce_ms
            << " ms; a command sent meanwhile was confirmed in " << command_ms << " ms\n";
  // Healthy: ~100 ms and ~10 ms; 14-23 s and 16-22 s with the stalls.
  EXPECT_LT(command_ms, 1500) << "the command's state waited behind the re-announce";
  EXPECT_LT(reannounce_ms, 5000);
}

}  // namespace
}  // namespace pdu2mqtt::test
