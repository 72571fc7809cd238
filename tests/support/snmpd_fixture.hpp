// net-snmp as a test peer: `snmpd` on a free loopback UDP port with a generated config, and
// the command-line tools (snmpget, snmpset, snmpwalk...) run with a quiet, fixed setup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/snmp/usm.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::test {

// Runs a net-snmp tool: `tool -v2c -c community -t 1 -r 2 args...` where args holds further
// options, then the agent ("127.0.0.1:PORT"), then OIDs (and values). No MIBs are loaded
// and no snmp.conf is read, so output is the same on every machine ("iso.3.6.1...", or
// use -On / -Oqv), and the tools keep their state in a temp dir instead of /var/lib/snmp.
command_result net_snmp_tool(std::string_view tool, std::string_view community,
                             std::vector<std::string> args,
                             std::chrono::milliseconds timeout = 15s);

// The value of one OID as `snmpget -Oqv` prints it (strings in double quotes); throws
// std::runtime_error with the tool's output if the get fails.
std::string snmp_get_value(std::string_view endpoint, std::string_view community,
                           std::string_view oid);

// Polls until an SNMP agent answers a get of sysDescr.0 or the process ends or timeout.
bool wait_for_snmp_agent(child_process& agent, std::string_view endpoint,
                         std::string_view community, std::chrono::milliseconds timeout);

// SNMPv3 users (`createUser` + `rwuser` at the user's level, RFC 3414 USM) and persistence.
struct snmpd_options {
  std::vector<std::string> extra_config;  // more snmpd.conf lines
  std::vector<snmp::v3::user> v3_users;   // read-write, context "" (net-snmp's spellings)
  // Read the persistent dir back at start (engineID, engineBoots, users), so restart() is a
  // reboot as RFC 3414 2.2.2 sees it: the same engine ID, engineBoots one higher. Without
  // it, snmpd runs with -C (only our config file) and every start is a new engine.
  bool persistent = false;
};

// net-snmp's tools (snmpget ...) with SNMPv3 arguments for a user instead of -v2c -c.
command_result net_snmp_v3_tool(std::string_view tool, const snmp::v3::user& user,
                                std::vector<std::string> args,
                                std::chrono::milliseconds timeout = 15s);

// snmpd -f on 127.0.0.1:<free port>, config, persistent state and logs in a temp dir.
//   Known values: sysDescr, sysName and sysLocation below (set in the config, so read-only:
//   a SET answers notWritable). sysContact is deliberately left out of the config so it
//   stays writable via SNMP with the write community (initial value: net-snmp's default).
class snmpd_fixture {
 public:
  static constexpr std::string_view read_community = "public";
  static constexpr std::string_view write_community = "private";
  static constexpr std::string_view sys_descr = "pdu2mqtt test peer (net-snmp snmpd)";
  static constexpr std::string_view sys_name = "pdu2mqtt-test-peer";
  static constexpr std::string_view sys_location = "loopback test rack";
  static constexpr std::string_view writable_oid = "1.3.6.1.2.1.1.4.0";  // sysContact.0

  // extra_config: more snmpd.conf lines (e.g. `extend`, `pass`) for a test's needs.
  // Throws std::runtime_error with snmpd's output if it does not answer within 15 s.
  explicit snmpd_fixture(const std::vector<std::string>& extra_config = {});
  explicit snmpd_fixture(const snmpd_options& options);

  // Stops snmpd (SIGTERM: it saves its persistent state) and starts it again on the same
  // port with the same config and dir. Throws like the constructor if it does not answer.
  void restart();

  std::uint16_t port() const noexcept { return port_; }
  std::string endpoint() const;  // "127.0.0.1:PORT", as net-snmp tools and our client take it
  child_process& process() noexcept { return process_; }
  const temp_dir& dir() const noexcept { return dir_; }

 private:
  void start(bool new_port);

  temp_dir dir_;
  snmpd_options options_;
  std::uint16_t port_ = 0;
  child_process process_;
};

}  // namespace pdu2mqtt::test
