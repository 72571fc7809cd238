// What the container image relies on, run here without Docker: the bridge started the way the
// image starts it (`pdu2mqtt run`, no arguments, configuration and status file from the ENV
// the Dockerfile sets, broker from compose's PDU2MQTT_MQTT_URL) comes up, and the HEALTHCHECK
// command (`pdu2mqtt health`, no arguments) reports it healthy, and unhealthy once stopped.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>

#include "packaging/packaging_support.hpp"
#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::test::packaging {
namespace {

using namespace std::chrono_literals;

// Polls `pdu2mqtt health` until it exits with `wanted` or the time is up; the last result.
command_result wait_for_health(const environment& env, int wanted,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  command_result result;
  do {
    result = run_command({PDU2MQTT_BINARY, "health"}, 10s, env);
    if (result.exit_code == wanted) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return result;
}

TEST(image_contract, bridge_started_like_the_image_reports_healthy_then_unhealthy) {
  mosquitto_fixture broker;
  simulator_fixture pdu;
  temp_dir dir;

  // The compose configuration, with the simulator where compose's pdu-sim would be. Its
  // "mqtt://mosquitto:1883" does not resolve here: only the environment override can work.
  auto config = read_text(repo_root() / "config" / "pdu2mqtt.compose.json");
  config =
      std::regex_replace(config, std::regex("\"host\": \"pdu-sim\""), "\"host\": \"127.0.0.1\"");
  config = std::regex_replace(config, std::regex("\"port\": 1161"),
                              "\"port\": " + std::to_string(pdu.port()));
  auto config_path = dir.write_file("pdu2mqtt.json", config);
  auto status_path = dir.path() / "pdu2mqtt-status.json";

  const environment env = {
      {"PDU2MQTT_CONFIG", config_path.string()},
      {"PDU2MQTT_STATUS_FILE", status_path.string()},
      {"PDU2MQTT_MQTT_URL", loopback_mqtt_url(broker.port())},
      {"PDU2MQTT_MQTT_USERNAME", ""},
      {"PDU2MQTT_MQTT_PASSWORD", ""},
  };

  // No bridge yet: unhealthy, with one line saying why.
  auto before = run_command({PDU2MQTT_BINARY, "health"}, 10s, env);
  EXPECT_EQ(before.exit_code, 1);
  EXPECT_FALSE((before.stdout_text + before.stderr_text).empty());

  child_process bridge({PDU2MQTT_BINARY, "run"}, env);
  auto healthy = wait_for_health(env, 0, 20s);
  EXPECT_EQ(healthy.exit_code, 0) << healthy.stdout_text << healthy.stderr_text << "\n"
                                  << bridge.output();
  EXPECT_TRUE(std::filesystem::exists(status_path));

  EXPECT_EQ(bridge.stop(5s), 0) << bridge.output();
  auto after = wait_for_health(env, 1, 10s);
  EXPECT_EQ(after.exit_code, 1) << "health still passes after the bridge stopped: "
                                << after.stdout_text << after.stderr_text;
}

}  // namespace
}  // namespace pdu2mqtt::test::packaging
