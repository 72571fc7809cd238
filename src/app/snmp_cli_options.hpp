// SNMP connection options shared by the one-shot subcommands (probe, outlet).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::app {

struct snmp_cli_options {
  std::string host;  // HOST[:PORT], IPv6 as [addr]:port
  std::string community;
  std::string version = "2c";
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
