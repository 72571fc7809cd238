// pdu2mqtt_soak: command line of the soak (see soak.hpp).
#include <CLI/CLI.hpp>
#include <random>

#include "soak.hpp"

int main(int argc, char** argv) {
  pdu2mqtt::soak::options o;
  o.binary = PDU2MQTT_BINARY;
  o.seed = std::random_device{}();
  CLI::App app{
      "pdu2mqtt_soak: Mosquitto + simulated PDU + `pdu2mqtt run`, one random command a second,\n"
      "the broker and the PDU randomly killed or stopped and restarted on the same port.\n"
      "Exit status 0 only if lost == 0, wrong states == 0, the bridge is alive at the end and\n"
      "exits 0 on SIGTERM; 1 if not; 2 if the soak could not be set up."};
  app.footer(std::string(pdu2mqtt::soak::definitions));
  app.add_option("--minutes", o.minutes, "How long commands are sent, in minutes")
      ->check(CLI::Range(0.1, 100000.0))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Random seed (commands and faults); default: a random one");
  app.add_option("--outlets", o.outlets, "Outlets of the simulated PDU")
      ->check(CLI::Range(1, 96))
      ->capture_default_str();
  app.add_option("--binary", o.binary, "The pdu2mqtt binary (bridge and simulator)")
      ->check(CLI::ExistingFile)
      ->capture_default_str();
  app.add_option("--report", o.report,
                 "JSON report; the logs go next to it (REPORT minus .json, plus .log, "
                 ".bridge.log, .mosquitto.log, .simulator.log)")
      ->capture_default_str();
  app.add_option("--bridge-log-level", o.bridge_log_level, "log_level of the bridge under test")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return pdu2mqtt::soak::run_soak(o);
}
