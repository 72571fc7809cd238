// Section 2: a command end to end. An MQTT client publishes ON/OFF on .../outlet/<n>/set through
// a real Mosquitto; the bridge (its own process) sends the SET and reads the outlet back until
// the PDU reports the new state; the client sees that state on .../outlet/<n>. Measured from
// the publish to the arrival of the confirmed state, with the simulator applying commands at
// once and 300 ms after the SET. The bridge's own figure (SET to confirmation, the result's
// latency_ms) is shown alongside.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "measure.hpp"
#include "peers.hpp"
#include "sections.hpp"
#include "support/mosquitto_fixture.hpp"

namespace pdu2mqtt::bench {
namespace {

struct command_figures {
  samples end_to_end;
  samples in_bridge;  // result latency_ms (SET sent .. state read back)
  int failures = 0;
};

command_figures run_commands(mqtt_client& client, const std::string& id, int commands,
                             std::map<int, std::string>& state) {
  command_figures f;
  constexpr int outlets = 8;
  for (int i = 0; i < commands; ++i) {
    const int n = 1 + i % outlets;
    const std::string topic = fmt::format("pdu2mqtt/{}/outlet/{}", id, n);
    const std::string want = state[n] == "ON" ? "OFF" : "ON";
    std::optional<clock::time_point> seen;
    std::optional<long> latency_ms;
    client.on_message(
        [&](const mqtt_client::received& r) {
          if (r.message.topic == topic && r.message.payload == want && !seen) seen = r.at;
          if (r.message.topic == topic + "/result") {
            auto j = nlohmann::json::parse(r.message.payload, nullptr, false);
            if (j.is_object() && j.value("ok", false)) latency_ms = j.value("latency_ms", -1L);
          }
        },
        false);
    const auto sent = clock::now();
    client.publish(topic + "/set", want);
    if (!client.wait([&] { return seen && latency_ms; }, 6s)) {
      ++f.failures;
      continue;
    }
    state[n] = want;
    f.end_to_end.add(*seen - sent);
    f.in_bridge.add(std::chrono::milliseconds(*latency_ms));
  }
  client.on_message({}, false);
  return f;
}

}  // namespace

nlohmann::json command_latency(const settings& s) {
  std::cout << "\n== 2. Command latency: MQTT set -> SNMP SET -> confirmed state on MQTT ("
            << s.commands << " commands each) ==\n";
  test::mosquitto_fixture broker;
  test::child_process instant_sim, delayed_sim;
  const auto instant = start_simulators(instant_sim, 1, {"--apply-delay-ms", "0"});
  const auto delayed = start_simulators(delayed_sim, 1, {"--apply-delay-ms", "300"});
  test::temp_dir dir;
  const auto config = dir.write_file(
      "bench.json", bridge_config(broker.port(), {{"instant", instant[0], 5000, 10},
                                                  {"delayed", delayed[0], 5000, 10}}));
  mqtt_client client(broker.port(), "pdu2mqtt/+/outlet/#");
  test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});

  // Every outlet's state known first (retained, published when the PDUs are discovered).
  std::map<std::string, std::map<int, std::string>> states;
  client.on_message(
      [&](const mqtt_client::received& r) {
        const auto& t = r.message.topic;
        const auto slash = t.find('/', 9);
        const auto id = t.substr(9, slash - 9);
        const auto rest = t.substr(slash + 1);
        if (rest.rfind("outlet/", 0) == 0 && rest.find('/', 7) == std::string::npos) {
          states[id][std::stoi(rest.substr(7))] = r.message.payload;
        }
      },
      false);
  if (!client.wait([&] { return states["instant"].size() >= 8 && states["delayed"].size() >= 8; },
                   20s)) {
    throw std::runtime_error("the bridge published no outlet states: " + bridge.output());
  }

  table t({{"simulator", 22},
           {"end to end median", 18},
           {"p99", 10},
           {"in bridge median", 17},
           {"failed", 6},
           {"overhead over the apply delay (median)", 40}});
  nlohmann::json out;
  for (const auto& [id, delay_ms] : {std::pair<std::string, int>{"instant", 0}, {"delayed", 300}}) {
    auto f = run_commands(client, id, s.commands, states[id]);
    const double overhead_ms = f.end_to_end.median() / 1000.0 - delay_ms;
    t.row({fmt::format("apply delay {} ms", delay_ms), format_us(f.end_to_end.median()),
           format_us(f.end_to_end.p99()), format_us(f.in_bridge.median()),
           std::to_string(f.failures),
           fmt::format("{:.1f} ms (goal <= 10 ms: {})", overhead_ms,
                       overhead_ms <= 10 ? "met" : "MISSED")});
    out[id] = {{"apply_delay_ms", delay_ms},
               {"end_to_end", f.end_to_end.to_json()},
               {"in_bridge", f.in_bridge.to_json()},
               {"failures", f.failures},
               {"overhead_ms", overhead_ms}};
  }
  bridge.stop();
  return out;
}

}  // namespace pdu2mqtt::bench
