// Shared by the tests of the shipped examples (examples/node-red, examples/home-assistant):
// where the repository is, the bridge running the demo config against a private Mosquitto and
// a simulated PDU, a minimal HTTP client for Node-RED's admin API, and the policy for tools
// installed by scripts/setup (Node.js, Node-RED): missing ones fail in CI, skip elsewhere.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "support/mosquitto_fixture.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::test::examples {

// The repository root (PDU2MQTT_FIXTURES is <root>/tests/fixtures).
std::filesystem::path repo_root();
// A whole file; throws std::runtime_error naming the file if it cannot be read.
std::string read_text(const std::filesystem::path& path);

// CI runs with CI=true: a tool that scripts/setup should have installed must be there.
bool in_ci();

// Node.js on PATH (`node --version` works).
bool node_available();
// node-red as scripts/setup installs it: $PDU2MQTT_NODE_RED_DIR (default
// $HOME/.cache/pdu2mqtt/node-red)/node_modules/.bin/node-red; nullopt if it is not there.
std::optional<std::filesystem::path> node_red_binary();

// MQTT topic filter syntax: '+' and '#' only as whole levels, '#' only last.
bool valid_topic_filter(std::string_view filter);
// Whether a concrete topic matches a filter.
bool topic_matches(std::string_view filter, std::string_view topic);

// A YAML file as JSON, through python3 + PyYAML (yaml.safe_load); throws std::runtime_error
// with python's message if the file does not parse.
nlohmann::json load_yaml(const std::filesystem::path& path);

// One HTTP/1.1 request to 127.0.0.1:port ("Connection: close", empty body). status is 0 when
// no answer came (error says why).
struct http_response {
  int status = 0;
  std::string body;
  std::string error;
};
http_response http_request(std::uint16_t port, std::string_view method, std::string_view path,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The shipped demo: config/pdu2mqtt.demo.json as it is, pointed at a private Mosquitto and at a
// simulated PDU with the demo's shape (8 outlets, 2 banks), which switches at once.
class demo_stack {
 public:
  static constexpr const char* serial = "SIMEXAMPLES01";
  // homeassistant/device/pdu2mqtt_<serial in lower case>/config
  static std::string discovery_topic();

  demo_stack();  // starts the broker, the PDU and the bridge; throws if one cannot start

  const nlohmann::json& config() const noexcept { return config_; }
  std::string pdu_id() const { return config_["pdus"][0]["id"].get<std::string>(); }
  std::string simulator_endpoint() const { return pdu_.endpoint(); }

  mosquitto_fixture& broker() noexcept { return broker_; }
  child_process& bridge() noexcept { return bridge_; }
  // The processes' output, for failure messages.
  std::string output();

 private:
  mosquitto_fixture broker_;
  simulator_fixture pdu_;
  temp_dir dir_;
  nlohmann::json config_;
  child_process bridge_;
};

}  // namespace pdu2mqtt::test::examples

// For a prerequisite installed by scripts/setup: FAIL in CI (where setup ran), skip otherwise.
#define PDU2MQTT_REQUIRE_TOOL(condition, message)                                          \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      if (::pdu2mqtt::test::examples::in_ci()) {                                           \
        FAIL() << message << " (CI=true: scripts/setup should have installed it)";         \
      } else {                                                                             \
        GTEST_SKIP() << message << " (run scripts/setup to install it; in CI this fails)"; \
      }                                                                                    \
    }                                                                                      \
  } while (false)
