// `pdu2mqtt run --config FILE`: the daemon. One io_context, one thread; SIGINT/SIGTERM stop
// it cleanly (offline published, broker disconnected) within about two seconds.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>

#include "memory_trimmer.hpp"
#include "pdu2mqtt/app/bridge.hpp"
#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/app/logging.hpp"
#include "pdu2mqtt/app/status_file.hpp"
#include "web_face.hpp"

namespace pdu2mqtt::app {

namespace {

// Keeps the status file current: on every change, and every status_heartbeat so that `health`
// can tell a live bridge from a hung one. Runs on the bridge's thread.
class status_writer {
 public:
  status_writer(asio::io_context& io, std::filesystem::path path, std::shared_ptr<bridge> b)
      : path_(std::move(path)), bridge_(std::move(b)), timer_(io) {}

  void start() {
    bridge_->on_status_change([this] { write(); });
    tick();
  }

  void stop() {
    timer_.cancel();
    // A stopped bridge is not healthy: no file is the clearest way to say so.
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

 private:
  void write() {
    auto written =
        write_status_file(path_, status_json(bridge_->status(), std::chrono::system_clock::now()));
    // Logged once per failure streak: a full disk must not flood the log every 10 s.
    if (!written && !failing_) spdlog::error("{}", written.err().detail);
    failing_ = !written;
  }

  void tick() {
    write();
    timer_.expires_after(status_heartbeat);
    timer_.async_wait([this](std::error_code ec) {
      if (!ec) tick();
    });
  }

  std::filesystem::path path_;
  std::shared_ptr<bridge> bridge_;
  asio::steady_timer timer_;
  bool failing_ = false;
};

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run the bridge: PDUs over SNMP <-> MQTT");
  auto config_path = std::make_shared<std::string>();
  auto status_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "configuration file (JSON, comments allowed)")
      ->envname("PDU2MQTT_CONFIG")
      ->required();
  cmd->add_option("--status-file", *status_path,
                  "keep the bridge's health in this file, for `pdu2mqtt health`")
      ->envname("PDU2MQTT_STATUS_FILE");
  cmd->callback([config_path, status_path, &app] {
    auto config = load_config_file(*config_path, process_environment());
    if (!config) {
      std::cerr << "pdu2mqtt: " << config.err().detail << "\n";
      throw CLI::RuntimeError(2);
    }
    // The command line (and its environment variables) win over the file, also on reload.
    auto apply_logging = [&app](const logging_config& logging) {
      if (app.get_option("--log-format")->count() == 0) log_to_stderr(logging.format);
      if (app.get_option("--log-level")->count() == 0) set_log_level(logging.level);
    };
    apply_logging(config->logging);

    asio::io_context io;
    const http_config http = config->http;
    auto b = bridge::create(io.get_executor(), std::move(*config));
    std::optional<web_face> web;
    if (http.enabled) web.emplace(io.get_executor(), b, http);
    std::optional<status_writer> status;
    if (!status_path->empty()) status.emplace(io, *status_path, b);
    memory_trimmer trimmer(io);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::signal_set hangup(io, SIGHUP);
    signals.async_wait([&](std::error_code ec, int signal_number) {
      if (ec) return;
      spdlog::info("signal {} received; stopping", signal_number);
      hangup.cancel();
      trimmer.stop();
      if (status) status->stop();
      if (web) web->stop();
      b->stop();
      io.stop();
    });
    // SIGHUP (systemctl reload, docker kill -s HUP): read the file again and apply the PDU
    // changes; a file that no longer validates is reported and the running setup kept.
    std::function<void()> wait_for_hangup = [&] {
      hangup.async_wait([&](std::error_code ec, int) {
        if (ec) return;
        spdlog::info("SIGHUP: reloading {}", *config_path);
        auto next = load_config_file(*config_path, process_environment());
        if (!next) {
          spdlog::error("reload failed, keeping the running configuration: {}", next.err().detail);
        } else {
          apply_logging(next->logging);
          if (next->http != http) {
            spdlog::warn("reload: the http section changed; restart pdu2mqtt to apply it");
          }
          b->reload(std::move(*next));
        }
        wait_for_hangup();
      });
    };
    wait_for_hangup();
    b->start();
    if (web) {
      // Asked for and not available is an error at start, like a wrong config key: a page
      // that silently is not there would be found out only when it is needed.
      if (auto port = web->start(); !port) {
        spdlog::error("web page: {}", port.err().detail);
        b->stop();
        throw CLI::RuntimeError(1);
      }
    }
    if (status) status->start();
    trimmer.start();
    io.run();
  });
}

}  // namespace pdu2mqtt::app
