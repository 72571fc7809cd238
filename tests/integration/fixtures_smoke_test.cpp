// Proves the test harness itself: child processes and ports behave, and every peer fixture
// (snmpd, snmpsimd, mosquitto, our simulator) starts and answers. A broken fixture fails here,
// loudly, instead of as a mystery timeout in some other suite.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "support/mosquitto_fixture.hpp"
#include "support/oid_text.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"
#include "support/snmpsim_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

const std::string sys_descr_oid = oid_text(cyberpower::system::descr);
const std::string sys_name_oid = oid_text(cyberpower::system::name);

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Dead means gone, or a zombie waiting for init: either way it runs no more.
bool process_is_dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto after_name = line.rfind(')');
  return after_name != std::string::npos && line.size() > after_name + 2 &&
         (line[after_name + 2] == 'Z' || line[after_name + 2] == 'X');
}

bool becomes_dead(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!process_is_dead(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

auto elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(process_support, free_ports_are_bindable_on_loopback) {
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    const std::uint16_t port = type == SOCK_DGRAM ? free_udp_port() : free_tcp_port();
    ASSERT_NE(port, 0);
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0)
        << "port " << port;
    ::close(fd);
  }
}

TEST(process_support, run_command_captures_both_streams_and_exit_code) {
  const auto result = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.stdout_text, "out\n");
  EXPECT_EQ(result.stderr_text, "err\n");
}

TEST(process_support, extra_environment_reaches_the_child) {
  const auto result =
      run_command({"sh", "-c", "echo \"$PDU2MQTT_PROBE\""}, 10s, {{"PDU2MQTT_PROBE", "42"}});
  EXPECT_EQ(result.stdout_text, "42\n");
}

TEST(process_support, run_command_kills_a_tool_that_overruns_its_timeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = run_command({"sleep", "30"}, 200ms);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, 128 + SIGTERM);
  EXPECT_LT(elapsed_since(start), 5s);
}

TEST(process_support, a_missing_program_throws_instead_of_failing_later) {
  EXPECT_THROW(child_process({"pdu2mqtt-no-such-program"}), std::runtime_error);
  EXPECT_THROW(child_process({"/nonexistent/program"}), std::runtime_error);
}

TEST(process_support, stop_escalates_to_sigkill_and_takes_the_group_along) {
  // The shell ignores SIGTERM; its background sleep is a grandchild that must not survive.
  child_process child({"sh", "-c",
                       "trap '' TERM; sleep 30 & echo \"sleeper $!\"; "
                       "while :; do sleep 0.05; done"});
  ASSERT_TRUE(child.wait_for_output("sleeper ", 10s)) << child.output();
  const std::string out = child.stdout_text();
  const pid_t sleeper = std::stoi(out.substr(out.find("sleeper ") + 8));

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(child.stop(300ms), 128 + SIGKILL);
  EXPECT_LT(elapsed_since(start), 5s);
  EXPECT_FALSE(child.running());
  EXPECT_TRUE(becomes_dead(sleeper, 5s)) << "grandchild " << sleeper << " survived";
}

TEST(process_support, wait_for_output_gives_up_as_soon_as_the_child_exits) {
  child_process child({"sh", "-c", "echo something else"});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(child.wait_for_output("listening on", 20s));
  EXPECT_LT(elapsed_since(start), 5s);
  EXPECT_EQ(child.exit_code(), 0);
  EXPECT_EQ(child.stdout_text(), "something else\n");
}

TEST(process_support, wait_reports_exit_and_times_out_while_running) {
  child_process child({"sleep", "30"});
  EXPECT_FALSE(child.wait(50ms).has_value());
  EXPECT_TRUE(child.running());
  child.signal(SIGKILL);
  EXPECT_EQ(child.wait(5s), 128 + SIGKILL);
}

TEST(process_support, children_die_with_the_test_process) {
  // A copy of this process starts a child and dies without any cleanup (_exit): the child
  // must be killed by PR_SET_PDEATHSIG, not left running for the rest of the CI job.
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t copy = ::fork();
  ASSERT_GE(copy, 0);
  if (copy == 0) {
    ::close(report[0]);
    try {
      child_process* leaked = new child_process({"sleep", "30"});
      const pid_t pid = leaked->pid();
      if (::write(report[1], &pid, sizeof pid) < 0) ::_exit(2);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t sleeper = -1;
  const auto received = ::read(report[0], &sleeper, sizeof sleeper);
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(copy, &status, 0), copy);
  ASSERT_EQ(received, static_cast<ssize_t>(sizeof sleeper));
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(becomes_dead(sleeper, 5s)) << "child " << sleeper << " outlived its parent";
}

TEST(snmpd_fixture, answers_gets_with_the_configured_values) {
  snmpd_fixture snmpd;
  EXPECT_EQ(snmp_get_value(snmpd.endpoint(), snmpd.read_community, sys_descr_oid),
            quoted(snmpd.sys_descr));
  EXPECT_EQ(snmp_get_value(snmpd.endpoint(), snmpd.read_community, sys_name_oid),
            quoted(snmpd.sys_name));
}

TEST(snmpd_fixture, accepts_sets_with_the_write_community_only) {
  snmpd_fixture snmpd;
  const auto set = net_snmp_tool("snmpset", snmpd.write_community,
                                 {snmpd.endpoint(), std::string(snmpd.writable_oid), "s", "ops"});
  ASSERT_EQ(set.exit_code, 0) << set.stderr_text;
  EXPECT_EQ(snmp_get_value(snmpd.endpoint(), snmpd.read_community, snmpd.writable_oid),
            quoted("ops"));

  const auto read_only =
      net_snmp_tool("snmpset", snmpd.read_community,
                    {snmpd.endpoint(), std::string(snmpd.writable_oid), "s", "x"});
  EXPECT_NE(read_only.exit_code, 0);
  EXPECT_NE(read_only.stderr_text.find("noAccess"), std::string::npos) << read_only.stderr_text;

  // Values fixed in snmpd.conf are not writable: tests relying on them stay deterministic.
  const auto fixed =
      net_snmp_tool("snmpset", snmpd.write_community, {snmpd.endpoint(), sys_name_oid, "s", "x"});
  EXPECT_NE(fixed.exit_code, 0);
  EXPECT_NE(fixed.stderr_text.find("notWritable"), std::string::npos) << fixed.stderr_text;
}

TEST(snmpsim_fixture, replays_the_pdu44005_recording) {
  snmpsim_fixture snmpsim;
  EXPECT_EQ(snmpsim.community(), "PDU44005");
  EXPECT_EQ(snmp_get_value(snmpsim.endpoint(), snmpsim.community(), sys_descr_oid),
            quoted("CPS Power Distributed Unit"));
  // Unknown communities are ignored, as by real agents.
  const auto wrong = net_snmp_tool("snmpget", "public",
                                   {"-t", "0.5", "-r", "0", snmpsim.endpoint(), sys_descr_oid});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.stderr_text.find("Timeout"), std::string::npos) << wrong.stderr_text;
}

// The broker logs "Sending SUBACK to <id>" once the subscriber is in place, so the publish
// cannot race the subscription (mosquitto_sub's own -d output sits in its stdio buffer).
void expect_round_trip(mosquitto_fixture& broker, const std::string& topic,
                       const std::string& payload) {
  const std::string port = std::to_string(broker.port());
  const std::string id = "smoke-" + std::to_string(std::hash<std::string>{}(topic));
  child_process subscriber({"mosquitto_sub", "-i", id, "-h", broker.host(), "-p", port, "-t", topic,
                            "-C", "1", "-W", "20"});
  ASSERT_TRUE(broker.process().wait_for_output("Sending SUBACK to " + id, 10s))
      << broker.process().output() << subscriber.output();
  const auto publish = run_command(
      {"mosquitto_pub", "-h", broker.host(), "-p", port, "-t", topic, "-m", payload}, 10s);
  ASSERT_EQ(publish.exit_code, 0) << publish.stderr_text;
  ASSERT_EQ(subscriber.wait(15s), 0) << subscriber.output();
  EXPECT_EQ(subscriber.stdout_text(), payload + "\n");
}

TEST(mosquitto_fixture, carries_a_message_from_publisher_to_subscriber) {
  mosquitto_fixture broker;
  expect_round_trip(broker, "pdu2mqtt/smoke", "hello");
}

TEST(mosquitto_fixture, restarts_on_the_same_port_while_a_client_is_connected) {
  mosquitto_fixture broker;
  const std::uint16_t port = broker.port();
  // A connected client at shutdown leaves the broker's side in TIME_WAIT: the restart must
  // still bind (mosquitto sets SO_REUSEADDR).
  child_process idle({"mosquitto_sub", "-i", "smoke-idle", "-h", broker.host(), "-p",
                      std::to_string(port), "-t", "pdu2mqtt/idle"});
  ASSERT_TRUE(broker.process().wait_for_output("Sending SUBACK to smoke-idle", 10s))
      << broker.process().output();
  broker.restart();
  EXPECT_EQ(broker.port(), port);
  expect_round_trip(broker, "pdu2mqtt/after-restart", "again");

  broker.process().signal(SIGKILL);
  EXPECT_EQ(broker.process().wait(5s), 128 + SIGKILL);
  broker.start();
  expect_round_trip(broker, "pdu2mqtt/after-crash", "back");
}

TEST(simulator_fixture, reports_its_port_and_answers_snmp) {
  simulator_fixture simulator;
  EXPECT_NE(simulator.port(), 0);
  const auto get =
      net_snmp_tool("snmpget", "public", {"-Oqv", simulator.endpoint(), sys_descr_oid});
  EXPECT_EQ(get.exit_code, 0) << get.stderr_text << simulator.process().output();
  EXPECT_FALSE(get.stdout_text.empty());
}

}  // namespace
}  // namespace pdu2mqtt::test
