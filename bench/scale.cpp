// Section 3: one bridge process polling N simulated PDUs (24 outlets, 2 banks each) every
// second, with requests of 10 varbinds (11 a poll, the bridge's default max_varbinds) and of 52
// (2 a poll, the fewest an answer's 1472 bytes allow). Over the window:
// the bridge's CPU (% of one core) and RSS from /proc, polls done and polls that missed their
// interval (the status file's counters), MQTT messages/s, and the latency of a command sent
// every half second to a random PDU while all the others are polled.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "measure.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "peers.hpp"
#include "sections.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/run_coroutine.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::bench {
namespace {

struct poll_counters {
  std::uint64_t ok = 0, failed = 0, missed = 0;
  int online = 0;
};

std::optional<poll_counters> read_counters(const std::filesystem::path& status) {
  std::ifstream in(status);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("pdus")) return std::nullopt;
  poll_counters c;
  for (const auto& [id, p] : j["pdus"].items()) {
    c.ok += p.value("polls_ok", 0ULL);
    c.failed += p.value("polls_failed", 0ULL);
    c.missed += p.value("polls_missed", 0ULL);
    c.online += p.value("online", false) ? 1 : 0;
  }
  return c;
}

// How many OIDs the bridge asks each simulated PDU per poll: its outlets and banks, then the
// readings capability detection finds on the simulated switched unit.
std::size_t poll_oids() {
  test::simulator_fixture sim({"--outlets", "24", "--banks", "2"});
  asio::io_context io;
  auto c = snmp::client::create(io.get_executor());
  snmp::target t;
  t.endpoint = {asio::ip::make_address_v4("127.0.0.1"), sim.port()};
  const device::counts shape{24, 2};
  auto probed = test::run(io, device::async_probe_capabilities(*c, t, shape));
  c->close();
  if (!probed) throw std::runtime_error("capability probe: " + probed.err().to_string());
  return device::poll_request(shape, probed->caps).size();
}

nlohmann::json one_scale(const settings& s, int n, int max_varbinds, std::size_t oids) {
  test::mosquitto_fixture broker;
  test::child_process sims;
  const auto ports =
      start_simulators(sims, n, {"--outlets", "24", "--banks", "2", "--apply-delay-ms", "0"});
  std::vector<pdu_spec> pdus;
  for (int i = 0; i < n; ++i) {
    pdus.push_back(
        {fmt::format("p{}", i + 1), ports[static_cast<std::size_t>(i)], 1000, max_varbinds});
  }
  test::temp_dir dir;
  const auto config = dir.write_file("scale.json", bridge_config(broker.port(), pdus));
  const auto status = dir.path() / "status.json";

  mqtt_client client(broker.port(), "pdu2mqtt/#");
  std::map<std::string, std::string> outlet1;  // "p<i>" -> state of outlet 1
  const std::string tail = "/outlet/1";
  std::optional<clock::time_point> confirmed;
  std::string awaited_topic, awaited_payload;
  client.on_message(
      [&](const mqtt_client::received& r) {
        const auto& t = r.message.topic;
        if (t.size() > tail.size() && t.ends_with(tail)) {
          outlet1[t.substr(9, t.size() - 9 - tail.size())] = r.message.payload;
        }
        if (t == awaited_topic && r.message.payload == awaited_payload && !confirmed) {
          confirmed = r.at;
        }
      },
      false);

  const auto started = clock::now();
  test::child_process bridge(
      {PDU2MQTT_BINARY, "run", "--config", config.string(), "--status-file", status.string()});
  const bool all_online = client.wait(
      [&] {
        auto c = read_counters(status);
        return c && c->online == n && static_cast<int>(outlet1.size()) == n;
      },
      std::chrono::seconds(60 + n / 10));
  if (!all_online) {
    const auto c = read_counters(status);
    const auto log = bridge.stderr_text();
    throw std::runtime_error(fmt::format(
        "{} PDUs did not all come online: {} online, {} outlet states seen; bridge log tail:\n{}",
        n, c ? c->online : -1, outlet1.size(),
        log.substr(log.size() > 2000 ? log.size() - 2000 : 0)));
  }
  const double startup_s = std::chrono::duration<double>(clock::now() - started).count();
  client.wait([] { return false; }, 3s);  // settle after the discovery burst

  const auto before = read_usage(bridge.pid());
  const auto sim_before = read_usage(sims.pid());
  const auto counted_before = client.count();
  const auto window_start = clock::now();
  const auto window = std::chrono::seconds(s.scale_seconds);
  samples commands;
  int command_failures = 0;
  std::uint64_t peak_rss = before.rss_kb;
  std::mt19937 pick(static_cast<unsigned>(n));
  while (clock::now() - window_start < window) {
    const auto tick = clock::now();
    const auto id = fmt::format("p{}", std::uniform_int_distribution<int>(1, n)(pick));
    awaited_topic = "pdu2mqtt/" + id + tail;
    awaited_payload = outlet1[id] == "ON" ? "OFF" : "ON";
    confirmed.reset();
    client.publish(awaited_topic + "/set", awaited_payload);
    if (client.wait([&] { return confirmed.has_value(); }, 6s)) {
      commands.add(*confirmed - tick);
    } else {
      ++command_failures;
    }
    peak_rss = std::max(peak_rss, read_usage(bridge.pid()).rss_kb);
    client.wait([&] { return clock::now() - tick >= 500ms; }, 1s);
  }
  const double seconds = std::chrono::duration<double>(clock::now() - window_start).count();
  const auto after = read_usage(bridge.pid());
  const auto sim_after = read_usage(sims.pid());
  const auto messages = client.count() - counted_before;
  // Counters: the status file is rewritten every 10 s (its updated_at has whole seconds). The
  // rate comes from two consecutive rewrites, timed by our own clock as we see them happen.
  std::vector<std::pair<clock::time_point, poll_counters>> rewrites;
  auto seen = read_counters(status);
  client.wait(
      [&] {
        auto now = read_counters(status);
        if (now && (!seen || now->ok != seen->ok)) {
          rewrites.emplace_back(clock::now(), *now);
          seen = now;
        }
        return rewrites.size() >= 2;
      },
      25s);
  bridge.stop();

  const double cpu_pct = 100.0 * (after.cpu_seconds - before.cpu_seconds) / seconds;
  const double sim_cpu_pct = 100.0 * (sim_after.cpu_seconds - sim_before.cpu_seconds) / seconds;
  const auto requests_per_poll = static_cast<int>(
      (oids + static_cast<std::size_t>(max_varbinds) - 1) / static_cast<std::size_t>(max_varbinds));
  nlohmann::json out = {{"pdus", n},
                        {"max_varbinds", max_varbinds},
                        {"requests_per_poll", requests_per_poll},
                        // CPU time per poll and per SNMP exchange: comparable across machines
                        // and runs better than a percentage of a (shared, virtual) core.
                        {"cpu_us_per_poll", cpu_pct / 100.0 * 1e6 / n},
                        {"cpu_us_per_exchange", cpu_pct / 100.0 * 1e6 / n / requests_per_poll},
                        {"seconds", seconds},
                        {"startup_s", startup_s},
                        {"cpu_percent", cpu_pct},
                        {"simulator_cpu_percent", sim_cpu_pct},
                        {"rss_kb", after.rss_kb},
                        {"peak_rss_kb", std::max(peak_rss, after.peak_rss_kb)},
                        {"threads", after.threads},
                        {"mqtt_messages_per_s", static_cast<double>(messages) / seconds},
                        {"command_latency", commands.to_json()},
                        {"command_failures", command_failures}};
  if (rewrites.size() >= 2) {
    const auto& [t0, first] = rewrites[0];
    const auto& [t1, last] = rewrites[1];
    const double span = std::chrono::duration<double>(t1 - t0).count();
    out["polls_per_s"] = static_cast<double>(last.ok - first.ok) / span;
    out["polls_expected_per_s"] = n;  // one per PDU per second
    // Missed and failed in that steady-state span, and since the start (discovery included).
    out["polls_missed"] = last.missed - first.missed;
    out["polls_failed"] = last.failed - first.failed;
    out["polls_in_span"] = last.ok - first.ok;
    out["polls_missed_since_start"] = last.missed;
    out["polls_failed_since_start"] = last.failed;
    out["polls_total"] = last.ok;
  }
  return out;
}

}  // namespace

nlohmann::json scale(const settings& s) {
  const auto oids = poll_oids();
  std::cout << "\n== 3. Scale: one bridge, N PDUs (24 outlets, 2 banks and their readings: " << oids
            << " OIDs a poll) at 1 s, " << s.scale_seconds << " s each ==\n";
  table t({{"PDUs", 6},
           {"req/poll", 8},
           {"bridge CPU", 12},
           {"us/exchange", 11},
           {"RSS", 10},
           {"polls/s", 14},
           {"missed", 14},
           {"failed", 7},
           {"MQTT msg/s", 10},
           {"cmd median", 11},
           {"cmd p99", 10},
           {"sim CPU", 8},
           {"goal", 30}});
  nlohmann::json out = nlohmann::json::array();
  for (const int varbinds : s.scale_varbinds) {
    for (const int n : s.scale_pdus) {
      auto r = one_scale(s, n, varbinds, oids);
      const double cpu = r["cpu_percent"];
      const double rss_mb = r["peak_rss_kb"].get<double>() / 1024.0;
      std::string goal;
      if (n == 1000) {
        goal = fmt::format("<25% and <100 MB: {}", cpu < 25 && rss_mb < 100 ? "met" : "MISSED");
      }
      t.row({std::to_string(n), std::to_string(r["requests_per_poll"].get<int>()),
             fmt::format("{:.1f}%", cpu),
             fmt::format("{:.1f}", r["cpu_us_per_exchange"].get<double>()),
             fmt::format("{:.1f} MB", rss_mb),
             r.contains("polls_per_s")
                 ? fmt::format("{:.0f} of {}", r["polls_per_s"].get<double>(), n)
                 : "?",
             r.contains("polls_missed")
                 ? fmt::format("{} of {}", r["polls_missed"].get<std::uint64_t>(),
                               r["polls_in_span"].get<std::uint64_t>())
                 : "?",
             r.contains("polls_failed") ? std::to_string(r["polls_failed"].get<std::uint64_t>())
                                        : "?",
             fmt::format("{:.1f}", r["mqtt_messages_per_s"].get<double>()),
             format_us(r["command_latency"].value("median_us", 0.0)),
             format_us(r["command_latency"].value("p99_us", 0.0)),
             fmt::format("{:.0f}%", r["simulator_cpu_percent"].get<double>()), goal});
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace pdu2mqtt::bench
