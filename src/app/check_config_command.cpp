// `pdu2mqtt check-config FILE`: validates a configuration the way `run` would (environment
// overrides included) without connecting to anything. Exit 0 valid, 2 invalid.
#include <CLI/CLI.hpp>
#include <iostream>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/app/config.hpp"

namespace pdu2mqtt::app {

namespace {

std::string summary(const bridge_config& c) {
  // The broker as host:port, never the URL: it may carry credentials.
  std::string text = "broker " + c.mqtt.broker.host + ":" + std::to_string(c.mqtt.broker.port) +
                     (c.mqtt.broker.tls ? " (TLS)" : "") + ", " + std::to_string(c.pdus.size()) +
                     " PDU(s):";
  for (const auto& p : c.pdus) {
    text += " " + p.id + " (" + p.host + ":" + std::to_string(p.port) +
            (p.read_only ? ", read-only" : "") + ")";
  }
  return text;
}

}  // namespace

void add_check_config_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check-config",
                                 "Validate a configuration file without starting the bridge");
  auto path = std::make_shared<std::string>();
  auto print = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "configuration file (JSON, comments allowed)")->required();
  cmd->add_flag("--print", *print,
                "also print the effective configuration (defaults filled in, secrets masked)");
  cmd->callback([path, print] {
    auto config = load_config_file(*path, process_environment());
    if (!config) {
      std::cerr << "pdu2mqtt: " << config.err().detail << "\n";
      throw CLI::RuntimeError(2);
    }
    std::cout << *path << ": ok: " << summary(*config) << "\n";
    if (*print) std::cout << redacted_json(*config).dump(2) << "\n";
  });
}

}  // namespace pdu2mqtt::app
