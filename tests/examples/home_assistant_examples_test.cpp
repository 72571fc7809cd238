// examples/home-assistant: the dashboard card and the modem-reboot automation parse as YAML
// (PyYAML, as Home Assistant's loader is built on it), are shaped as Home Assistant expects,
// and refer only to entities that the bridge really announces for the demo config: the ids
// are read from a real run's discovery message, not written down here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "examples/example_support.hpp"
#include "pdu2mqtt/topics/layout.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test::examples {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

fs::path example(const std::string& name) {
  return repo_root() / "examples" / "home-assistant" / name;
}
const std::vector<std::string> yaml_files = {"dashboard-card.yaml", "automation-reboot-modem.yaml"};

// Every `<platform>.demo_...` entity id in a file's text (comments included, so that no
// comment points at an entity that does not exist either).
std::set<std::string> demo_entity_ids(const std::string& text) {
  static const std::regex id(R"(\b(switch|button|sensor|binary_sensor)\.demo_[a-z0-9_]+)");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), id); it != std::sregex_iterator();
       ++it) {
    out.insert(it->str());
  }
  return out;
}

// A duration as Home Assistant takes it ("HH:MM:SS", seconds, or {hours, minutes, seconds}),
// in seconds; -1 if it is none of these.
int seconds_of(const json& d) {
  if (d.is_number_integer()) return d.get<int>();
  if (d.is_string()) {
    int h = 0, m = 0, s = 0;
    if (std::sscanf(d.get<std::string>().c_str(), "%d:%d:%d", &h, &m, &s) == 3) {
      return h * 3600 + m * 60 + s;
    }
    return -1;
  }
  if (d.is_object()) {
    int total = 0;
    for (const auto& [k, v] : d.items()) {
      if (!v.is_number_integer()) return -1;
      if (k == "hours")
        total += v.get<int>() * 3600;
      else if (k == "minutes")
        total += v.get<int>() * 60;
      else if (k == "seconds")
        total += v.get<int>();
      else
        return -1;
    }
    return total;
  }
  return -1;
}

// Collects every string value stored under `key` anywhere in j (strings or lists of them).
void collect(const json& j, const std::string& key, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == key && v.is_string()) out.push_back(v.get<std::string>());
      if (k == key && v.is_array()) {
        for (const auto& s : v) {
          if (s.is_string()) out.push_back(s.get<std::string>());
        }
      }
      collect(v, key, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j)
      collect(v, key, out);
  }
}

// A reboot as the bridge reports it: OFF, then ON last.
::testing::AssertionResult off_then_on(const std::vector<mqtt::message>& states) {
  std::string seen;
  for (const auto& m : states)
    seen += m.payload + " ";
  const auto off = std::find_if(states.begin(), states.end(),
                                [](const mqtt::message& m) { return m.payload == "OFF"; });
  if (off == states.end() || states.back().payload != "ON") {
    return ::testing::AssertionFailure() << "states after the reboot: " << seen;
  }
  return ::testing::AssertionSuccess();
}

TEST(home_assistant_examples, dashboard_card_is_a_lovelace_card) {
  json card;
  ASSERT_NO_THROW(card = load_yaml(example("dashboard-card.yaml")));
  ASSERT_TRUE(card.is_object()) << "one card (a mapping), to paste in the card editor";
  ASSERT_TRUE(card.contains("type") && card["type"].is_string());
  // Every card inside has a type; every entities/glance entry is an id or {entity: id}.
  std::vector<const json*> todo{&card};
  int cards = 0;
  while (!todo.empty()) {
    const json& c = *todo.back();
    todo.pop_back();
    ++cards;
    ASSERT_TRUE(c.contains("type")) << c.dump();
    if (c.contains("cards")) {
      for (const auto& sub : c["cards"])
        todo.push_back(&sub);
    }
    if (c.contains("card")) todo.push_back(&c["card"]);
    if (c.contains("entities")) {
      for (const auto& e : c["entities"]) {
        EXPECT_TRUE(e.is_string() || (e.is_object() && e.contains("entity"))) << e.dump();
      }
    }
    // A reboot is never one tap away: button cards ask first.
    if (c["type"] == "button" && c.contains("tap_action")) {
      EXPECT_TRUE(c["tap_action"].contains("confirmation")) << c.dump();
    }
  }
  EXPECT_GE(cards, 4);
}

TEST(home_assistant_examples, automation_reboots_the_modem_once_per_cooldown) {
  json a;
  ASSERT_NO_THROW(a = load_yaml(example("automation-reboot-modem.yaml")));
  ASSERT_TRUE(a.is_object()) << "one automation (a mapping)";
  EXPECT_TRUE(a.contains("alias"));
  // mode single drops triggers while a run (its cooldown delay) is in progress.
  EXPECT_EQ(a.value("mode", ""), "single");
  ASSERT_TRUE(a.contains("triggers") && a["triggers"].is_array());
  ASSERT_TRUE(a.contains("actions") && a["actions"].is_array());

  // Triggered by the internet sensor going off and staying off for 5 minutes or more.
  bool outage_trigger = false;
  for (const auto& t : a["triggers"]) {
    ASSERT_TRUE(t.contains("trigger")) << "HA 2024.10+ syntax: trigger: " << t.dump();
    if (t["trigger"] == "state" && t.value("entity_id", "") == "binary_sensor.internet") {
      outage_trigger =
          t.value("to", "") == "off" && t.contains("for") && seconds_of(t["for"]) >= 300;
    }
  }
  EXPECT_TRUE(outage_trigger) << a["triggers"].dump();
  // Every trigger still needs 5 minutes of outage (conditions guard the periodic retry).
  bool outage_condition = false;
  for (const auto& c : a.value("conditions", json::array())) {
    if (c.value("condition", "") == "state" &&
        c.value("entity_id", "") == "binary_sensor.internet") {
      outage_condition =
          c.value("state", "") == "off" && c.contains("for") && seconds_of(c["for"]) >= 300;
    }
  }
  EXPECT_TRUE(outage_condition) << a.value("conditions", json()).dump();

  // One button press, then a cooldown of minutes, in that order.
  int press_at = -1, delay_at = -1, presses = 0;
  for (std::size_t i = 0; i < a["actions"].size(); ++i) {
    const auto& step = a["actions"][i];
    if (step.value("action", "") == "button.press") {
      ++presses;
      press_at = static_cast<int>(i);
    }
    if (step.contains("delay") && seconds_of(step["delay"]) >= 600) delay_at = static_cast<int>(i);
  }
  EXPECT_EQ(presses, 1);
  EXPECT_GE(press_at, 0);
  EXPECT_GT(delay_at, press_at) << "a cooldown delay of 10 minutes or more after the press";
}

// The live half: what the bridge announces for config/pdu2mqtt.demo.json.
class home_assistant_entities : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(watch.wait_connected());
    auto m = watch.wait_for(demo_stack::discovery_topic(), {}, 30s);
    ASSERT_TRUE(m) << "no discovery on " << demo_stack::discovery_topic() << "\n" << stack.output();
    discovery = json::parse(m->payload);
    for (const auto& [key, c] : discovery["components"].items()) {
      ASSERT_TRUE(c.contains("default_entity_id")) << key;
      const auto id = c["default_entity_id"].get<std::string>();
      entities[id] = c;
    }
    ASSERT_FALSE(entities.empty());
  }

  std::set<std::string> published_of(const std::string& platform) const {
    std::set<std::string> out;
    for (const auto& [id, c] : entities) {
      if (c.value("platform", "") == platform) out.insert(id);
    }
    return out;
  }

  demo_stack stack;
  mqtt_observer watch{stack.broker().uri()};
  json discovery;
  std::map<std::string, json> entities;  // default_entity_id -> component
};

TEST_F(home_assistant_entities, examples_name_only_entities_the_bridge_announces) {
  std::vector<std::string> ids;
  for (const auto& [id, c] : entities)
    ids.push_back(id);
  for (const auto& file : yaml_files) {
    const auto found = demo_entity_ids(read_text(example(file)));
    EXPECT_FALSE(found.empty()) << file << " names no demo entity";
    for (const auto& id : found) {
      EXPECT_TRUE(entities.contains(id))
          << file << " names " << id
          << ", which the bridge does not announce; it announces: " << testing::PrintToString(ids);
    }
  }
}

// Diagnostic entities (rated current, cold start settings) belong on the device page, not on
// a dashboard.
TEST_F(home_assistant_entities, dashboard_shows_every_switch_button_and_bank_sensor) {
  const auto found = demo_entity_ids(read_text(example("dashboard-card.yaml")));
  std::vector<std::string> on_card;
  collect(load_yaml(example("dashboard-card.yaml")), "entity", on_card);
  collect(load_yaml(example("dashboard-card.yaml")), "entities", on_card);
  collect(load_yaml(example("dashboard-card.yaml")), "entity_id", on_card);
  for (const std::string platform : {"switch", "button", "sensor"}) {
    const auto published = published_of(platform);
    EXPECT_FALSE(published.empty()) << platform;
    for (const auto& id : published) {
      if (entities.at(id).contains("entity_category")) continue;
      EXPECT_TRUE(std::find(on_card.begin(), on_card.end(), id) != on_card.end())
          << "the card does not show " << id;
    }
  }
  // 8 switches, 7 buttons (outlet 1 is protected), 2 banks: the demo's shape.
  EXPECT_EQ(published_of("switch").size(), 8u);
  EXPECT_EQ(published_of("button").size(), 7u);
  EXPECT_TRUE(published_of("sensor").contains("sensor.demo_bank_2_current"));
  EXPECT_FALSE(published_of("sensor").contains("sensor.demo_bank_3_current"));
  EXPECT_FALSE(found.contains("button.demo_outlet_1_reboot"));
}

TEST_F(home_assistant_entities, automation_presses_a_reboot_button_of_an_unprotected_outlet) {
  const auto automation = load_yaml(example("automation-reboot-modem.yaml"));
  std::vector<std::string> targets;
  for (const auto& step : automation["actions"]) {
    if (step.value("action", "") == "button.press") collect(step, "entity_id", targets);
  }
  ASSERT_EQ(targets.size(), 1u) << automation["actions"].dump();
  const auto& button = targets[0];
  ASSERT_TRUE(entities.contains(button)) << button << " is not announced by the bridge";
  const auto& c = entities.at(button);
  EXPECT_EQ(c.value("platform", ""), "button");
  EXPECT_EQ(c.value("payload_press", ""), "REBOOT");

  // Which outlet it reboots, from the command topic, and that the demo does not protect it.
  const auto command_topic = c.value("command_topic", "");
  auto parsed = topics::parse_command_topic(topics::layout{}, command_topic);
  ASSERT_TRUE(parsed) << command_topic;
  EXPECT_EQ(parsed->pdu_id, stack.pdu_id());
  const int outlet = std::stoi(parsed->outlet_text);
  EXPECT_EQ(outlet, 2) << "the modem outlet of the example";
  const auto protected_outlets =
      stack.config()["pdus"][0].value("protected_outlets", json::array());
  for (const auto& p : protected_outlets)
    EXPECT_NE(p.get<int>(), outlet) << "protected";

  // And pressing it (what Home Assistant publishes for button.press) reboots that outlet.
  const auto state_topic = topics::layout{}.outlet(stack.pdu_id(), outlet);
  ASSERT_TRUE(watch.wait_for_payload(state_topic, "ON", 20s)) << stack.output();
  const auto from = watch.mark();
  watch.publish(command_topic, c.value("payload_press", ""), c.value("retain", false));
  auto result =
      watch.wait_for(topics::layout{}.outlet_result(stack.pdu_id(), outlet), {}, 20s, from);
  ASSERT_TRUE(result) << stack.output();
  const auto r = json::parse(result->payload);
  EXPECT_EQ(r.value("command", ""), "REBOOT") << r.dump();
  EXPECT_EQ(r.value("ok", false), true) << r.dump();
  EXPECT_TRUE(off_then_on(watch.on_topic(state_topic, from)));
  EXPECT_EQ(
      snmp_get_value(stack.simulator_endpoint(), "public", oid_text(sim::test_oids::sets_accepted)),
      "1")
      << "one SET reached the PDU";
}

TEST_F(home_assistant_entities, the_switch_the_automation_checks_is_the_modem_outlet) {
  const auto automation = load_yaml(example("automation-reboot-modem.yaml"));
  std::vector<std::string> checked;
  for (const auto& c : automation.value("conditions", json::array())) {
    collect(c, "entity_id", checked);
  }
  std::vector<std::string> switches;
  std::copy_if(checked.begin(), checked.end(), std::back_inserter(switches),
               [](const std::string& s) { return s.starts_with("switch."); });
  ASSERT_EQ(switches.size(), 1u) << automation.value("conditions", json()).dump();
  ASSERT_TRUE(entities.contains(switches[0]));
  // The switch and the button act on the same outlet.
  EXPECT_EQ(entities.at(switches[0]).value("command_topic", ""),
            entities.at("button.demo_outlet_2_reboot").value("command_topic", ""));
}

}  // namespace
}  // namespace pdu2mqtt::test::examples
