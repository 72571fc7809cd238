// Section 5: the web page's live updates against MQTT, from the same bridge events. An MQTT
// client switches outlets (as in section 2); for each command we time, from the publish, the
// confirmed state arriving on MQTT (bridge -> Mosquitto -> client) and the same state arriving
// in the page's event stream (bridge -> event hub -> HTTP thread -> SSE client). Both leave the
// bridge in the same poll callback, so their gap is what the page adds; the issue's goal is a
// page update within 100 ms of the bridge seeing the change.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "measure.hpp"
#include "peers.hpp"
#include "sections.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/ports.hpp"
#include "support/web_client.hpp"

namespace pdu2mqtt::bench {

nlohmann::json web_latency(const settings& s) {
  std::cout << "\n== 5. Web page: confirmed state on MQTT vs in the page's event stream ("
            << s.commands << " commands) ==\n";
  test::mosquitto_fixture broker;
  test::child_process sim;
  const auto ports = start_simulators(sim, 1, {"--apply-delay-ms", "0"});
  auto config = nlohmann::json::parse(bridge_config(broker.port(), {{"web", ports[0], 5000, 10}}));
  const auto http_port = test::free_tcp_port();
  config["http"] = {{"listen", fmt::format("127.0.0.1:{}", http_port)}};
  test::temp_dir dir;
  const auto path = dir.write_file("bench.json", config.dump(2));
  mqtt_client client(broker.port(), "pdu2mqtt/web/outlet/#");
  test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", path.string()});

  std::map<int, std::string> state;
  client.on_message(
      [&](const mqtt_client::received& r) {
        const auto& t = r.message.topic;  // pdu2mqtt/web/outlet/<n>
        if (t.find('/', 20) == std::string::npos)
          state[std::stoi(t.substr(20))] = r.message.payload;
      },
      false);
  if (!client.wait([&] { return state.size() >= 8; }, 20s)) {
    throw std::runtime_error("the bridge published no outlet states: " + bridge.output());
  }
  std::unique_ptr<test::event_stream> page;
  for (int attempt = 0; attempt < 50 && !page; ++attempt) {
    auto candidate = std::make_unique<test::event_stream>(http_port);
    if (candidate->wait_for("snapshot", {}, 200ms)) page = std::move(candidate);
  }
  if (!page) throw std::runtime_error("the page's event stream did not open: " + bridge.output());

  samples on_mqtt, on_page, gap;
  int failures = 0;
  int page_first = 0;
  for (int i = 0; i < s.commands; ++i) {
    const int n = 1 + i % 8;
    const std::string topic = fmt::format("pdu2mqtt/web/outlet/{}", n);
    const std::string want = state[n] == "ON" ? "OFF" : "ON";
    std::optional<clock::time_point> mqtt_at;
    client.on_message(
        [&](const mqtt_client::received& r) {
          if (r.message.topic == topic && r.message.payload == want && !mqtt_at) mqtt_at = r.at;
        },
        false);
    const auto from = page->mark();
    const auto shows = [&](const nlohmann::json& p) {
      if (!p["state"].is_object()) return false;
      for (const auto& o : p["state"]["outlets"]) {
        if (o["number"] == n) return o["state"] == want;
      }
      return false;
    };
    const auto sent = clock::now();
    client.publish(topic + "/set", want);
    std::optional<test::received_event> page_event;
    const bool done = client.wait(
        [&] {
          if (!page_event) page_event = page->wait_for("pdu", shows, 0ms, from);
          return mqtt_at && page_event;
        },
        6s);
    if (!done) {
      ++failures;
      continue;
    }
    state[n] = want;
    on_mqtt.add(*mqtt_at - sent);
    on_page.add(page_event->at - sent);
    // Which one comes first varies (two independent paths): the gap is kept as its size.
    if (page_event->at < *mqtt_at) ++page_first;
    gap.add(page_event->at > *mqtt_at ? page_event->at - *mqtt_at : *mqtt_at - page_event->at);
  }
  client.on_message({}, false);
  bridge.stop();

  table t({{"from the MQTT publish to", 37}, {"median", 12}, {"p99", 12}, {"max", 12}});
  t.row({"confirmed state on MQTT", format_us(on_mqtt.median()), format_us(on_mqtt.p99()),
         format_us(on_mqtt.percentile(100))});
  t.row({"the same state in the page's stream", format_us(on_page.median()),
         format_us(on_page.p99()), format_us(on_page.percentile(100))});
  t.row({"|page - MQTT| (what the page adds)", format_us(gap.median()), format_us(gap.p99()),
         format_us(gap.percentile(100))});
  const double worst_ms = gap.percentile(100) / 1000.0;
  std::cout << fmt::format(
      "failed: {}; the page was first {} times of {}; page within 100 ms of "
      "MQTT on every command: {} (worst {:.2f} ms)\n",
      failures, page_first, on_page.size(), worst_ms <= 100 ? "met" : "MISSED", worst_ms);
  return {{"on_mqtt", on_mqtt.to_json()},
          {"on_page", on_page.to_json()},
          {"gap", gap.to_json()},
          {"page_first", page_first},
          {"failures", failures}};
}

}  // namespace pdu2mqtt::bench
