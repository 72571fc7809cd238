// The commands an operator and a container runtime use around the daemon: the config example,
// check-config, health (with the status file `run` keeps) and JSON logs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

const std::filesystem::path repo_root = std::filesystem::path(PDU2MQTT_FIXTURES) / ".." / "..";

command_result pdu2mqtt_cli(std::vector<std::string> args, const environment& env = {}) {
  args.insert(args.begin(), PDU2MQTT_BINARY);
  return run_command(std::move(args), 30s, env);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(operations_cli, print_config_example_is_the_shipped_example_and_checks_clean) {
  auto printed = pdu2mqtt_cli({"--print-config-example"});
  ASSERT_EQ(printed.exit_code, 0) << printed.stderr_text;
  EXPECT_EQ(printed.stdout_text, read_file(repo_root / "config" / "pdu2mqtt.example.json"));

  temp_dir dir;
  auto path = dir.write_file("example.json", printed.stdout_text);
  auto checked = pdu2mqtt_cli({"check-config", path.string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.stderr_text;
  EXPECT_NE(
      checked.stdout_text.find(": ok: broker 127.0.0.1:1883, 1 PDU(s): rack-a (10.0.0.5:161)"),
      std::string::npos)
      << checked.stdout_text;
}

TEST(operations_cli, check_config_names_file_and_key_and_exits_2) {
  temp_dir dir;
  auto path = dir.write_file("bad.json", R"({"pdus": [{"id": "a", "host": "h", "port": 70000}]})");
  auto checked = pdu2mqtt_cli({"check-config", path.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_EQ(checked.stdout_text, "");
  EXPECT_NE(checked.stderr_text.find(path.string() + ": pdus[0].port:"), std::string::npos)
      << checked.stderr_text;

  auto missing = pdu2mqtt_cli({"check-config", (dir.path() / "absent.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.stderr_text.find("absent.json"), std::string::npos) << missing.stderr_text;
}

TEST(operations_cli, check_config_applies_the_environment_like_run_and_masks_secrets) {
  temp_dir dir;
  auto path = dir.write_file(
      "c.json", R"({"pdus": [{"id": "a", "host": "h", "snmp": {"community": "s3cret-read"}}]})");
  auto bad_url = pdu2mqtt_cli({"check-config", path.string()},
                              {{"PDU2MQTT_MQTT_URL", "http://user:hunter2@broker"}});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_EQ(bad_url.stderr_text.find("hunter2"), std::string::npos) << bad_url.stderr_text;

  auto printed = pdu2mqtt_cli({"check-config", path.string(), "--print"},
                              {{"PDU2MQTT_MQTT_URL", "mqtts://broker.lan"},
                               {"PDU2MQTT_MQTT_USERNAME", "bridge"},
                               {"PDU2MQTT_MQTT_PASSWORD", "hunter2"}});
  ASSERT_EQ(printed.exit_code, 0) << printed.stderr_text;
  EXPECT_NE(printed.stdout_text.find("broker broker.lan:8883 (TLS)"), std::string::npos)
      << printed.stdout_text;
  EXPECT_EQ(printed.stdout_text.find("hunter2"), std::string::npos) << printed.stdout_text;
  EXPECT_EQ(printed.stdout_text.find("s3cret-read"), std::string::npos) << printed.stdout_text;
}

// One bridge run covers what Docker's HEALTHCHECK sees over a container's life: healthy while
// connected, unhealthy when the broker goes away, no status at all once stopped.
TEST(operations_cli, health_follows_the_broker_connection_of_a_running_bridge) {
  mosquitto_fixture broker;
  simulator_fixture pdu({"--outlets", "4", "--banks", "1"});
  temp_dir dir;
  const auto status = dir.path() / "status.json";
  const auto config = config_builder(broker.port())
                          .pdu(pdu_builder("sim", pdu.port()).poll_interval_ms(200))
                          .log_format("json")
                          .log_level("debug")
                          .write(dir, "c.json");
  const environment env{{"PDU2MQTT_STATUS_FILE", status.string()}};
  auto health = [&] { return pdu2mqtt_cli({"health"}, env); };

  EXPECT_EQ(health().exit_code, 1) << "no bridge yet";
  child_process bridge({PDU2MQTT_BINARY, "run"}, {{"PDU2MQTT_CONFIG", config.string()},
                                                  {"PDU2MQTT_STATUS_FILE", status.string()}});
  command_result got;
  for (int i = 0; i < 100; ++i) {
    got = health();
    if (got.exit_code == 0 && got.stdout_text.find("1/1") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(got.exit_code, 0) << got.stdout_text << bridge.output();
  EXPECT_EQ(got.stdout_text, "healthy: connected to the MQTT broker; 1/1 PDU(s) online\n");

  broker.stop();
  for (int i = 0; i < 100; ++i) {
    got = health();
    if (got.exit_code != 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(got.exit_code, 1) << got.stdout_text;
  EXPECT_NE(got.stdout_text.find("unhealthy: not connected to the MQTT broker"), std::string::npos)
      << got.stdout_text;

  broker.start();
  for (int i = 0; i < 150; ++i) {
    got = health();
    if (got.exit_code == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(got.exit_code, 0) << got.stdout_text << bridge.output();

  EXPECT_EQ(bridge.stop(10s), 0) << bridge.output();
  EXPECT_FALSE(std::filesystem::exists(status));
  got = health();
  EXPECT_EQ(got.exit_code, 1);
  EXPECT_NE(got.stdout_text.find("no status file"), std::string::npos) << got.stdout_text;

  // log_format from the file: every stderr line is one JSON object.
  std::istringstream lines(bridge.stderr_text());
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << line;
    ++parsed;
  }
  EXPECT_GT(parsed, 5) << bridge.stderr_text();
}

TEST(operations_cli, log_format_on_the_command_line_wins_over_the_file) {
  temp_dir dir;
  // Nothing listens on the broker port: the bridge logs connection failures, in text.
  const auto config =
      config_builder(9).pdu(pdu_builder("x", 9)).log_format("json").write(dir, "c.json");
  child_process bridge(
      {PDU2MQTT_BINARY, "--log-format", "text", "run", "--config", config.string()});
  ASSERT_TRUE(bridge.wait_for_output("bridging 1 PDU(s)", 20s)) << bridge.output();
  bridge.stop();
  EXPECT_EQ(bridge.stderr_text().find("{\"time\""), std::string::npos) << bridge.stderr_text();
  EXPECT_NE(bridge.stderr_text().find(" info  pdu2mqtt "), std::string::npos)
      << bridge.stderr_text();
}

// The status file's poll counters: a PDU that answers in time is polled at the configured
// rate and never misses; one that takes longer than the interval to answer misses every poll.
// (The file is rewritten every 10 s: the test waits for the first heartbeat after start.)
TEST(operations_cli, status_file_counts_polls_and_polls_that_missed_their_interval) {
  mosquitto_fixture broker;
  simulator_fixture fast({"--outlets", "2", "--banks", "1"});
  simulator_fixture slow({"--outlets", "2", "--banks", "1", "--response-delay-ms", "450"});
  temp_dir dir;
  const auto status = dir.path() / "status.json";
  const auto pdu = [](const char* id, std::uint16_t port) {
    return pdu_builder(id, port).poll_interval_ms(300).snmp_timing(1500, 0);
  };
  const auto config = config_builder(broker.port())
                          .pdu(pdu("fast", fast.port()))
                          .pdu(pdu("slow", slow.port()))
                          .write(dir, "c.json");
  const auto started = std::chrono::steady_clock::now();
  child_process bridge(
      {PDU2MQTT_BINARY, "run", "--config", config.string(), "--status-file", status.string()});
  nlohmann::json j;
  for (int i = 0; i < 300; ++i) {
    std::this_thread::sleep_for(100ms);
    j = nlohmann::json::parse(read_file(status), nullptr, false);
    if (j.is_object() && j["pdus"]["fast"].value("polls_ok", 0) >= 20) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bridge.stop();
  ASSERT_TRUE(j.is_object()) << bridge.output();
  const auto& f = j["pdus"]["fast"];
  const auto& s = j["pdus"]["slow"];
  ASSERT_GE(f.value("polls_ok", 0), 20) << j.dump() << bridge.output();
  EXPECT_EQ(f.value("polls_missed", -1), 0) << j.dump();
  EXPECT_EQ(f.value("polls_failed", -1), 0) << j.dump();
  // At 300 ms a poll, the fast PDU cannot have been polled more often than time allows.
  EXPECT_LE(f.value("polls_ok", 0), seconds / 0.3 + 2) << j.dump();
  // Every answer takes 450 ms, longer than the 300 ms interval: each poll (but discovery)
  // misses its interval, none fails. (A poll of the simulated unit is several requests.)
  EXPECT_GE(s.value("polls_ok", 0), 2) << j.dump();
  EXPECT_GE(s.value("polls_missed", 0), s.value("polls_ok", 0) - 1) << j.dump();
  EXPECT_EQ(s.value("polls_failed", -1), 0) << j.dump();
}

}  // namespace
}  // namespace pdu2mqtt::test
