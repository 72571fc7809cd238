// The one-shot CLI end to end: `pdu2mqtt probe` and `pdu2mqtt outlet` as real processes
// against the simulated PDU (and against nobody, for the failure messages).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/oid_text.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

namespace sim_oids = sim::test_oids;

command_result pdu2mqtt_cli(std::vector<std::string> args,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  args.insert(args.begin(), PDU2MQTT_BINARY);
  return run_command(std::move(args), timeout);
}

std::string outlet_state(const simulator_fixture& sim, int outlet) {
  return snmp_get_value(sim.endpoint(), "public", oid_at(cyberpower::outlet::state, outlet));
}

TEST(cli, version_and_help) {
  auto version = pdu2mqtt_cli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.stdout_text.find("pdu2mqtt "), std::string::npos) << version.stdout_text;
  auto help = pdu2mqtt_cli({"probe", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.stdout_text.find("--community"), std::string::npos) << help.stdout_text;
}

TEST(cli, probe_prints_a_table_of_the_simulated_pdu) {
  simulator_fixture sim({"--outlets", "8", "--banks", "2"});
  auto got = pdu2mqtt_cli({"probe", sim.endpoint()});
  ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
  EXPECT_NE(got.stdout_text.find("outlets    8, banks 2"), std::string::npos) << got.stdout_text;
  EXPECT_NE(got.stdout_text.find("ON"), std::string::npos) << got.stdout_text;
}

TEST(cli, probe_json_has_every_outlet_and_bank) {
  simulator_fixture sim({"--outlets", "24", "--banks", "2"});
  auto got = pdu2mqtt_cli({"probe", sim.endpoint(), "--json"});
  ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
  auto json = nlohmann::json::parse(got.stdout_text);
  EXPECT_EQ(json["outlet_count"], 24);
  ASSERT_EQ(json["outlets"].size(), 24u);
  ASSERT_EQ(json["banks"].size(), 2u);
  EXPECT_EQ(json["identity"]["sys_descr"], "CPS Power Distributed Unit");
  EXPECT_FALSE(json["identity"]["serial"].get<std::string>().empty());
  for (const auto& o : json["outlets"])
    EXPECT_EQ(o["state"], "ON");
}

// --count: one process, independent PDUs (their own names and outlet states) on their own ports.
TEST(cli, simulate_count_serves_independent_pdus_on_their_own_ports) {
  child_process sim({PDU2MQTT_BINARY, "simulate", "--listen", "127.0.0.1:0", "--count", "3",
                     "--apply-delay-ms", "0"});
  ASSERT_TRUE(sim.wait_for_output("(8 outlets, 2 banks)\n", 20s)) << sim.output();
  std::vector<std::string> endpoints;
  for (int i = 0; i < 100 && endpoints.size() < 3; ++i) {
    endpoints.clear();
    std::istringstream lines(sim.stdout_text());
    for (std::string line; std::getline(lines, line);) {
      const auto at = line.find("on udp ");
      if (at != std::string::npos)
        endpoints.push_back(line.substr(at + 7, line.find(' ', at + 7) - at - 7));
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(endpoints.size(), 3u) << sim.output();
  EXPECT_EQ(std::set<std::string>(endpoints.begin(), endpoints.end()).size(), 3u);
  EXPECT_EQ(snmp_get_value(endpoints[0], "public", oid_text(cyberpower::system::name)),
            "\"pdu2mqtt-sim\"");
  EXPECT_EQ(snmp_get_value(endpoints[2], "public", oid_text(cyberpower::system::name)),
            "\"pdu2mqtt-sim-3\"");
  auto off = pdu2mqtt_cli({"outlet", endpoints[1], "3", "off"});
  ASSERT_EQ(off.exit_code, 0) << off.stderr_text;
  const std::string state = oid_at(cyberpower::outlet::state, 3);
  EXPECT_EQ(snmp_get_value(endpoints[1], "public", state), "2");
  EXPECT_EQ(snmp_get_value(endpoints[0], "public", state), "1");
  EXPECT_EQ(snmp_get_value(endpoints[2], "public", state), "1");
}

TEST(cli, simulate_count_past_the_last_port_is_refused) {
  auto got = pdu2mqtt_cli({"simulate", "--listen", "127.0.0.1:65530", "--count", "10"});
  EXPECT_EQ(got.exit_code, 1);
  EXPECT_NE(got.stderr_text.find("would go past port 65535"), std::string::npos) << got.stderr_text;
}

TEST(cli, outlet_off_then_on_is_confirmed_by_reading_back) {
  simulator_fixture sim({"--apply-delay-ms", "200"});
  auto off = pdu2mqtt_cli({"outlet", sim.endpoint(), "3", "off"});
  ASSERT_EQ(off.exit_code, 0) << off.stderr_text;
  EXPECT_NE(off.stdout_text.find("outlet 3 is OFF (confirmed in"), std::string::npos)
      << off.stdout_text;
  EXPECT_EQ(outlet_state(sim, 3), "2");
  auto on = pdu2mqtt_cli({"outlet", sim.endpoint(), "3", "ON"});
  ASSERT_EQ(on.exit_code, 0) << on.stderr_text;
  EXPECT_EQ(outlet_state(sim, 3), "1");
}

TEST(cli, outlet_delayed_off_is_reported_pending_and_cancel_clears_it) {
  simulator_fixture sim;
  auto delayed = pdu2mqtt_cli({"outlet", sim.endpoint(), "4", "delayoff"});
  ASSERT_EQ(delayed.exit_code, 0) << delayed.stderr_text;
  EXPECT_NE(delayed.stdout_text.find("delayoff is pending on the PDU"), std::string::npos)
      << delayed.stdout_text;
  auto cancel = pdu2mqtt_cli({"outlet", sim.endpoint(), "4", "cancel"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.stderr_text;
  EXPECT_NE(cancel.stdout_text.find("nothing pending"), std::string::npos) << cancel.stdout_text;
  EXPECT_EQ(outlet_state(sim, 4), "1");
}

TEST(cli, probe_lists_every_reading_it_detected) {
  simulator_fixture sim;
  auto got = pdu2mqtt_cli({"probe", sim.endpoint()});
  ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
  for (const char* line : {"detected", "input/voltage", "total/energy", "bank/1/power"}) {
    EXPECT_NE(got.stdout_text.find(line), std::string::npos) << line << "\n" << got.stdout_text;
  }
  auto json_out = pdu2mqtt_cli({"probe", sim.endpoint(), "--json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.stderr_text;
  auto j = nlohmann::json::parse(json_out.stdout_text);
  EXPECT_GT(j["capabilities"]["metrics"].get<int>(), 0);
  EXPECT_TRUE(j["input"].contains("voltage")) << j.dump();
}

TEST(cli, outlet_reboot_waits_for_off_and_on) {
  simulator_fixture sim({"--apply-delay-ms", "100", "--reboot-off-ms", "500"});
  auto got = pdu2mqtt_cli({"outlet", sim.endpoint(), "2", "reboot"});
  ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
  EXPECT_NE(got.stdout_text.find("outlet 2 is ON"), std::string::npos) << got.stdout_text;
}

TEST(cli, outlet_that_does_not_exist_is_refused_before_any_set) {
  simulator_fixture sim({"--outlets", "8"});
  auto got = pdu2mqtt_cli({"outlet", sim.endpoint(), "9", "off"});
  EXPECT_EQ(got.exit_code, 2);
  EXPECT_NE(got.stderr_text.find("no such outlet 9"), std::string::npos) << got.stderr_text;
  EXPECT_EQ(snmp_get_value(sim.endpoint(), "public", oid_text(sim_oids::sets_received)), "0")
      << "no SET may reach the PDU";
}

TEST(cli, outlet_with_the_read_community_says_so) {
  simulator_fixture sim;
  auto got = pdu2mqtt_cli({"outlet", sim.endpoint(), "1", "off", "--community", "public"});
  EXPECT_NE(got.exit_code, 0);
  EXPECT_NE(got.stderr_text.find("write community"), std::string::npos) << got.stderr_text;
  EXPECT_EQ(outlet_state(sim, 1), "1");
}

TEST(cli, unreachable_pdu_fails_with_a_timeout_message) {
  const auto port = std::to_string(free_udp_port());
  auto got = pdu2mqtt_cli({"probe", "127.0.0.1:" + port, "--timeout-ms", "100", "--retries", "1"});
  EXPECT_EQ(got.exit_code, 1);
  EXPECT_NE(got.stderr_text.find("no response"), std::string::npos) << got.stderr_text;
  auto bad = pdu2mqtt_cli({"probe", "127.0.0.1:99999"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.stderr_text.find("port"), std::string::npos) << bad.stderr_text;
}

}  // namespace
}  // namespace pdu2mqtt::test
