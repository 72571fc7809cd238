// The pdu2mqtt command line: each subcommand registers itself on the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace pdu2mqtt::app {

// Subcommand registration; the callback of each throws CLI::RuntimeError(exit_code) on failure.
void add_probe_command(CLI::App& app);
void add_outlet_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_check_config_command(CLI::App& app);
void add_health_command(CLI::App& app);

// Parses argv, runs the chosen subcommand, returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace pdu2mqtt::app
