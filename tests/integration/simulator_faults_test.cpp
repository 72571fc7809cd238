// The simulator's fault knobs (`pdu2mqtt simulate` options and the private OIDs under
// .1.3.6.1.4.1.99999.2), driven from another process with net-snmp's tools, the way the
// bridge's fault-tolerance tests use them: late answers, lost requests, withheld and refused
// SETs, switched on and off while the simulator keeps running.
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <thread>

#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

namespace cp = cyberpower;
namespace sim_oids = sim::test_oids;

const std::string sys_descr = oid_text(cp::system::descr);

bool timed_out(const command_result& r) {
  return r.exit_code != 0 && all_output(r).find("Timeout") != std::string::npos;
}

std::string reason(const command_result& r) {
  static const std::regex line(R"(Reason: ([^\n]*))");
  std::smatch m;
  const auto text = all_output(r);
  return std::regex_search(text, m, line) ? m[1].str() : "(no reason in: " + text + ")";
}

// A GET or SET with its own timeout (seconds, as net-snmp takes it) and retries; the time
// it took, process start included, in elapsed.
struct timed_result {
  command_result result;
  std::chrono::milliseconds elapsed{};
};

class simulator_faults_test : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    args.insert(args.end(), {"--apply-delay-ms", "0"});
    sim_.emplace(std::move(args));
  }
  std::string endpoint() const { return sim_->endpoint(); }

  timed_result get(const std::string& oid, const std::string& timeout_s, int retries) {
    return tool("snmpget", "public",
                {"-t", timeout_s, "-r", std::to_string(retries), endpoint(), oid});
  }
  timed_result set(const std::string& oid, const std::string& value, const std::string& timeout_s,
                   int retries) {
    return tool("snmpset", "private",
                {"-t", timeout_s, "-r", std::to_string(retries), endpoint(), oid, "i", value});
  }
  // Turns a knob; knob SETs are never faulted, so this must always be answered at once.
  void knob(const snmp::oid& oid, const std::string& value) {
    const auto r = set(oid_text(oid), value, "2", 0);
    ASSERT_EQ(r.result.exit_code, 0) << all_output(r.result) << sim_->process().output();
  }
  std::string read(const std::string& oid) { return snmp_get_value(endpoint(), "public", oid); }
  std::string read(const snmp::oid& oid) { return read(oid_text(oid)); }

  // Polls an outlet's state until it reads want or 5 s pass.
  std::string wait_for_state(int outlet, const std::string& want) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::string state;
    while (std::chrono::steady_clock::now() < deadline) {
      state = read(oid_at(cp::outlet::state, outlet));
      if (state == want) break;
      std::this_thread::sleep_for(50ms);
    }
    return state;
  }

  std::optional<simulator_fixture> sim_;

 private:
  timed_result tool(const char* name, const char* community, std::vector<std::string> args) {
    const auto started = std::chrono::steady_clock::now();
    timed_result out;
    out.result = net_snmp_tool(name, community, std::move(args));
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return out;
  }
};

TEST_F(simulator_faults_test, response_delay_makes_answers_late_but_never_the_knobs) {
  start({"--response-delay-ms", "700"});
  EXPECT_EQ(read(sim_oids::response_delay_ms), "700");

  const auto slow = get(sys_descr, "5", 0);
  ASSERT_EQ(slow.result.exit_code, 0) << all_output(slow.result);
  EXPECT_GE(slow.elapsed, 700ms);
  // A manager that gives up before the delay sees a timeout.
  EXPECT_TRUE(timed_out(get(sys_descr, "0.2", 0).result));

  knob(sim_oids::response_delay_ms, "0");
  const auto fast = get(sys_descr, "2", 0);
  ASSERT_EQ(fast.result.exit_code, 0) << all_output(fast.result);
  EXPECT_EQ(read(sim_oids::responses_delayed), "2") << "the last GET was not held back";
}

TEST_F(simulator_faults_test, response_delay_set_at_run_time_takes_effect) {
  start();
  EXPECT_EQ(get(sys_descr, "2", 0).result.exit_code, 0);
  knob(sim_oids::response_delay_ms, "800");
  EXPECT_EQ(read(sim_oids::response_delay_ms), "800");
  const auto slow = get(oid_at(cp::outlet::state, 1), "5", 0);
  ASSERT_EQ(slow.result.exit_code, 0) << all_output(slow.result);
  EXPECT_GE(slow.elapsed, 800ms);
  // A SET is applied at once and answered late.
  const auto off = set(oid_at(cp::outlet::command, 2), "2", "5", 0);
  ASSERT_EQ(off.result.exit_code, 0) << all_output(off.result);
  EXPECT_GE(off.elapsed, 800ms);
  knob(sim_oids::response_delay_ms, "0");
  EXPECT_EQ(read(oid_at(cp::outlet::state, 2)), "2");
}

TEST_F(simulator_faults_test, drop_percent_100_loses_every_request_but_the_knobs_still_answer) {
  start();
  knob(sim_oids::drop_percent, "100");
  EXPECT_EQ(read(sim_oids::drop_percent), "100");
  EXPECT_TRUE(timed_out(get(sys_descr, "0.3", 1).result));
  // A lost SET is not applied.
  EXPECT_TRUE(timed_out(set(oid_at(cp::outlet::command, 1), "2", "0.3", 0).result));
  EXPECT_EQ(read(sim_oids::requests_lost), "3");

  knob(sim_oids::drop_percent, "0");
  const auto again = get(sys_descr, "1", 0);
  ASSERT_EQ(again.result.exit_code, 0) << all_output(again.result);
  EXPECT_NE(again.result.stdout_text.find("CPS Power Distributed Unit"), std::string::npos);
  EXPECT_EQ(read(oid_at(cp::outlet::state, 1)), "1");
  EXPECT_EQ(read(sim_oids::sets_accepted), "2") << "the two knob SETs only";
  // Received counts the lost ones: 3 lost, 2 knob SETs, 1 GET and 5 reads, this one included.
  EXPECT_EQ(read(sim_oids::requests_received), "11");
  EXPECT_EQ(read(sim_oids::requests_lost), "3");
}

TEST_F(simulator_faults_test, a_seeded_drop_percent_is_covered_by_retries) {
  start({"--drop-percent", "40", "--seed", "2024"});
  EXPECT_EQ(read(sim_oids::drop_percent), "40");
  EXPECT_EQ(read(sim_oids::drop_seed), "2024");
  for (int i = 1; i <= 8; ++i) {
    const auto r = get(oid_at(cp::outlet::state, i), "0.3", 8);
    EXPECT_EQ(r.result.exit_code, 0) << "outlet " << i << ": " << all_output(r.result);
  }
  const auto lost = std::stoi(read(sim_oids::requests_lost));
  EXPECT_GT(lost, 0) << "40 % of at least 8 requests";
}

TEST_F(simulator_faults_test, drop_next_loses_exactly_the_next_requests) {
  start({"--drop-next", "2"});
  EXPECT_EQ(read(sim_oids::drop_next), "2") << "the counter reads are exempt and do not count down";
  // Two attempts lost, the third answered.
  const auto r = get(sys_descr, "1", 2);
  ASSERT_EQ(r.result.exit_code, 0) << all_output(r.result);
  EXPECT_EQ(read(sim_oids::drop_next), "0");
  EXPECT_EQ(read(sim_oids::requests_lost), "2");
  knob(sim_oids::drop_next, "1");
  EXPECT_TRUE(timed_out(get(sys_descr, "0.3", 0).result));
  EXPECT_EQ(get(sys_descr, "1", 0).result.exit_code, 0);
}

TEST_F(simulator_faults_test, drop_set_responses_applies_the_set_but_never_answers) {
  start({"--drop-set-responses"});
  EXPECT_EQ(read(sim_oids::drop_set_responses), "1");
  EXPECT_TRUE(timed_out(set(oid_at(cp::outlet::command, 3), "2", "0.5", 0).result));
  EXPECT_EQ(wait_for_state(3, "2"), "2") << "the SET was applied";
  EXPECT_EQ(read(sim_oids::set_responses_dropped), "1");
  EXPECT_EQ(read(sim_oids::sets_accepted), "1");
  EXPECT_EQ(get(oid_at(cp::outlet::state, 3), "1", 0).result.exit_code, 0) << "GETs are answered";

  knob(sim_oids::drop_set_responses, "0");
  const auto on = set(oid_at(cp::outlet::command, 3), "1", "1", 0);
  ASSERT_EQ(on.result.exit_code, 0) << all_output(on.result);
  EXPECT_EQ(wait_for_state(3, "1"), "1");

  knob(sim_oids::drop_set_responses, "1");
  EXPECT_TRUE(timed_out(set(oid_at(cp::outlet::command, 4), "2", "0.5", 0).result));
  EXPECT_EQ(wait_for_state(4, "2"), "2");
  EXPECT_EQ(read(sim_oids::set_responses_dropped), "2");
}

TEST_F(simulator_faults_test, fail_sets_with_refuses_outlet_commands) {
  start({"--fail-sets-with", "genErr"});
  EXPECT_EQ(read(sim_oids::fail_sets_with), "5");
  auto r = set(oid_at(cp::outlet::command, 1), "2", "1", 0);
  EXPECT_NE(r.result.exit_code, 0);
  EXPECT_EQ(reason(r.result), "(genError) A general failure occured");  // net-snmp's spelling
  knob(sim_oids::fail_sets_with, "13");
  r = set(oid_at(cp::outlet::command, 1), "2", "1", 0);
  EXPECT_NE(r.result.exit_code, 0);
  EXPECT_NE(reason(r.result).find("resourceUnavailable"), std::string::npos) << reason(r.result);
  EXPECT_EQ(read(oid_at(cp::outlet::state, 1)), "1");
  EXPECT_EQ(read(sim_oids::sets_failed), "2");

  knob(sim_oids::fail_sets_with, "0");
  r = set(oid_at(cp::outlet::command, 1), "2", "1", 0);
  ASSERT_EQ(r.result.exit_code, 0) << all_output(r.result);
  EXPECT_EQ(wait_for_state(1, "2"), "2");
}

TEST_F(simulator_faults_test, knob_sets_are_checked_like_any_other) {
  start();
  const auto fast = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"-r", "0", "-t", "1"});
    return args;
  };
  auto r = net_snmp_tool("snmpset", "private",
                         fast({endpoint(), oid_text(sim_oids::drop_percent), "i", "101"}));
  EXPECT_EQ(reason(r), "wrongValue (The set value is illegal or unsupported in some way)");
  r = net_snmp_tool("snmpset", "private",
                    fast({endpoint(), oid_text(sim_oids::drop_percent), "s", "50"}));
  EXPECT_EQ(reason(r),
            "wrongType (The set datatype does not match the data type the agent expects)");
  r = net_snmp_tool("snmpset", "public",
                    fast({endpoint(), oid_text(sim_oids::drop_percent), "i", "50"}));
  EXPECT_EQ(reason(r), "noAccess");
  r = net_snmp_tool("snmpset", "private",
                    fast({endpoint(), oid_text(sim_oids::requests_lost), "i", "5"}));
  EXPECT_EQ(reason(r), "notWritable (That object does not support modification)");
  EXPECT_EQ(read(sim_oids::drop_percent), "0");
  // Every knob reads back what was written, in one multi-varbind SET.
  r = net_snmp_tool(
      "snmpset", "private",
      fast({endpoint(), oid_text(sim_oids::response_delay_ms), "i", "1",
            oid_text(sim_oids::drop_percent), "i", "2", oid_text(sim_oids::drop_set_responses), "i",
            "1", oid_text(sim_oids::drop_seed), "i", "4", oid_text(sim_oids::fail_sets_with), "i",
            "5", oid_text(sim_oids::drop_next), "i", "6"}));
  ASSERT_EQ(r.exit_code, 0) << all_output(r);
  r = net_snmp_tool(
      "snmpget", "public",
      {"-Oqv", endpoint(), oid_text(sim_oids::response_delay_ms), oid_text(sim_oids::drop_percent),
       oid_text(sim_oids::drop_set_responses), oid_text(sim_oids::drop_seed),
       oid_text(sim_oids::fail_sets_with), oid_text(sim_oids::drop_next)});
  EXPECT_EQ(r.stdout_text, "1\n2\n1\n4\n5\n6\n");
}

TEST(simulator_faults_cli, help_documents_every_knob) {
  const auto r = run_command({PDU2MQTT_BINARY, "simulate", "--help"}, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  for (const std::string& text : std::vector<std::string>{
           "--response-delay-ms", "--drop-percent", "--seed", "--drop-set-responses",
           "--fail-sets-with", "--drop-next", oid_text(sim_oids::response_delay_ms),
           oid_text(sim_oids::drop_percent), oid_text(sim_oids::drop_set_responses),
           oid_text(sim_oids::drop_seed), oid_text(sim_oids::fail_sets_with),
           oid_text(sim_oids::drop_next), "snmpset -v2c -c private"}) {
    EXPECT_NE(r.stdout_text.find(text), std::string::npos) << text << " in:\n" << r.stdout_text;
  }
}

TEST(simulator_faults_cli, bad_fault_options_are_refused) {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--drop-percent", "101"},
                                              {"--response-delay-ms", "-5"},
                                              {"--fail-sets-with", "bogus"},
                                              {"--fail-sets-with", "19"},
                                              {"--seed", "2147483648"},
                                              {"--drop-next", "x"}}) {
    std::vector<std::string> argv{PDU2MQTT_BINARY, "simulate", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    const auto r = run_command(argv, 10s);
    EXPECT_FALSE(r.timed_out) << describe(argv) << " started serving";
    EXPECT_NE(r.exit_code, 0) << describe(argv);
    EXPECT_NE(r.stderr_text.find(bad[0]), std::string::npos) << describe(argv) << ":\n"
                                                             << r.stderr_text;
  }
}

}  // namespace
}  // namespace pdu2mqtt::test
