// Section 6: the bursts a bridge publishes, through a Mosquitto with its stock flow control
// (MQTT 5 clients get Receive Maximum 20): one metered PDU's start-up, the re-announce of four
// PDUs after Home Assistant's birth message with a command sent in the middle of it, and the
// return of every retained topic after a broker restart. Each under the bridge's default
// protocol (MQTT 5) and under MQTT 3.1.1, which has no Receive Maximum: the baseline.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "measure.hpp"
#include "peers.hpp"
#include "sections.hpp"
#include "support/mosquitto_fixture.hpp"

namespace pdu2mqtt::bench {
namespace {

double ms_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Every topic and when it was first seen (since the last reset()), and the newest payloads.
class topic_log {
 public:
  explicit topic_log(mqtt_client& client) {
    client.on_message(
        [this](const mqtt_client::received& r) {
          if (!first_) first_ = r.at;
          last_payload_[r.message.topic] = r.message.payload;
          if (first_seen_.emplace(r.message.topic, r.at).second) last_new_ = r.at;
          if (watch_ && r.message.topic == watch_->first && r.message.payload == watch_->second &&
              !watched_at_) {
            watched_at_ = r.at;
          }
        },
        false);
  }
  void reset() {
    first_.reset();
    first_seen_.clear();
    watched_at_.reset();
  }
  // Remembers when `topic` first carries `payload` from now on.
  void watch(const std::string& topic, const std::string& payload) {
    watch_ = {topic, payload};
    watched_at_.reset();
  }
  std::optional<clock::time_point> first() const { return first_; }
  std::optional<clock::time_point> seen(const std::string& topic) const {
    const auto found = first_seen_.find(topic);
    return found == first_seen_.end() ? std::nullopt : std::optional(found->second);
  }
  std::optional<clock::time_point> watched_at() const { return watched_at_; }
  clock::time_point last_new() const { return last_new_; }
  std::size_t topics() const { return first_seen_.size(); }
  std::set<std::string> topic_set() const {
    std::set<std::string> all;
    for (const auto& [t, at] : first_seen_)
      all.insert(t);
    return all;
  }
  const std::string* payload(const std::string& topic) const {
    const auto found = last_payload_.find(topic);
    return found == last_payload_.end() ? nullptr : &found->second;
  }

 private:
  std::optional<clock::time_point> first_;
  clock::time_point last_new_{};
  std::map<std::string, clock::time_point> first_seen_;
  std::map<std::string, std::string> last_payload_;
  std::optional<std::pair<std::string, std::string>> watch_;
  std::optional<clock::time_point> watched_at_;
};

// Until no new topic has come for `quiet` (or `limit` has passed).
void wait_quiet(mqtt_client& client, const topic_log& log, std::chrono::milliseconds quiet,
                std::chrono::milliseconds limit) {
  const auto start = clock::now();
  client.wait(
      [&] {
        const auto now = clock::now();
        return (log.topics() > 0 && now - log.last_new() > quiet) || now - start > limit;
      },
      limit + 1s);
}

// The time at which every topic of `expected` had arrived again (since the log's reset).
std::optional<clock::time_point> all_back(const topic_log& log,
                                          const std::set<std::string>& expected) {
  clock::time_point latest{};
  for (const auto& t : expected) {
    const auto at = log.seen(t);
    if (!at) return std::nullopt;
    latest = std::max(latest, *at);
  }
  return latest;
}

nlohmann::json startup(const std::string& protocol) {
  test::mosquitto_fixture broker;
  test::child_process sim;
  const auto ports =
      start_simulators(sim, 1, {"--model", "metered", "--outlets", "24", "--apply-delay-ms", "0"});
  test::temp_dir dir;
  const auto config = dir.write_file(
      "bench.json", bridge_config(broker.port(), {{"pdu", ports[0], 1000, 10}}, true, protocol));
  mqtt_client client(broker.port(), "#");
  topic_log log(client);
  const auto started = clock::now();
  test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  wait_quiet(client, log, 3s, 30s);
  const auto online = log.seen("pdu2mqtt/pdu/availability");
  if (!log.first() || !online) throw std::runtime_error("no start-up burst: " + bridge.output());
  const auto* state = log.payload("pdu2mqtt/pdu/state");
  const bool state_available =
      state && nlohmann::json::parse(*state, nullptr, false).value("available", false);
  bridge.stop();
  return {{"protocol", protocol},
          {"topics", log.topics()},
          {"first_message_ms", ms_between(started, *log.first())},
          {"burst_ms", ms_between(*log.first(), log.last_new())},
          {"online_after_first_ms", ms_between(*log.first(), *online)},
          {"state_says_available", state_available}};
}

struct fleet {
  test::mosquitto_fixture broker;
  std::vector<std::unique_ptr<test::child_process>> sims;
  std::vector<pdu_spec> pdus;
  test::temp_dir dir;
  std::unique_ptr<test::child_process> bridge;
};

// The four simulated families, one PDU each, all polled every second.
void start_fleet(fleet& f, const std::string& protocol) {
  for (const char* model : {"switched", "metered", "ats", "three-phase"}) {
    f.sims.push_back(std::make_unique<test::child_process>());
    const auto ports = start_simulators(
        *f.sims.back(), 1,
        {"--model", model, "--apply-delay-ms", "0", "--serial", std::string("BURST") + model});
    f.pdus.push_back({model, ports[0], 1000, 10});
  }
  const auto config =
      f.dir.write_file("bench.json", bridge_config(f.broker.port(), f.pdus, true, protocol));
  f.bridge = std::make_unique<test::child_process>(
      std::vector<std::string>{PDU2MQTT_BINARY, "run", "--config", config.string()});
}

nlohmann::json reannounce(const std::string& protocol) {
  fleet f;
  mqtt_client client(f.broker.port(), "#");
  topic_log log(client);
  start_fleet(f, protocol);
  wait_quiet(client, log, 3s, 60s);
  // What is retained now: what a re-announce must bring back. Non-retained topics (results,
  // errors) and the birth topic itself are not part of it.
  std::set<std::string> expected;
  for (const auto& t : log.topic_set()) {
    if (t.find("/result") == std::string::npos && t.find("/error") == std::string::npos &&
        t != "homeassistant/status" && t.rfind("pdu2mqtt/bridge/", 0) != 0) {
      expected.insert(t);
    }
  }
  std::size_t discovery_topics = 0;
  for (const auto& t : expected)
    discovery_topics += t.rfind("homeassistant/", 0) == 0;

  log.reset();
  const std::string outlet = "pdu2mqtt/metered/outlet/5";
  const auto* before = log.payload(outlet);
  const std::string want = before && *before == "OFF" ? "ON" : "OFF";
  log.watch(outlet, want);
  const auto birth = clock::now();
  client.publish("homeassistant/status", "online");
  // The command goes out as soon as the first re-announced discovery message arrives.
  std::optional<clock::time_point> command_sent;
  client.wait(
      [&] {
        for (const auto& t : expected) {
          if (t.rfind("homeassistant/", 0) == 0 && log.seen(t)) return true;
        }
        return false;
      },
      10s);
  command_sent = clock::now();
  client.publish(outlet + "/set", want);
  client.wait([&] { return all_back(log, expected) && log.watched_at(); }, 60s);
  const auto done = all_back(log, expected);
  // Readings that change come at any time: the re-announce starts with its first discovery
  // message.
  std::optional<clock::time_point> first;
  for (const auto& t : expected) {
    const auto at = log.seen(t);
    if (t.rfind("homeassistant/", 0) == 0 && at && (!first || *at < *first)) first = at;
  }
  const auto confirmed = log.watched_at();
  f.bridge->stop();
  if (!done || !first) throw std::runtime_error("the re-announce did not complete");
  return {{"protocol", protocol},
          {"topics", expected.size()},
          {"discovery_topics", discovery_topics},
          {"birth_to_first_ms", ms_between(birth, *first)},
          {"reannounce_ms", ms_between(*first, *done)},
          {"command_ms", confirmed ? ms_between(*command_sent, *confirmed) : -1.0}};
}

nlohmann::json broker_restart(const std::string& protocol) {
  fleet f;
  auto client = std::make_unique<mqtt_client>(f.broker.port(), "#");
  auto log = std::make_unique<topic_log>(*client);
  start_fleet(f, protocol);
  wait_quiet(*client, *log, 3s, 60s);
  std::set<std::string> expected;
  for (const auto& t : log->topic_set()) {
    if (t.find("/result") == std::string::npos && t.find("/error") == std::string::npos) {
      expected.insert(t);
    }
  }
  client.reset();  // first: its handler refers to the log
  log.reset();
  // Without persistence (the fixture's setting) the broker forgets every retained message.
  f.broker.restart();
  const auto restarted = clock::now();
  // A fresh subscriber after the restart: what it is given is what the broker holds again.
  client = std::make_unique<mqtt_client>(f.broker.port(), "#");
  log = std::make_unique<topic_log>(*client);
  // The command goes out once the bridge is back (a clean session drops what comes earlier).
  client->wait([&] { return log->first().has_value(); }, 30s);
  const std::string outlet = "pdu2mqtt/metered/outlet/6";
  log->watch(outlet, "OFF");
  const auto command_sent = clock::now();
  client->publish(outlet + "/set", "OFF");
  client->wait([&] { return all_back(*log, expected) && log->watched_at(); }, 60s);
  const auto done = all_back(*log, expected);
  const auto confirmed = log->watched_at();
  f.bridge->stop();
  client.reset();
  if (!done) throw std::runtime_error("the retained topics did not all come back");
  return {{"protocol", protocol},
          {"topics", expected.size()},
          {"all_back_ms", ms_between(restarted, *done)},
          {"command_ms", confirmed ? ms_between(command_sent, *confirmed) : -1.0}};
}

// Runs `run` under MQTT 5 (the default, "auto") and 3.1.1, `rounds` times, one table row each:
// the protocol, the topic count, then each figure in `ms_keys` in milliseconds.
nlohmann::json rounds_of(int rounds, const table& t, nlohmann::json (*run)(const std::string&),
                         const std::vector<std::string>& ms_keys) {
  nlohmann::json all = nlohmann::json::array();
  for (int round = 0; round < rounds; ++round) {
    for (const std::string protocol : {"auto", "3.1.1"}) {
      auto r = run(protocol);
      std::vector<std::string> cells{protocol == "auto" ? "MQTT 5" : "MQTT " + protocol,
                                     std::to_string(r["topics"].get<std::size_t>())};
      for (const auto& key : ms_keys)
        cells.push_back(fmt::format("{:.0f} ms", r[key].get<double>()));
      if (r.contains("state_says_available")) {
        cells.push_back(r["state_says_available"].get<bool>() ? "yes" : "NO");
      }
      t.row(cells);
      all.push_back(std::move(r));
    }
  }
  return all;
}

}  // namespace

nlohmann::json bursts(const settings& s) {
  std::cout << "\n== 6. Bursts through a stock Mosquitto (Receive Maximum 20 for MQTT 5) ==\n";
  const int rounds = s.quick ? 1 : 3;
  nlohmann::json out;
  out["startup"] = rounds_of(rounds,
                             table({{"start-up, one metered PDU", 26},
                                    {"topics", 7},
                                    {"first to last topic", 20},
                                    {"first to online", 16},
                                    {"state says available", 21}}),
                             startup, {"burst_ms", "online_after_first_ms"});
  out["reannounce"] = rounds_of(rounds,
                                table({{"re-announce, 4 PDUs", 20},
                                       {"topics", 7},
                                       {"birth to first", 15},
                                       {"first to all back", 18},
                                       {"command sent mid-way", 21}}),
                                reannounce, {"birth_to_first_ms", "reannounce_ms", "command_ms"});
  out["broker_restart"] = rounds_of(rounds,
                                    table({{"broker restart, 4 PDUs", 23},
                                           {"topics", 7},
                                           {"restart to all back", 20},
                                           {"command after restart", 22}}),
                                    broker_restart, {"all_back_ms", "command_ms"});
  return out;
}

}  // namespace pdu2mqtt::bench
