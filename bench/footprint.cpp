// Section 4: what one bridge costs to keep: RSS with one PDU after a minute of 1 s polls,
// start-up time (process start to the first outlet state on MQTT), binary size.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "measure.hpp"
#include "peers.hpp"
#include "sections.hpp"
#include "support/mosquitto_fixture.hpp"

namespace pdu2mqtt::bench {

nlohmann::json footprint(const settings& s) {
  std::cout << "\n== 4. Footprint: one PDU ==\n";
  test::mosquitto_fixture broker;
  test::child_process sim;
  const auto ports = start_simulators(sim, 1, {"--apply-delay-ms", "0"});
  mqtt_client client(broker.port(), "pdu2mqtt/+/outlet/1");
  test::temp_dir dir;

  // Start-up: a fresh PDU id each time, so no retained state from an earlier run answers.
  samples startup;
  const int runs = s.quick ? 3 : 10;
  for (int i = 0; i < runs; ++i) {
    const auto id = fmt::format("start{}", i);
    const auto config =
        dir.write_file(id + ".json", bridge_config(broker.port(), {{id, ports[0], 1000, 10}}));
    std::optional<clock::time_point> first;
    client.on_message(
        [&](const mqtt_client::received& r) {
          if (r.message.topic == "pdu2mqtt/" + id + "/outlet/1" && !first) first = r.at;
        },
        false);
    const auto started = clock::now();
    test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
    if (!client.wait([&] { return first.has_value(); }, 20s)) {
      throw std::runtime_error("no state from the bridge: " + bridge.output());
    }
    startup.add(*first - started);
    bridge.stop();
  }

  const auto config =
      dir.write_file("one.json", bridge_config(broker.port(), {{"one", ports[0], 1000, 10}}));
  test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  client.wait([] { return false; }, std::chrono::seconds(s.footprint_seconds));
  const auto usage = read_usage(bridge.pid());
  bridge.stop();

  const std::filesystem::path binary = PDU2MQTT_BINARY;
  const auto size = std::filesystem::file_size(binary);
  const auto stripped_path = dir.path() / "pdu2mqtt.stripped";
  auto strip = test::run_command({"strip", "-o", stripped_path.string(), binary.string()}, 60s);
  const auto stripped = strip.exit_code == 0 ? std::filesystem::file_size(stripped_path) : 0;

  table t({{"figure", 44}, {"value", 30}});
  t.row({fmt::format("RSS after {} s, one PDU polled every 1 s", s.footprint_seconds),
         fmt::format("{:.1f} MB (peak {:.1f} MB)", usage.rss_kb / 1024.0,
                     usage.peak_rss_kb / 1024.0)});
  t.row({"threads", std::to_string(usage.threads)});
  t.row({"CPU over that time", fmt::format("{:.2f} s", usage.cpu_seconds)});
  t.row({"start-up to first outlet state on MQTT",
         fmt::format("{} median, {} max of {}", format_us(startup.median()),
                     format_us(startup.percentile(100)), runs)});
  t.row({"binary size",
         fmt::format("{:.2f} MB ({:.2f} MB stripped)", size / 1048576.0, stripped / 1048576.0)});
  return {{"rss_kb", usage.rss_kb},         {"peak_rss_kb", usage.peak_rss_kb},
          {"threads", usage.threads},       {"cpu_seconds", usage.cpu_seconds},
          {"seconds", s.footprint_seconds}, {"startup", startup.to_json()},
          {"binary_bytes", size},           {"binary_stripped_bytes", stripped}};
}

}  // namespace pdu2mqtt::bench
