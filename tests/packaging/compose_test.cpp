// docker-compose.yml and the configurations it and the docs ship: the compose file validates
// (docker compose v2, or Debian's docker-compose 1.29, neither needs an engine for `config`),
// Home Assistant starts only with its profile, every bind-mounted file exists, and the
// bridge's configuration names the services compose actually runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "packaging/packaging_support.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::test::packaging {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

fs::path compose_file() {
  return repo_root() / "docker-compose.yml";
}

json compose_yaml() {
  return yaml_to_json(read_text(compose_file()));
}

// `<compose> -f docker-compose.yml [extra...]` with a controlled environment: the variables
// the file reads are set (empty means "use the default", as ${VAR:-default} does).
command_result run_compose(const std::vector<std::string>& compose,
                           const std::vector<std::string>& extra, const environment& env = {}) {
  std::vector<std::string> argv = compose;
  for (auto& arg : std::vector<std::string>{"-f", compose_file().string(), "--project-directory",
                                            repo_root().string()}) {
    argv.push_back(arg);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  environment full = {
      {"PDU2MQTT_MQTT_URL", ""}, {"PDU2MQTT_MQTT_USERNAME", ""}, {"PDU2MQTT_MQTT_PASSWORD", ""}};
  for (auto& [key, value] : env) {
    std::erase_if(full, [&](auto& item) { return item.first == key; });
    full.emplace_back(key, value);
  }
  return run_command(argv, 60s, full);
}

std::vector<std::string> strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (auto& item : value)
      out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  } else if (value.is_object()) {
    for (auto& [key, item] : value.items())
      out.push_back(key);
  }
  return out;
}

// A service's environment as a map, whether written as a map or as a KEY=value list.
std::map<std::string, std::string> environment_of(const json& service) {
  std::map<std::string, std::string> env;
  if (!service.contains("environment")) return env;
  auto& value = service["environment"];
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      env[key] = item.is_string() ? item.get<std::string>() : (item.is_null() ? "" : item.dump());
    }
  } else {
    for (auto& entry : strings(value)) {
      auto eq = entry.find('=');
      env[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
  }
  return env;
}

TEST(compose, file_validates_with_and_without_the_homeassistant_profile) {
  auto compose = compose_command();
  if (!compose) GTEST_SKIP() << "neither `docker compose` nor docker-compose is installed";
  auto plain = run_compose(*compose, {"config", "-q"});
  EXPECT_EQ(plain.exit_code, 0) << plain.stderr_text;
  EXPECT_EQ(plain.stderr_text.find("WARN"), std::string::npos) << plain.stderr_text;
  auto with_profile = run_compose(*compose, {"--profile", "homeassistant", "config", "-q"});
  EXPECT_EQ(with_profile.exit_code, 0) << with_profile.stderr_text;
}

TEST(compose, homeassistant_runs_only_with_its_profile) {
  auto compose = compose_command();
  if (!compose) GTEST_SKIP() << "neither `docker compose` nor docker-compose is installed";
  auto listed = [&](const std::vector<std::string>& extra) {
    auto args = extra;
    args.insert(args.end(), {"config", "--services"});
    auto result = run_compose(*compose, args);
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    auto names = split_words(result.stdout_text);
    return std::set<std::string>(names.begin(), names.end());
  };
  auto with_profile = listed({"--profile", "homeassistant"});
  EXPECT_TRUE(with_profile.contains("homeassistant"));
  for (const char* service : {"mosquitto", "pdu-sim", "pdu2mqtt"}) {
    EXPECT_TRUE(with_profile.contains(service)) << service;
  }

  if (compose->size() == 2) {
    // docker compose v2 lists only the services a profile-less `up` starts.
    auto without = listed({});
    EXPECT_FALSE(without.contains("homeassistant"));
    EXPECT_TRUE(without.contains("pdu2mqtt"));
  } else {
    // docker-compose 1.29 lists every service; what `up` starts follows from `profiles`,
    // which it must have understood (resolved config keeps it on that service alone).
    auto resolved = run_compose(*compose, {"config"});
    ASSERT_EQ(resolved.exit_code, 0) << resolved.stderr_text;
    auto config = yaml_to_json(resolved.stdout_text);
    for (auto& [name, service] : config["services"].items()) {
      if (name == "homeassistant") {
        EXPECT_EQ(strings(service.value("profiles", json::array())),
                  std::vector<std::string>{"homeassistant"});
      } else {
        EXPECT_FALSE(service.contains("profiles")) << name << " must start by default";
      }
    }
  }
}

TEST(compose, services_are_wired_as_documented) {
  auto file = compose_yaml();
  ASSERT_TRUE(file.contains("services"));
  auto& services = file["services"];
  for (const char* name : {"mosquitto", "pdu-sim", "pdu2mqtt", "homeassistant"}) {
    ASSERT_TRUE(services.contains(name)) << name;
  }
  EXPECT_EQ(services["mosquitto"]["image"], "eclipse-mosquitto:2");
  EXPECT_EQ(services["homeassistant"]["image"], "ghcr.io/home-assistant/home-assistant:stable");
  EXPECT_EQ(strings(services["homeassistant"]["profiles"]),
            std::vector<std::string>{"homeassistant"});

  // Both pdu2mqtt services run the image built from the Dockerfile.
  for (const char* name : {"pdu-sim", "pdu2mqtt"}) {
    ASSERT_TRUE(services[name].contains("build")) << name;
    auto& build = services[name]["build"];
    auto context = build.is_string() ? build.get<std::string>() : build.value("context", "");
    EXPECT_EQ(fs::weakly_canonical(repo_root() / context), fs::weakly_canonical(repo_root()))
        << name;
  }

  // The simulator listens on an unprivileged port (the image's user cannot bind 161).
  auto command = strings(services["pdu-sim"]["command"]);
  ASSERT_GE(command.size(), 3u);
  EXPECT_EQ(command[0], "simulate");
  auto listen = std::find(command.begin(), command.end(), "--listen");
  ASSERT_NE(listen, command.end());
  ASSERT_NE(listen + 1, command.end());
  auto port = std::stoi(listen[1].substr(listen[1].rfind(':') + 1));
  EXPECT_GT(port, 1023);
  // ... and has a healthcheck of its own: the image's checks the bridge.
  EXPECT_TRUE(services["pdu-sim"].contains("healthcheck"));

  auto& bridge = services["pdu2mqtt"];
  auto depends = strings(bridge["depends_on"]);
  EXPECT_NE(std::find(depends.begin(), depends.end(), "mosquitto"), depends.end());
  EXPECT_NE(std::find(depends.begin(), depends.end(), "pdu-sim"), depends.end());
  EXPECT_EQ(bridge["restart"], "unless-stopped");
  EXPECT_FALSE(bridge.contains("healthcheck")) << "the image's healthcheck applies";
  EXPECT_FALSE(bridge.contains("command")) << "the image's CMD (run) applies";
  auto env = environment_of(bridge);
  EXPECT_EQ(env["PDU2MQTT_MQTT_URL"], "${PDU2MQTT_MQTT_URL:-mqtt://mosquitto:1883}");
  EXPECT_EQ(env["PDU2MQTT_MQTT_USERNAME"], "${PDU2MQTT_MQTT_USERNAME:-}");
  EXPECT_EQ(env["PDU2MQTT_MQTT_PASSWORD"], "${PDU2MQTT_MQTT_PASSWORD:-}");
}

TEST(compose, every_bind_mount_source_exists_and_config_lands_where_the_image_reads_it) {
  auto services = compose_yaml()["services"];
  int binds = 0;
  std::string bridge_config_source;
  for (auto& [name, service] : services.items()) {
    for (auto& volume : strings(service.value("volumes", json::array()))) {
      auto source = volume.substr(0, volume.find(':'));
      if (!source.starts_with(".") && !source.starts_with("/")) continue;  // a named volume
      ++binds;
      EXPECT_TRUE(fs::exists(repo_root() / source)) << name << ": " << volume;
      auto rest = volume.substr(volume.find(':') + 1);
      auto target = rest.substr(0, rest.find(':'));
      if (name == "pdu2mqtt" && target == "/config/pdu2mqtt.json") {
        bridge_config_source = source;
        EXPECT_TRUE(rest.ends_with(":ro")) << volume;
      }
      if (name == "mosquitto") {
        EXPECT_EQ(target, "/mosquitto/config/mosquitto.conf") << volume;
      }
    }
  }
  EXPECT_GE(binds, 2);
  // /config/pdu2mqtt.json is the Dockerfile's PDU2MQTT_CONFIG.
  EXPECT_EQ(bridge_config_source, "./config/pdu2mqtt.compose.json");
  EXPECT_NE(read_text(repo_root() / "Dockerfile").find("PDU2MQTT_CONFIG=/config/pdu2mqtt.json"),
            std::string::npos);

  auto mosquitto = read_text(repo_root() / "docker" / "mosquitto" / "mosquitto.conf");
  EXPECT_TRUE(std::regex_search(mosquitto, std::regex("(^|\n)listener 1883\\s")));
  EXPECT_TRUE(std::regex_search(mosquitto, std::regex("(^|\n)allow_anonymous true\\s")));
  EXPECT_TRUE(std::regex_search(mosquitto, std::regex("(^|\n)persistence true\\s")));
}

TEST(compose, environment_overrides_the_broker_url) {
  auto compose = compose_command();
  if (!compose) GTEST_SKIP() << "neither `docker compose` nor docker-compose is installed";
  auto resolved_env = [&](const environment& env) {
    auto result = run_compose(*compose, {"config"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    return environment_of(yaml_to_json(result.stdout_text)["services"]["pdu2mqtt"]);
  };
  auto defaults = resolved_env({});
  EXPECT_EQ(defaults["PDU2MQTT_MQTT_URL"], "mqtt://mosquitto:1883");
  EXPECT_EQ(defaults["PDU2MQTT_MQTT_USERNAME"], "");
  auto custom = resolved_env({{"PDU2MQTT_MQTT_URL", "mqtts://broker.example:8883"},
                              {"PDU2MQTT_MQTT_USERNAME", "bridge"},
                              {"PDU2MQTT_MQTT_PASSWORD", "s3cret"}});
  EXPECT_EQ(custom["PDU2MQTT_MQTT_URL"], "mqtts://broker.example:8883");
  EXPECT_EQ(custom["PDU2MQTT_MQTT_USERNAME"], "bridge");
  EXPECT_EQ(custom["PDU2MQTT_MQTT_PASSWORD"], "s3cret");
}

TEST(compose, bridge_config_points_at_the_compose_services) {
  // The comments are // lines; strip them for the JSON parser.
  auto text = read_text(repo_root() / "config" / "pdu2mqtt.compose.json");
  auto config = json::parse(std::regex_replace(text, std::regex("(^|\n)\\s*//[^\n]*"), "$1"));
  auto services = compose_yaml()["services"];

  auto url = config["mqtt"]["url"].get<std::string>();
  EXPECT_EQ(url, "mqtt://mosquitto:1883");
  ASSERT_EQ(config["pdus"].size(), 1u);
  auto& pdu = config["pdus"][0];
  EXPECT_TRUE(services.contains(pdu["host"].get<std::string>())) << pdu["host"];
  auto command = strings(services[pdu["host"].get<std::string>()]["command"]);
  auto listen = std::find(command.begin(), command.end(), "--listen");
  ASSERT_NE(listen, command.end());
  ASSERT_NE(listen + 1, command.end());
  EXPECT_EQ(listen[1], "0.0.0.0:" + std::to_string(pdu["port"].get<int>()));
}

class shipped_config : public ::testing::TestWithParam<const char*> {};

TEST_P(shipped_config, passes_check_config) {
  auto file = repo_root() / "config" / GetParam();
  auto result = run_command({PDU2MQTT_BINARY, "check-config", file.string()}, 30s);
  EXPECT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
  auto summary = result.stdout_text;
  EXPECT_FALSE(summary.empty());
  EXPECT_LE(std::count(summary.begin(), summary.end(), '\n'), 1) << summary;
}

INSTANTIATE_TEST_SUITE_P(configs, shipped_config,
                         ::testing::Values("pdu2mqtt.compose.json", "pdu2mqtt.example.json",
                                           "pdu2mqtt.demo.json"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name = name.substr(9, name.size() - 9 - 5);  // pdu2mqtt.X.json
                           return name;
                         });

TEST(compose, check_config_rejects_a_broken_copy_of_the_compose_config) {
  // The other half of passes_check_config: the command does look at the file.
  auto text = read_text(repo_root() / "config" / "pdu2mqtt.compose.json");
  auto broken = std::regex_replace(text, std::regex("\"port\": 1161"), "\"port\": \"x\"");
  ASSERT_NE(broken, text);
  temp_dir dir;
  auto file = dir.write_file("pdu2mqtt.json", broken);
  auto result = run_command({PDU2MQTT_BINARY, "check-config", file.string()}, 30s);
  EXPECT_EQ(result.exit_code, 2) << result.stdout_text << result.stderr_text;
  EXPECT_NE((result.stdout_text + result.stderr_text).find("pdus[0].port"), std::string::npos)
      << result.stdout_text << result.stderr_text;
}

}  // namespace
}  // namespace pdu2mqtt::test::packaging
