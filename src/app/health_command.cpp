// `pdu2mqtt health`: exit 0 when the running bridge is connected to the broker, 1 when not.
// Made for Docker's HEALTHCHECK and monitoring scripts; it reads the file `run --status-file`
// keeps, so it never touches the broker or a PDU itself.
#include <CLI/CLI.hpp>
#include <iostream>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/app/status_file.hpp"

namespace pdu2mqtt::app {

void add_health_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "health", "Exit 0 if the running bridge is connected to the MQTT broker, 1 if not");
  auto status_path = std::make_shared<std::string>();
  auto max_age_s = std::make_shared<int>(static_cast<int>(default_status_max_age.count()));
  cmd->add_option("--status-file", *status_path, "the file given to `run --status-file`")
      ->envname("PDU2MQTT_STATUS_FILE");
  cmd->add_option("--max-age-s", *max_age_s,
                  "a status older than this means the bridge is stuck or stopped")
      ->check(CLI::Range(15, 3600))
      ->capture_default_str();
  cmd->callback([status_path, max_age_s] {
    if (status_path->empty()) {
      std::cerr << "pdu2mqtt health: no status file: pass --status-file or set "
                   "PDU2MQTT_STATUS_FILE (the same as for `run`)\n";
      throw CLI::RuntimeError(2);
    }
    const auto verdict = check_status_file(*status_path, std::chrono::system_clock::now(),
                                           std::chrono::seconds(*max_age_s));
    std::cout << (verdict.healthy ? "healthy: " : "unhealthy: ") << verdict.summary << "\n";
    if (!verdict.healthy) throw CLI::RuntimeError(1);
  });
}

}  // namespace pdu2mqtt::app
