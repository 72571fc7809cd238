// `pdu2mqtt run --config FILE`: the daemon. One io_context, one thread; SIGINT/SIGTERM stop
// it cleanly (offline published, broker disconnected) within about two seconds.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "pdu2mqtt/app/bridge.hpp"
#include "pdu2mqtt/app/commands.hpp"

namespace pdu2mqtt::app {

namespace {

spdlog::level::level_enum spdlog_level(log_level l) {
  switch (l) {
    case log_level::trace:
      return spdlog::level::trace;
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      return spdlog::level::err;
    case log_level::off:
      break;
  }
  return spdlog::level::off;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run the bridge: PDUs over SNMP <-> MQTT");
  auto config_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "configuration file (JSON, comments allowed)")
      ->required();
  cmd->callback([config_path, &app] {
    auto config = load_config_file(*config_path, process_environment());
    if (!config) {
      std::cerr << "pdu2mqtt: " << config.err().detail << "\n";
      throw CLI::RuntimeError(2);
    }
    // --log-level on the command line wins over the file.
    if (app.get_option("--log-level")->count() == 0) {
      spdlog::set_level(spdlog_level(config->logging.level));
    }
    asio::io_context io;
    auto b = bridge::create(io.get_executor(), std::move(*config));
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int signal_number) {
      if (ec) return;
      spdlog::info("signal {} received; stopping", signal_number);
      b->stop();
      io.stop();
    });
    b->start();
    io.run();
  });
}

}  // namespace pdu2mqtt::app
