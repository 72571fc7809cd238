// The pdu2mqtt command line: global options, logging to stderr, subcommand dispatch, and the
// mapping of failures to exit codes.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/app/logging.hpp"
#include "pdu2mqtt/version.hpp"

namespace pdu2mqtt::app {
namespace {

// spdlog's own names ("warning", "error"), plus the short "warn" that from_str also accepts.
const std::vector<std::string> spdlog_level_names{"trace",   "debug", "info",     "warn",
                                                  "warning", "error", "critical", "off"};

}  // namespace

int run_cli(int argc, char** argv) {
  spdlog::set_level(spdlog::level::info);
  log_to_stderr(log_format::text);

  CLI::App app{
      "Bridges CyberPower switched/metered PDUs (SNMP) to MQTT, with Home Assistant discovery.",
      "pdu2mqtt"};
  app.set_version_flag("--version", std::string("pdu2mqtt ") + version_string);
  app.set_help_all_flag("--help-all", "Print help for every subcommand and exit");
  // Global options may also follow the subcommand: `pdu2mqtt probe HOST --log-level debug`.
  app.fallthrough();
  app.add_option("--log-level", "Log verbosity on stderr (default info)")
      ->check(CLI::IsMember(spdlog_level_names))
      ->envname("PDU2MQTT_LOG_LEVEL")
      // Option callbacks run before the subcommand's callback, so the level is in force for
      // all of the command's work.
      ->each([](const std::string& name) { spdlog::set_level(spdlog::level::from_str(name)); });
  std::vector<std::string> log_formats;
  for (const auto& [name, format] : log_format_names)
    log_formats.emplace_back(name);
  app.add_option("--log-format", "Log lines as text (default) or json, one object per line")
      ->check(CLI::IsMember(log_formats))
      ->envname("PDU2MQTT_LOG_FORMAT")
      ->each([](const std::string& name) {
        log_to_stderr(value_named(log_format_names, name).value_or(log_format::text));
      });
  app.add_flag_callback(
      "--print-config-example",
      [] {
        std::cout << example_config();
        throw CLI::Success();
      },
      "Print a commented example configuration (every key, its default) and exit");

  add_run_command(app);
  add_probe_command(app);
  add_outlet_command(app);
  add_simulate_command(app);
  add_check_config_command(app);
  add_health_command(app);
  app.require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {
    // Parse errors, --help and --version are printed the CLI11 way; CLI::RuntimeError from a
    // subcommand (which has logged why) is silent and just carries the exit code.
    return app.exit(e);
  } catch (const std::exception& e) {
    // Startup failures are exceptions: they end the process with one line of log and status 1.
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}

}  // namespace pdu2mqtt::app
