// examples/node-red/flow.json: checked as a file (structure, wiring, MQTT settings and topics
// against the bridge's topic contract), its function nodes run with plain Node.js through
// node_red_harness.js, and the whole flow run in a real Node-RED against Mosquitto, the bridge
// (demo config) and the simulated PDU, its inject nodes pressed over Node-RED's admin API.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "examples/example_support.hpp"
#include "pdu2mqtt/topics/layout.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test::examples {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* demo_id = "demo";
constexpr int demo_outlets = 8;
constexpr int demo_banks = 2;

fs::path flow_path() {
  return repo_root() / "examples" / "node-red" / "flow.json";
}
fs::path harness_path() {
  return repo_root() / "tests" / "examples" / "node_red_harness.js";
}

// Node-RED stores some numbers as strings ("1", "false"); both forms are accepted.
std::string as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// Every topic the bridge publishes for the demo PDU, and every topic it takes commands on.
std::vector<std::string> bridge_published_topics(const topics::layout& l, const std::string& id) {
  std::vector<std::string> out = {l.bridge_state(), l.bridge_info(), l.availability(id),
                                  l.state(id), l.error(id)};
  for (int n = 1; n <= demo_outlets; ++n) {
    out.push_back(l.outlet(id, n));
    out.push_back(l.outlet_result(id, n));
  }
  for (int n = 1; n <= demo_banks; ++n)
    out.push_back(l.bank_current(id, n));
  return out;
}
std::vector<std::string> bridge_command_topics(const topics::layout& l, const std::string& id) {
  std::vector<std::string> out = {l.get(id)};
  for (int n = 1; n <= demo_outlets; ++n)
    out.push_back(l.outlet_set(id, n));
  return out;
}

// An outlet set topic the bridge parses, for PDU `pdu` and a plain outlet number.
::testing::AssertionResult is_outlet_command_topic(const std::string& topic, const std::string& pdu,
                                                   int outlet) {
  const topics::layout l;
  auto parsed = topics::parse_command_topic(l, topic);
  if (!parsed) return ::testing::AssertionFailure() << topic << " is not a command topic";
  if (parsed->what != topics::command_topic::kind::outlet_set) {
    return ::testing::AssertionFailure() << topic << " is not an outlet set topic";
  }
  if (!topics::is_topic_safe_id(parsed->pdu_id) || parsed->pdu_id != pdu) {
    return ::testing::AssertionFailure()
           << topic << ": PDU id '" << parsed->pdu_id << "', expected '" << pdu << "'";
  }
  if (parsed->outlet_text != std::to_string(outlet)) {
    return ::testing::AssertionFailure()
           << topic << ": outlet '" << parsed->outlet_text << "', expected " << outlet;
  }
  return ::testing::AssertionSuccess();
}

class flow_file {
 public:
  explicit flow_file(json nodes) : nodes_(std::move(nodes)) {}
  static flow_file load() { return flow_file(json::parse(read_text(flow_path()))); }

  const json& nodes() const { return nodes_; }
  const json* find(const std::string& id) const {
    for (const auto& n : nodes_) {
      if (n.value("id", "") == id) return &n;
    }
    return nullptr;
  }
  std::vector<const json*> of_type(const std::string& type) const {
    std::vector<const json*> out;
    for (const auto& n : nodes_) {
      if (n.value("type", "") == type) out.push_back(&n);
    }
    return out;
  }
  const json* named(const std::string& type, const std::string& name) const {
    for (const auto* n : of_type(type)) {
      if (n->value("name", "") == name) return n;
    }
    return nullptr;
  }
  std::vector<std::string> targets(const json& node) const {
    std::vector<std::string> out;
    for (const auto& port : node.value("wires", json::array())) {
      for (const auto& t : port)
        out.push_back(t.get<std::string>());
    }
    return out;
  }
  // Node ids reachable from `from` along wires (not including it).
  std::set<std::string> reachable(const std::string& from) const {
    std::set<std::string> seen;
    std::deque<std::string> todo{from};
    while (!todo.empty()) {
      const auto id = todo.front();
      todo.pop_front();
      const json* n = find(id);
      if (n == nullptr) continue;
      for (const auto& t : targets(*n)) {
        if (seen.insert(t).second) todo.push_back(t);
      }
    }
    return seen;
  }
  // The ids of nodes wired into `id`.
  std::vector<const json*> sources(const std::string& id) const {
    std::vector<const json*> out;
    for (const auto& n : nodes_) {
      const auto t = targets(n);
      if (std::find(t.begin(), t.end(), id) != t.end()) out.push_back(&n);
    }
    return out;
  }

 private:
  json nodes_;
};

// ---------------------------------------------------------------------------------------------
// The file

TEST(node_red_flow, is_a_json_array_of_core_nodes) {
  json nodes;
  ASSERT_NO_THROW(nodes = json::parse(read_text(flow_path()))) << flow_path();
  ASSERT_TRUE(nodes.is_array()) << "a Node-RED export is a JSON array of nodes";
  ASSERT_FALSE(nodes.empty());
  const std::set<std::string> core = {"tab",    "comment",  "mqtt-broker", "mqtt in", "mqtt out",
                                      "inject", "function", "change",      "debug"};
  std::set<std::string> ids;
  for (const auto& n : nodes) {
    ASSERT_TRUE(n.is_object()) << n.dump();
    ASSERT_TRUE(n.contains("id") && n["id"].is_string() && !n["id"].get<std::string>().empty())
        << n.dump();
    ASSERT_TRUE(n.contains("type") && n["type"].is_string()) << n.dump();
    EXPECT_TRUE(ids.insert(n["id"].get<std::string>()).second) << "duplicate id " << n["id"];
    EXPECT_TRUE(core.contains(n["type"].get<std::string>()))
        << "node " << n["id"] << " is of type " << n["type"] << ", not a core node we allow";
  }
  const flow_file flow(nodes);
  ASSERT_EQ(flow.of_type("tab").size(), 1u) << "one tab, so the import is one flow";
  const auto tab = flow.of_type("tab")[0]->at("id").get<std::string>();
  for (const auto& n : nodes) {
    const auto type = n["type"].get<std::string>();
    if (type == "tab" || type == "mqtt-broker") continue;  // config nodes have no tab
    EXPECT_EQ(n.value("z", ""), tab) << "node " << n["id"] << " is not on the flow's tab";
  }
}

TEST(node_red_flow, wires_and_broker_references_resolve) {
  const auto flow = flow_file::load();
  int wires_seen = 0;
  for (const auto& n : flow.nodes()) {
    const auto id = n["id"].get<std::string>();
    const auto type = n["type"].get<std::string>();
    if (type == "tab" || type == "mqtt-broker") {
      EXPECT_FALSE(n.contains("wires")) << id;
      continue;
    }
    ASSERT_TRUE(n.contains("wires") && n["wires"].is_array()) << id << " has no wires array";
    std::size_t ports = 0;
    if (type == "inject" || type == "mqtt in" || type == "change") ports = 1;
    if (type == "function") ports = n.value("outputs", 1);
    if (type == "comment" || type == "debug" || type == "mqtt out") ports = 0;
    // Node-RED writes [] for nodes without outputs, and one list per output otherwise.
    EXPECT_EQ(n["wires"].size(), ports) << id << " (" << type << ") wires: " << n["wires"].dump();
    for (const auto& port : n["wires"]) {
      ASSERT_TRUE(port.is_array()) << id;
      for (const auto& target : port) {
        ASSERT_TRUE(target.is_string()) << id;
        const json* t = flow.find(target.get<std::string>());
        ASSERT_NE(t, nullptr) << id << " is wired to missing node " << target;
        EXPECT_NE(t->at("type"), "tab") << id << " wired to a tab";
        EXPECT_NE(t->at("type"), "mqtt-broker") << id << " wired to a config node";
        EXPECT_NE(t->at("type"), "inject") << id << " wired to an inject node (no input)";
        EXPECT_NE(t->at("type"), "mqtt in") << id << " wired to an mqtt in node (no input)";
        EXPECT_NE(target.get<std::string>(), id) << id << " wired to itself";
        ++wires_seen;
      }
    }
    if (type == "mqtt in" || type == "mqtt out") {
      const json* broker = flow.find(n.value("broker", ""));
      ASSERT_NE(broker, nullptr) << id << " names missing broker " << n.value("broker", "");
      EXPECT_EQ(broker->at("type"), "mqtt-broker") << id;
    }
  }
  EXPECT_GT(wires_seen, 5);
}

TEST(node_red_flow, broker_is_localhost_1883_without_secrets) {
  const auto flow = flow_file::load();
  const auto brokers = flow.of_type("mqtt-broker");
  ASSERT_EQ(brokers.size(), 1u);
  const auto& b = *brokers[0];
  EXPECT_EQ(b.value("broker", ""), "localhost");
  EXPECT_EQ(as_text(b["port"]), "1883");
  EXPECT_FALSE(b.contains("credentials")) << "no username/password in an example";
  for (const auto& n : flow.nodes()) {
    EXPECT_FALSE(n.contains("credentials")) << n["id"];
  }
}

TEST(node_red_flow, pdu_id_is_demo_and_the_setup_comment_says_what_to_change) {
  const auto flow = flow_file::load();
  const auto& tab = *flow.of_type("tab")[0];
  ASSERT_TRUE(tab.contains("env")) << "the PDU id is the tab's environment variable PDU_ID";
  std::string pdu_id;
  for (const auto& e : tab["env"]) {
    if (e.value("name", "") == "PDU_ID") {
      EXPECT_EQ(e.value("type", ""), "str");
      pdu_id = e.value("value", "");
    }
  }
  EXPECT_EQ(pdu_id, demo_id) << "works with the demo config out of the box";
  bool explained = false;
  for (const auto* c : flow.of_type("comment")) {
    const auto text = c->value("name", "") + "\n" + c->value("info", "");
    explained = explained || (text.find("PDU_ID") != std::string::npos &&
                              text.find("localhost") != std::string::npos &&
                              text.find("1883") != std::string::npos);
  }
  EXPECT_TRUE(explained) << "a comment node tells how to set the broker and PDU_ID";
}

TEST(node_red_flow, mqtt_out_nodes_publish_commands_with_qos_1_and_no_retain) {
  const auto flow = flow_file::load();
  const auto outs = flow.of_type("mqtt out");
  ASSERT_FALSE(outs.empty());
  for (const auto* out : outs) {
    const auto id = out->at("id").get<std::string>();
    EXPECT_EQ(as_text(out->value("qos", json())), "1") << id;
    // Node-RED publishes msg.retain when the node's retain is empty: it must say "false".
    EXPECT_EQ(as_text(out->value("retain", json())), "false")
        << id << ": the bridge refuses retained commands";
    const auto topic = out->value("topic", "");
    if (!topic.empty()) {
      const topics::layout l;
      auto parsed = topics::parse_command_topic(l, topic);
      ASSERT_TRUE(parsed) << id << ": " << topic;
      EXPECT_EQ(parsed->what, topics::command_topic::kind::outlet_set) << id << ": " << topic;
      continue;
    }
    // No topic of its own: it publishes to msg.topic, which whatever feeds it must set (the
    // harness test below checks the values).
    const auto feeders = flow.sources(id);
    ASSERT_FALSE(feeders.empty()) << id << " has no input";
    for (const auto* f : feeders) {
      ASSERT_EQ(f->at("type"), "function")
          << id << " takes msg.topic from " << f->at("id") << ", which is no function";
      EXPECT_NE(f->value("func", "").find("msg.topic ="), std::string::npos)
          << f->at("id") << " feeds " << id << " without setting msg.topic";
    }
    EXPECT_NE(out->value("name", "").find("msg.topic"), std::string::npos)
        << id << ": the node's name should say that the topic comes from msg.topic";
  }
}

TEST(node_red_flow, mqtt_in_filters_match_what_the_bridge_publishes) {
  const auto flow = flow_file::load();
  const topics::layout l;
  const auto published = bridge_published_topics(l, demo_id);
  const auto commands = bridge_command_topics(l, demo_id);
  const auto ins = flow.of_type("mqtt in");
  ASSERT_FALSE(ins.empty());
  bool outlet_states = false, availability = false;
  for (const auto* in : ins) {
    const auto id = in->at("id").get<std::string>();
    const auto filter = in->value("topic", "");
    ASSERT_TRUE(valid_topic_filter(filter)) << id << ": '" << filter << "'";
    int matched = 0;
    for (const auto& t : published)
      matched += topic_matches(filter, t);
    EXPECT_GT(matched, 0) << id << ": " << filter << " matches nothing the bridge publishes";
    for (const auto& t : commands) {
      EXPECT_FALSE(topic_matches(filter, t)) << id << ": " << filter << " also hears " << t;
    }
    EXPECT_FALSE(topic_matches(filter, "homeassistant/device/pdu2mqtt_x/config")) << id;
    outlet_states = outlet_states || topic_matches(filter, l.outlet(demo_id, 3));
    availability = availability || topic_matches(filter, l.availability(demo_id));
  }
  EXPECT_TRUE(outlet_states) << "no mqtt in node hears the outlet states";
  EXPECT_TRUE(availability) << "no mqtt in node hears the availability";
  const json* states = flow.named("mqtt in", "outlet states");
  ASSERT_NE(states, nullptr);
  EXPECT_EQ(states->value("topic", ""), "pdu2mqtt/+/outlet/+");
  const auto next = flow.targets(*states);
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(flow.find(next[0])->at("type"), "function") << "a function parses the topic";
}

TEST(node_red_flow, inject_nodes_switch_outlet_3_and_never_fire_by_themselves) {
  const auto flow = flow_file::load();
  const auto outs = flow.of_type("mqtt out");
  for (const std::string name :
       {"outlet 3 ON", "outlet 3 OFF", "outlet 3 REBOOT", "toggle outlet 3"}) {
    const json* inject = flow.named("inject", name);
    ASSERT_NE(inject, nullptr) << "no inject node '" << name << "'";
    const auto reach = flow.reachable(inject->at("id").get<std::string>());
    EXPECT_TRUE(std::any_of(outs.begin(), outs.end(),
                            [&](const json* o) { return reach.contains(o->at("id")); }))
        << name << " does not reach an mqtt out node";
  }
  // Deploying the flow must not switch anything: no inject fires on start or on a timer.
  for (const auto* inject : flow.of_type("inject")) {
    EXPECT_FALSE(inject->value("once", false)) << inject->at("id") << " fires on deploy";
    EXPECT_EQ(inject->value("repeat", ""), "") << inject->at("id") << " repeats";
    EXPECT_EQ(inject->value("crontab", ""), "") << inject->at("id") << " is scheduled";
  }
}

// ---------------------------------------------------------------------------------------------
// The function nodes, run with Node.js (node_red_harness.js models the few core nodes used).

struct harness_event {
  std::vector<json> published;
  std::vector<json> warnings;
  std::vector<json> errors;
};
struct harness_run {
  std::vector<harness_event> events;
  std::set<std::string> ran;  // function nodes that ran
};

harness_run run_harness(const fs::path& flow, const json& events) {
  auto r = run_command({"node", harness_path().string(), flow.string(), events.dump()}, 60s);
  if (r.exit_code != 0) {
    throw std::runtime_error("node_red_harness.js failed (exit " + std::to_string(r.exit_code) +
                             "): " + r.stderr_text + r.stdout_text);
  }
  const auto j = json::parse(r.stdout_text);
  harness_run out;
  for (const auto& e : j["events"]) {
    out.events.push_back({e["published"].get<std::vector<json>>(),
                          e["warnings"].get<std::vector<json>>(),
                          e["errors"].get<std::vector<json>>()});
  }
  for (const auto& id : j["ran"])
    out.ran.insert(id.get<std::string>());
  return out;
}

class node_red_functions : public ::testing::Test {
 protected:
  void SetUp() override {
    PDU2MQTT_REQUIRE_TOOL(node_available(), "Node.js (node) is not on PATH");
  }
  std::string inject_id(const std::string& name) {
    const json* n = flow.named("inject", name);
    if (n == nullptr) throw std::runtime_error("no inject node " + name);
    return n->at("id").get<std::string>();
  }
  static json press(const std::string& id) { return json{{"inject", id}}; }
  static json state(int outlet, const std::string& value) {
    return json{
        {"mqtt", topics::layout{}.outlet(demo_id, outlet)}, {"payload", value}, {"retain", true}};
  }

  flow_file flow = flow_file::load();
};

TEST_F(node_red_functions, inject_nodes_publish_commands_the_bridge_parses) {
  const auto run = run_harness(
      flow_path(), json::array({press(inject_id("outlet 3 ON")), press(inject_id("outlet 3 OFF")),
                                press(inject_id("outlet 3 REBOOT"))}));
  const std::vector<std::string> expected = {"ON", "OFF", "REBOOT"};
  ASSERT_EQ(run.events.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& e = run.events[i];
    EXPECT_TRUE(e.errors.empty()) << json(e.errors).dump();
    ASSERT_EQ(e.published.size(), 1u) << expected[i] << ": " << json(e.published).dump();
    const auto& p = e.published[0];
    EXPECT_TRUE(is_outlet_command_topic(p.value("topic", ""), demo_id, 3));
    EXPECT_EQ(p["payload"], expected[i]);
    EXPECT_EQ(p["qos"], 1);
    EXPECT_EQ(p["retain"], false);
  }
}

TEST_F(node_red_functions, toggle_sends_the_opposite_of_the_last_state_seen) {
  const auto toggle = press(inject_id("toggle outlet 3"));
  const auto run =
      run_harness(flow_path(), json::array({toggle, state(3, "ON"), state(4, "OFF"), toggle,
                                            state(3, "OFF"), toggle, state(3, "on"), toggle}));
  ASSERT_EQ(run.events.size(), 8u);
  // Before any state: nothing is sent (there is no TOGGLE command to fall back on), and the
  // user is told why.
  EXPECT_TRUE(run.events[0].published.empty()) << json(run.events[0].published).dump();
  EXPECT_FALSE(run.events[0].warnings.empty());
  const std::vector<std::pair<std::size_t, std::string>> toggles = {
      {3, "OFF"}, {5, "ON"}, {7, "OFF"}};
  for (const auto& [index, payload] : toggles) {
    const auto& e = run.events[index];
    ASSERT_EQ(e.published.size(), 1u) << "event " << index;
    EXPECT_TRUE(is_outlet_command_topic(e.published[0].value("topic", ""), demo_id, 3));
    EXPECT_EQ(e.published[0]["payload"], payload) << "event " << index;
    EXPECT_EQ(e.published[0]["retain"], false);
  }
}

TEST_F(node_red_functions, nothing_the_bridge_publishes_makes_the_flow_send_a_command) {
  const topics::layout l;
  json events = json::array();
  for (const auto& topic : bridge_published_topics(l, demo_id)) {
    std::string payload = "ON";
    if (topic.ends_with("/result")) {
      payload = R"({"command":"OFF","ok":true,"state":"OFF","error":null,"latency_ms":412})";
    } else if (topic.ends_with("/error")) {
      payload = R"({"topic":"pdu2mqtt/demo/outlet/1/set","payload":"OFF","error":"protected"})";
    } else if (topic.ends_with("/state") && topic != l.bridge_state()) {
      payload = R"({"outlet_count":8})";
    } else if (topic == l.bridge_info()) {
      payload = R"({"version":"x","pdus":[]})";
    } else if (topic.ends_with("/current")) {
      payload = "2.1";
    } else if (topic.ends_with("availability") || topic == l.bridge_state()) {
      payload = "offline";
    }
    events.push_back(json{{"mqtt", topic}, {"payload", payload}, {"retain", true}});
  }
  const auto run = run_harness(flow_path(), events);
  ASSERT_EQ(run.events.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(run.events[i].published.empty())
        << events[i]["mqtt"] << " led to " << json(run.events[i].published).dump();
    EXPECT_TRUE(run.events[i].errors.empty()) << json(run.events[i].errors).dump();
  }
  EXPECT_TRUE(run.ran.contains(flow.named("function", "outlet state")->at("id")));
  EXPECT_TRUE(run.ran.contains(flow.named("function", "availability")->at("id")));
}

TEST_F(node_red_functions, every_function_node_runs_in_some_path) {
  // A state, every inject button and an availability message between them run every function
  // node, so none is left unchecked; whatever they publish is an outlet command for "demo".
  json events = json::array({state(3, "OFF")});
  for (const auto* inject : flow.of_type("inject"))
    events.push_back(press(inject->at("id")));
  events.push_back(json{{"mqtt", topics::layout{}.availability(demo_id)}, {"payload", "online"}});
  const auto run = run_harness(flow_path(), events);
  for (const auto* f : flow.of_type("function")) {
    EXPECT_TRUE(run.ran.contains(f->at("id"))) << "function " << f->at("id") << " never ran";
  }
  for (const auto& e : run.events) {
    for (const auto& p : e.published) {
      const auto topic = p.value("topic", "");
      auto parsed = topics::parse_command_topic(topics::layout{}, topic);
      ASSERT_TRUE(parsed) << topic;
      EXPECT_EQ(parsed->what, topics::command_topic::kind::outlet_set) << topic;
      EXPECT_EQ(parsed->pdu_id, demo_id);
      EXPECT_EQ(p["retain"], false);
    }
  }
}

TEST_F(node_red_functions, commands_follow_the_pdu_id_setting) {
  json nodes = flow.nodes();
  for (auto& n : nodes) {
    if (n["type"] != "tab") continue;
    for (auto& e : n["env"]) {
      if (e["name"] == "PDU_ID") e["value"] = "rack-a";
    }
  }
  temp_dir dir;
  const auto path = dir.write_file("flow.json", nodes.dump());
  const auto run = run_harness(path, json::array({press(inject_id("outlet 3 OFF"))}));
  ASSERT_EQ(run.events.size(), 1u);
  ASSERT_EQ(run.events[0].published.size(), 1u);
  EXPECT_TRUE(is_outlet_command_topic(run.events[0].published[0].value("topic", ""), "rack-a", 3));

  // A PDU id that is no topic-safe id is refused, not published.
  for (auto& n : nodes) {
    if (n["type"] != "tab") continue;
    for (auto& e : n["env"]) {
      if (e["name"] == "PDU_ID") e["value"] = "rack a/#";
    }
  }
  const auto bad = run_harness(dir.write_file("flow.json", nodes.dump()),
                               json::array({press(inject_id("outlet 3 OFF"))}));
  EXPECT_TRUE(bad.events[0].published.empty()) << json(bad.events[0].published).dump();
  EXPECT_FALSE(bad.events[0].errors.empty());
}

// ---------------------------------------------------------------------------------------------
// Live: real Node-RED, real Mosquitto, the bridge with the demo config, the simulated PDU.

constexpr const char* node_red_settings = R"(// written by node_red_flow_test
module.exports = {
  uiHost: "127.0.0.1",
  // No editor; the admin API (POST /inject/<id>, GET /context/...) stays on loopback.
  disableEditor: true,
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { projects: { enabled: false } },
  credentialSecret: false,
  logging: { console: { level: "info", metrics: false, audit: false } },
};
)";

class node_red_live : public ::testing::Test {
 protected:
  void SetUp() override {
    PDU2MQTT_REQUIRE_TOOL(node_available(), "Node.js (node) is not on PATH");
    const auto bin = node_red_binary();
    PDU2MQTT_REQUIRE_TOOL(bin.has_value(),
                          "Node-RED is not installed in ~/.cache/pdu2mqtt/node-red "
                          "(or $PDU2MQTT_NODE_RED_DIR)");
    node_red_bin = *bin;

    stack = std::make_unique<demo_stack>();
    watch = std::make_unique<mqtt_observer>(stack->broker().uri());
    ASSERT_TRUE(watch->wait_connected());
    ASSERT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/availability", "online", 30s))
        << stack->output();
    ASSERT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/outlet/3", "ON", 15s)) << stack->output();

    // The shipped flow, only pointed at the test broker.
    json nodes = flow.nodes();
    for (auto& n : nodes) {
      if (n["type"] == "mqtt-broker") {
        n["broker"] = "127.0.0.1";
        n["port"] = std::to_string(stack->broker().port());
      }
    }
    tab = flow.of_type("tab")[0]->at("id").get<std::string>();
    user_dir.write_file("settings.js", node_red_settings);
    const auto flow_copy = user_dir.write_file("flows.json", nodes.dump(2));
    start_node_red(flow_copy);
  }

  void start_node_red(const fs::path& flow_copy) {
    // The port is free a moment before Node-RED binds it; try again if another process won.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port = free_tcp_port();
      node_red = child_process({node_red_bin.string(), "--userDir", user_dir.path().string(),
                                "--port", std::to_string(port), flow_copy.string()});
      if (node_red.wait_for_output("Server now running", 90s)) break;
      if (node_red.output().find("EADDRINUSE") == std::string::npos) break;
      node_red.stop();
    }
    ASSERT_TRUE(node_red.wait_for_output("Started flows", 30s)) << node_red.output();
    ASSERT_TRUE(node_red.wait_for_output("Connected to broker", 30s)) << node_red.output();
  }

  // A key of the flow's context (GET /context/flow/<tab>/<key>), as JSON; null if not set.
  json flow_context(const std::string& key) {
    auto r = http_request(port, "GET", "/context/flow/" + tab + "/" + key);
    if (r.status != 200) return json();
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("msg") || !j["msg"].is_string()) return json();
    auto v = json::parse(j["msg"].get<std::string>(), nullptr, false);
    return v.is_discarded() ? json() : v;
  }
  // Until the flow's "outlet state" function has seen outlet 3 in `state`.
  bool wait_flow_saw(const std::string& state, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto outlets = flow_context("outlets");
      if (outlets.is_object() && outlets.value("demo/3", "") == state) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      watch->pump(50ms);
    }
  }

  // Presses an inject node's button (the editor does the same POST), then waits for the
  // command on the set topic and the bridge's result.
  json press(const std::string& name, const std::string& expected_command) {
    const json* inject = flow.named("inject", name);
    if (inject == nullptr) {
      ADD_FAILURE() << "no inject node " << name;
      return json();
    }
    const auto from = watch->mark();
    auto r = http_request(port, "POST", "/inject/" + inject->at("id").get<std::string>());
    EXPECT_EQ(r.status, 200) << name << ": " << r.error << r.body << "\n" << node_red.output();
    auto command = watch->wait_for("pdu2mqtt/demo/outlet/3/set", {}, 20s, from);
    if (!command) {
      ADD_FAILURE() << name << ": Node-RED published no command\n" << node_red.output();
      return json();
    }
    EXPECT_EQ(command->payload, expected_command) << name;
    ++commands_sent;
    auto result = watch->wait_for("pdu2mqtt/demo/outlet/3/result", {}, 20s, from);
    if (!result) {
      ADD_FAILURE() << name << ": no result from the bridge\n" << stack->output();
      return json();
    }
    return json::parse(result->payload);
  }

  std::string simulator_outlet_3() {
    return snmp_get_value(stack->simulator_endpoint(), "public",
                          oid_at(cyberpower::outlet::state, 3));
  }

  flow_file flow = flow_file::load();
  fs::path node_red_bin;
  std::unique_ptr<demo_stack> stack;
  std::unique_ptr<mqtt_observer> watch;
  temp_dir user_dir;
  std::string tab;
  std::uint16_t port = 0;
  child_process node_red;
  int commands_sent = 0;
};

TEST_F(node_red_live, inject_nodes_switch_outlet_3_through_the_bridge) {
  const auto start = watch->mark();
  // The flow heard the retained states and the availability.
  ASSERT_TRUE(wait_flow_saw("ON")) << node_red.output();
  const auto availability = flow_context("availability");
  EXPECT_EQ(availability.value("demo", ""), "online") << availability.dump();
  EXPECT_EQ(availability.value("bridge", ""), "online") << availability.dump();
  EXPECT_EQ(flow_context("outlets").size(), static_cast<std::size_t>(demo_outlets));

  // outlet 3 OFF: the PDU switches it off and the bridge reports it.
  auto from = watch->mark();
  auto r = press("outlet 3 OFF", "OFF");
  EXPECT_EQ(r.value("ok", false), true) << r.dump();
  EXPECT_EQ(r.value("state", ""), "OFF") << r.dump();
  EXPECT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/outlet/3", "OFF", 20s, from));
  EXPECT_EQ(simulator_outlet_3(), "2") << "the simulated PDU's outlet 3 is not off";

  // outlet 3 ON: and on again.
  from = watch->mark();
  r = press("outlet 3 ON", "ON");
  EXPECT_EQ(r.value("ok", false), true) << r.dump();
  EXPECT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/outlet/3", "ON", 20s, from));
  EXPECT_EQ(simulator_outlet_3(), "1") << "the simulated PDU's outlet 3 is not on";

  // toggle: the opposite of what the flow saw last, twice.
  ASSERT_TRUE(wait_flow_saw("ON")) << node_red.output();
  from = watch->mark();
  r = press("toggle outlet 3", "OFF");
  EXPECT_EQ(r.value("state", ""), "OFF") << r.dump();
  EXPECT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/outlet/3", "OFF", 20s, from));
  EXPECT_EQ(simulator_outlet_3(), "2");
  ASSERT_TRUE(wait_flow_saw("OFF")) << node_red.output();
  from = watch->mark();
  r = press("toggle outlet 3", "ON");
  EXPECT_EQ(r.value("state", ""), "ON") << r.dump();
  EXPECT_TRUE(watch->wait_for_payload("pdu2mqtt/demo/outlet/3", "ON", 20s, from));
  EXPECT_EQ(simulator_outlet_3(), "1");

  // REBOOT: off, then on again.
  from = watch->mark();
  r = press("outlet 3 REBOOT", "REBOOT");
  EXPECT_EQ(r.value("command", ""), "REBOOT") << r.dump();
  EXPECT_EQ(r.value("ok", false), true) << r.dump();
  // The bridge reports OFF, then ON (the result comes once the outlet is back on).
  const auto states = watch->on_topic("pdu2mqtt/demo/outlet/3", from);
  std::string seen;
  for (const auto& m : states)
    seen += m.payload + " ";
  EXPECT_TRUE(std::any_of(states.begin(), states.end(), [](const mqtt::message& m) {
    return m.payload == "OFF";
  })) << seen;
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back().payload, "ON") << seen;
  EXPECT_EQ(simulator_outlet_3(), "1");

  // Exactly one command per press, none refused by the bridge (a retained one would be).
  EXPECT_EQ(watch->on_topic("pdu2mqtt/demo/outlet/3/set", start).size(),
            static_cast<std::size_t>(commands_sent));
  EXPECT_EQ(commands_sent, 5);
  for (const auto& e : watch->on_topic("pdu2mqtt/demo/error", start)) {
    ADD_FAILURE() << "bridge refused a command: " << e.payload;
  }
  const auto accepted = std::stoi(snmp_get_value(stack->simulator_endpoint(), "public",
                                                 oid_text(sim::test_oids::sets_accepted)));
  EXPECT_GE(accepted, 5) << "SETs accepted by the simulated PDU";

  // Nothing retained on the command topics: a client connecting now gets no command replayed.
  mqtt_observer late(stack->broker().uri(), "pdu2mqtt/+/outlet/+/set");
  ASSERT_TRUE(late.wait_connected());
  late.pump(1s);
  EXPECT_TRUE(late.received().empty()) << late.received().front().topic << " is retained";
}

}  // namespace
}  // namespace pdu2mqtt::test::examples
