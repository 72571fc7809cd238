// SNMP connection options shared by the one-shot subcommands (probe, outlet).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::app {

inline constexpr std::string_view env_snmp_auth_password = "PDU2MQTT_SNMP_AUTH_PASSWORD";
inline constexpr std::string_view env_snmp_priv_password = "PDU2MQTT_SNMP_PRIV_PASSWORD";

// An SNMPv3 user on the command line (probe, outlet, simulate). Pass phrases only from files or
// the environment (PDU2MQTT_SNMP_AUTH_PASSWORD, PDU2MQTT_SNMP_PRIV_PASSWORD): a flag's value is
// readable by anyone in /proc/<pid>/cmdline.
struct v3_cli_options {
  std::string user;
  std::string auth_protocol = "none";
  std::string auth_password_file;
  std::string priv_protocol = "none";
  std::string priv_password_file;
  std::string context;

  // user_flag: "-u,--user" for the clients, "--v3-user" for the simulator.
  void add_to(CLI::App& cmd, const std::string& user_flag);
  // The user, or a message naming the option that is wrong. The file beats the environment.
  result<snmp::v3::user> make_user() const;
};

struct snmp_cli_options {
  std::string host;  // HOST[:PORT], IPv6 as [addr]:port
  std::string community;
  std::string version = "2c";
  v3_cli_options v3;
  int timeout_ms = 1000;
  int retries = 2;
  int max_varbinds = 10;

  // Registers the options on cmd; default_community differs between read and write commands.
  void add_to(CLI::App& cmd, const std::string& default_community);
};

// "host", "host:port", "[v6]:port" → endpoint (resolving names); default port 161.
result<asio::ip::udp::endpoint> resolve_host_port(const std::string& text);

// A target from the options, or a message saying which option is wrong.
result<snmp::target> make_target(const snmp_cli_options& options);

}  // namespace pdu2mqtt::app
