// The web page in a real browser: headless Chromium driven by Playwright
// (tests/browser/scenarios.mjs) against `pdu2mqtt run` with its page on, Mosquitto and
// simulated PDUs, all real processes. Each test runs one scenario; the scenario asserts what
// the page shows and what the PDU did (net-snmp's snmpget/snmpset against the simulator).
// Playwright and Chromium come from scripts/setup: missing, they fail in CI and skip elsewhere.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/web_client.hpp"

namespace pdu2mqtt::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path scenarios = fs::path(PDU2MQTT_FIXTURES).parent_path() / "browser" / "scenarios.mjs";

fs::path playwright_dir() {
  if (const char* d = std::getenv("PDU2MQTT_PLAYWRIGHT_DIR"); d != nullptr && *d != '\0') return d;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/root") / ".cache" / "pdu2mqtt" / "playwright";
}

// Empty when the browser tests can run; else what is missing.
std::string missing_tools() {
  std::error_code ec;
  if (!fs::exists(playwright_dir() / "node_modules" / "playwright-core", ec)) {
    return "playwright-core in " + playwright_dir().string();
  }
  if (::access("/usr/bin/chromium", X_OK) != 0) return "/usr/bin/chromium";
  auto node = run_command({"node", "--version"}, 20s);
  if (node.exit_code != 0) return "node";
  return "";
}

class browser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto missing = missing_tools(); !missing.empty()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") {
        FAIL() << "missing " << missing << " (scripts/setup installs it)";
      }
      GTEST_SKIP() << "missing " << missing << " (run scripts/setup)";
    }
    pdu = std::make_unique<simulator_fixture>(std::vector<std::string>{
        "--outlets", "8", "--apply-delay-ms", "200", "--serial", "SIMBROWSER01", "--name", "Rack A",
        "--outlet-current-a", "0.7", "--model", metered_model()});
    const auto config = config_builder(broker.port())
                            .pdu(pdu_builder("rack-a", pdu->port())
                                     .name("Rack A")
                                     .snmp_timing(300, 1)
                                     .poll_interval_ms(500)
                                     .offline_after_failures(2)
                                     .protected_outlets({1}))
                            .http(http_section())
                            .write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", config.string()});
    ASSERT_TRUE(bridge.wait_for_output("web page on http://", 30s)) << bridge.output();
    port = web_port_from_log(bridge.output());
    ASSERT_NE(port, 0) << bridge.output();
    ASSERT_TRUE(bridge.wait_for_output("[rack-a] PDU is online", 15s)) << bridge.output();
  }

  virtual nlohmann::json http_section() const { return {{"listen", "127.0.0.1:0"}}; }
  virtual std::string metered_model() const { return "metered"; }

  // Runs one scenario; its output is the failure message.
  void run_scenario(const std::string& name, environment extra = {}) {
    environment env = {
        {"PDU2MQTT_WEB_URL", "http://127.0.0.1:" + std::to_string(port) + "/"},
        {"PDU2MQTT_PDU_ID", "rack-a"},
        {"PDU2MQTT_SIM_ENDPOINT", pdu->endpoint()},
        {"PDU2MQTT_SIM_PID", std::to_string(pdu->process().pid())},
        {"PDU2MQTT_OUTLETS", "8"},
        {"PDU2MQTT_PROTECTED_OUTLET", "1"},
        {"PDU2MQTT_PLAYWRIGHT_DIR", playwright_dir().string()},
    };
    env.insert(env.end(), extra.begin(), extra.end());
    auto r = run_command({"node", scenarios.string(), name}, 90s, env);
    EXPECT_EQ(r.exit_code, 0) << "scenario " << name << (r.timed_out ? " timed out" : " failed")
                              << ":\n"
                              << r.stdout_text << r.stderr_text << "\n--- bridge ---\n"
                              << bridge.output();
  }

  mosquitto_fixture broker;
  std::unique_ptr<simulator_fixture> pdu;
  temp_dir dir;
  child_process bridge;
  std::uint16_t port = 0;
};

TEST_F(browser, the_page_lists_the_pdus_outlets_as_the_pdu_reports_them) {
  run_scenario("lists_outlets");
}

TEST_F(browser, a_click_switches_an_outlet_and_the_lamp_follows_the_pdu) {
  run_scenario("click_switches");
}

TEST_F(browser, a_protected_outlet_is_locked_and_cannot_be_switched_off) {
  run_scenario("protected_locked");
}

TEST_F(browser, an_outage_shows_the_pdu_offline_then_back) {
  run_scenario("outage_offline");
}

TEST_F(browser, the_connect_form_probes_a_pdu_and_adds_it_to_the_bridge) {
  simulator_fixture second({"--outlets", "4", "--name", "Rack B", "--serial", "SIMBROWSER02"});
  run_scenario("connect_form",
               {{"PDU2MQTT_SECOND_SIM_ENDPOINT", second.endpoint()},
                {"PDU2MQTT_DEAD_ENDPOINT", "127.0.0.1:" + std::to_string(free_udp_port())}});
}

TEST_F(browser, an_outlet_named_like_markup_is_shown_as_text) {
  run_scenario("hostile_names");
}

class browser_read_only : public browser {
 protected:
  nlohmann::json http_section() const override {
    dir.write_file("web.pw", "browser-pass-1\n");
    return {{"listen", "127.0.0.1:0"},
            {"read_only", true},
            {"username", "viewer"},
            {"password_file", (dir.path() / "web.pw").string()}};
  }
};

TEST_F(browser_read_only, a_read_only_page_behind_a_password_shows_but_switches_nothing) {
  run_scenario("read_only",
               {{"PDU2MQTT_WEB_USER", "viewer"}, {"PDU2MQTT_WEB_PASSWORD", "browser-pass-1"}});
}

}  // namespace
}  // namespace pdu2mqtt::test
