// `pdu2mqtt simulate` as a real process driven by net-snmp's tools, and its error answers
// compared with what net-snmp's own snmpd says to the same requests.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

namespace cp = cyberpower;
namespace sim_oids = sim::test_oids;

const snmp::oid& outlet_state = cp::outlet::state;
const snmp::oid& outlet_command = cp::outlet::command;
const std::string sets_accepted = oid_text(sim_oids::sets_accepted);
const std::string sets_received = oid_text(sim_oids::sets_received);
// Served by no agent here: in the simulator's private subtree, but no counter and no knob.
const std::string unserved_oid = oid_text(sim_oids::subtree.child({5, 0}));

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

// The "Reason: ..." line net-snmp prints for an error-status.
std::string reason(const command_result& r) {
  static const std::regex line(R"(Reason: ([^\n]*))");
  std::smatch m;
  const auto text = all_output(r);
  return std::regex_search(text, m, line) ? m[1].str() : "(no reason in: " + text + ")";
}

class simulator_interop_test : public ::testing::Test {
 protected:
  // On 127.0.0.1:0; the fixture reads the real port from the "listening" line.
  simulator_fixture sim_{{"--apply-delay-ms", "200", "--reboot-off-ms", "300"}};
};

TEST_F(simulator_interop_test, get_many_varbinds_in_one_request) {
  std::vector<std::string> args{"-On",
                                sim_.endpoint(),
                                oid_text(cp::system::descr),
                                oid_text(cp::ident::model),
                                oid_text(cp::ident::serial),
                                oid_text(cp::ident::firmware_rev)};
  for (int o = 1; o <= 8; ++o)
    args.push_back(oid_at(outlet_state, o));
  const auto r = net_snmp_tool("snmpget", "public", args);
  ASSERT_EQ(r.exit_code, 0) << all_output(r);
  const auto& out = r.stdout_text;
  EXPECT_NE(out.find(oid_text(cp::system::descr) + " = STRING: \"CPS Power Distributed Unit\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(oid_text(cp::ident::model) + " = STRING: \"PDU41004\""), std::string::npos);
  EXPECT_NE(out.find(oid_text(cp::ident::serial) + " = STRING: \"SIM000000001\""),
            std::string::npos);
  EXPECT_NE(out.find(oid_text(cp::ident::firmware_rev) + " = STRING: \"1.3.2\""),
            std::string::npos);
  EXPECT_EQ(count_lines_starting(out, oid_text(outlet_state) + "."), 8u) << out;
  EXPECT_EQ(out.find("INTEGER: 2"), std::string::npos) << "all outlets start on:\n" << out;
}

TEST_F(simulator_interop_test, walks_agree_across_v1_v2c_and_bulk) {
  const auto v2c =
      net_snmp_tool("snmpwalk", "public", {"-On", sim_.endpoint(), oid_text(cp::enterprise)});
  ASSERT_EQ(v2c.exit_code, 0) << all_output(v2c);
  const auto v1 = net_snmp_tool("snmpwalk", "public",
                                {"-v1", "-On", sim_.endpoint(), oid_text(cp::enterprise)});
  ASSERT_EQ(v1.exit_code, 0) << all_output(v1);
  const auto bulk =
      net_snmp_tool("snmpbulkwalk", "public", {"-On", sim_.endpoint(), oid_text(cp::enterprise)});
  ASSERT_EQ(bulk.exit_code, 0) << all_output(bulk);

  EXPECT_EQ(count_lines_starting(v2c.stdout_text, oid_text(outlet_state) + "."), 8u);
  EXPECT_EQ(count_lines_starting(v2c.stdout_text,
                                 oid_text(cp::counts::controlled_outlets) + " = INTEGER: 8"),
            1u);
  EXPECT_EQ(count_lines_starting(v2c.stdout_text, oid_text(cp::bank::load) + "."), 2u);
  EXPECT_EQ(v1.stdout_text, v2c.stdout_text);
  EXPECT_EQ(bulk.stdout_text, v2c.stdout_text);
  EXPECT_EQ(v2c.stderr_text, "");
  EXPECT_EQ(bulk.stderr_text, "");
}

TEST_F(simulator_interop_test, set_off_then_the_state_follows_after_the_delay) {
  const auto set = net_snmp_tool("snmpset", "private",
                                 {"-On", sim_.endpoint(), oid_at(outlet_command, 3), "i", "2"});
  ASSERT_EQ(set.exit_code, 0) << all_output(set);
  EXPECT_NE(set.stdout_text.find(oid_at(outlet_command, 3) + " = INTEGER: 2"), std::string::npos);

  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string state;
  while (std::chrono::steady_clock::now() < deadline) {
    state = snmp_get_value(sim_.endpoint(), "public", oid_at(outlet_state, 3));
    if (state == "2") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(state, "2");
  EXPECT_EQ(snmp_get_value(sim_.endpoint(), "public", oid_at(outlet_state, 4)), "1");
  EXPECT_EQ(snmp_get_value(sim_.endpoint(), "public", sets_accepted), "1");
  EXPECT_TRUE(
      sim_.process().wait_for_output("SET outlet 3 command immediateOff (2) from 127.0.0.1:", 2s))
      << sim_.process().output();
}

TEST_F(simulator_interop_test, refused_sets_print_what_net_snmp_prints) {
  const auto fast = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"-r", "0", "-t", "1"});
    return args;
  };
  auto r = net_snmp_tool("snmpset", "public",
                         fast({sim_.endpoint(), oid_at(outlet_command, 1), "i", "2"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(reason(r), "noAccess");

  r = net_snmp_tool("snmpset", "public",
                    fast({"-v1", sim_.endpoint(), oid_at(outlet_command, 1), "i", "2"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(reason(r), "(noSuchName) There is no such variable name in this MIB.");

  r = net_snmp_tool("snmpset", "private",
                    fast({sim_.endpoint(), oid_at(outlet_command, 1), "i", "9"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(reason(r), "wrongValue (The set value is illegal or unsupported in some way)");

  r = net_snmp_tool("snmpset", "private",
                    fast({sim_.endpoint(), oid_at(outlet_command, 1), "s", "off"}));
  EXPECT_EQ(reason(r),
            "wrongType (The set datatype does not match the data type the agent expects)");

  r = net_snmp_tool("snmpset", "private",
                    fast({sim_.endpoint(), oid_at(outlet_state, 1), "i", "2"}));
  EXPECT_EQ(reason(r), "notWritable (That object does not support modification)");

  EXPECT_EQ(snmp_get_value(sim_.endpoint(), "public", sets_accepted), "0");
  EXPECT_EQ(snmp_get_value(sim_.endpoint(), "public", sets_received), "5");
  EXPECT_EQ(snmp_get_value(sim_.endpoint(), "public", oid_at(outlet_state, 1)), "1");
}

TEST_F(simulator_interop_test, more_than_twelve_varbinds_get_no_answer) {
  std::vector<std::string> args{"-r", "0", "-t", "1", sim_.endpoint()};
  for (int i = 0; i < 13; ++i)
    args.push_back(oid_at(outlet_state, 1));
  const auto r = net_snmp_tool("snmpget", "public", args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.stderr_text.find("Timeout: No Response from " + sim_.endpoint()), std::string::npos)
      << all_output(r);
  args.pop_back();
  EXPECT_EQ(net_snmp_tool("snmpget", "public", args).exit_code, 0);
}

TEST_F(simulator_interop_test, unknown_community_gets_no_answer) {
  const auto r = net_snmp_tool(
      "snmpget", "nope", {"-r", "0", "-t", "1", sim_.endpoint(), oid_text(cp::system::descr)});
  EXPECT_NE(r.stderr_text.find("Timeout"), std::string::npos) << all_output(r);
}

TEST_F(simulator_interop_test, sigterm_and_sigint_end_it_cleanly) {
  sim_.process().signal(SIGTERM);
  EXPECT_EQ(sim_.process().wait(5s), std::optional<int>(0)) << sim_.process().output();

  simulator_fixture other;
  other.process().signal(SIGINT);
  EXPECT_EQ(other.process().wait(5s), std::optional<int>(0)) << other.process().output();
}

TEST(simulator_command, a_busy_port_is_a_clear_error_and_exit_code_1) {
  simulator_fixture first;
  child_process second({PDU2MQTT_BINARY, "simulate", "--listen", first.endpoint()});
  EXPECT_EQ(second.wait(10s), std::optional<int>(1)) << second.output();
  EXPECT_NE(second.stderr_text().find("cannot listen on udp " + first.endpoint()),
            std::string::npos)
      << second.output();
}

// The same refused SETs against net-snmp's snmpd (rocommunity public, rwcommunity private):
// the simulator's answers above were chosen to match these.
TEST(net_snmp_reference, snmpd_answers_to_refused_sets) {
  snmpd_fixture snmpd;
  const std::string writable(snmpd_fixture::writable_oid);
  auto r = net_snmp_tool("snmpset", "public",
                         {"-r", "0", "-t", "1", snmpd.endpoint(), writable, "s", "x"});
  EXPECT_EQ(reason(r), "noAccess");
  r = net_snmp_tool("snmpset", "public",
                    {"-v1", "-r", "0", "-t", "1", snmpd.endpoint(), writable, "s", "x"});
  EXPECT_EQ(reason(r), "(noSuchName) There is no such variable name in this MIB.");
  // A SET on an OID the agent does not serve, with the write community.
  r = net_snmp_tool("snmpset", "private",
                    {"-r", "0", "-t", "1", snmpd.endpoint(), unserved_oid, "i", "1"});
  EXPECT_EQ(reason(r), "notWritable (That object does not support modification)");
  r = net_snmp_tool("snmpset", "private",
                    {"-v1", "-r", "0", "-t", "1", snmpd.endpoint(), unserved_oid, "i", "1"});
  EXPECT_EQ(reason(r), "(noSuchName) There is no such variable name in this MIB.");
}

TEST_F(simulator_interop_test, unknown_oid_set_answers_like_snmpd) {
  auto r = net_snmp_tool("snmpset", "private",
                         {"-r", "0", "-t", "1", sim_.endpoint(), unserved_oid, "i", "1"});
  EXPECT_EQ(reason(r), "notWritable (That object does not support modification)");
  r = net_snmp_tool("snmpset", "private",
                    {"-v1", "-r", "0", "-t", "1", sim_.endpoint(), unserved_oid, "i", "1"});
  EXPECT_EQ(reason(r), "(noSuchName) There is no such variable name in this MIB.");
}

// `--model ats` poses as the walk's PDU44005: net-snmp sees its ATS sources (whole volts, the
// firmware's quirk), its ENVIROSENSOR, and the NULL cells of the bank row.
TEST(simulator_models, ats_sources_and_sensor_as_net_snmp_sees_them) {
  simulator_fixture ats{{"--model", "ats"}};
  EXPECT_NE(ats.process().stdout_text().find("(10 outlets, 1 bank)\n"), std::string::npos)
      << ats.process().output();
  const auto walk =
      net_snmp_tool("snmpwalk", "public", {"-On", ats.endpoint(), oid_text(cp::epdu2.child(9))});
  ASSERT_EQ(walk.exit_code, 0) << all_output(walk);
  const auto& out = walk.stdout_text;
  EXPECT_NE(out.find(oid_text(cp::table_size::source) + " = INTEGER: 1\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find(oid_at(cp::source::selected, 1) + " = INTEGER: 1\n"), std::string::npos);
  EXPECT_NE(out.find(oid_at(cp::source::a_voltage, 1) + " = INTEGER: 217\n"), std::string::npos);
  EXPECT_NE(out.find(oid_at(cp::source::b_voltage, 1) + " = INTEGER: 222\n"), std::string::npos);
  EXPECT_NE(out.find(oid_at(cp::source::redundancy, 1) + " = INTEGER: 2\n"), std::string::npos);
  EXPECT_EQ(walk.stderr_text, "");

  EXPECT_EQ(snmp_get_value(ats.endpoint(), "public", oid_at(cp::envir::temperature, 1)), "2070");
  EXPECT_EQ(snmp_get_value(ats.endpoint(), "public", oid_text(cp::ident::model)), "\"PDU44005\"");
  EXPECT_EQ(snmp_get_value(ats.endpoint(), "public", oid_text(cp::input::voltage)), "2179");
  // ePDULoadStatus row 2 is bank 1: its apparent power is NULL, as on the real unit.
  const auto bank_va = net_snmp_tool(
      "snmpget", "public", {"-On", ats.endpoint(), oid_at(cp::load::status_apparent_power, 2)});
  ASSERT_EQ(bank_va.exit_code, 0) << all_output(bank_va);
  EXPECT_EQ(bank_va.stdout_text, oid_at(cp::load::status_apparent_power, 2) + " = NULL\n");

  // The knob takes input A away: the unit runs on B.
  const auto lose_a = net_snmp_tool(
      "snmpset", "private", {ats.endpoint(), oid_text(sim_oids::ats_source_a_lost), "i", "1"});
  ASSERT_EQ(lose_a.exit_code, 0) << all_output(lose_a);
  EXPECT_EQ(snmp_get_value(ats.endpoint(), "public", oid_at(cp::source::a_voltage, 1)), "0");
  EXPECT_EQ(snmp_get_value(ats.endpoint(), "public", oid_at(cp::source::selected, 1)), "2");
}

TEST(simulator_models, options_on_the_command_line_override_the_preset) {
  simulator_fixture metered{{"--model", "pdu81004", "--outlets", "4"}};
  EXPECT_NE(metered.process().stdout_text().find("(4 outlets, 2 banks)\n"), std::string::npos)
      << metered.process().output();
  EXPECT_EQ(snmp_get_value(metered.endpoint(), "public", oid_text(cp::ident::model)),
            "\"PDU81004\"");
  EXPECT_EQ(
      snmp_get_value(metered.endpoint(), "public", oid_text(cp::outlet_device::monitored_outlets)),
      "4");
  EXPECT_EQ(snmp_get_value(metered.endpoint(), "public", oid_at(cp::outlet_metered::number, 4)),
            "4");

  // A name that is no preset only names the model of a switched PDU, as before presets.
  simulator_fixture plain{{"--model", "PDU41001"}};
  EXPECT_NE(plain.process().stdout_text().find("(8 outlets, 2 banks)\n"), std::string::npos);
  EXPECT_EQ(snmp_get_value(plain.endpoint(), "public", oid_text(cp::ident::model)), "\"PDU41001\"");
  EXPECT_EQ(
      snmp_get_value(plain.endpoint(), "public", oid_text(cp::outlet_device::monitored_outlets)),
      "0");

  child_process too_few({PDU2MQTT_BINARY, "simulate", "--listen", "127.0.0.1:0", "--model",
                         "three-phase", "--outlets", "4"});
  // The preset's 6 banks do not fit on 4 outlets: a usage error (CLI11's validation status).
  const auto status = too_few.wait(10s);
  ASSERT_TRUE(status.has_value()) << too_few.output();
  EXPECT_NE(*status, 0);
  EXPECT_NE(too_few.stderr_text().find("--banks: cannot exceed --outlets (4 for PDU3PH-SIM)"),
            std::string::npos)
      << too_few.output();
}

}  // namespace
}  // namespace pdu2mqtt::test
