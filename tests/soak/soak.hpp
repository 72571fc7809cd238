// The soak: a real Mosquitto, the simulated PDU and `pdu2mqtt run`, one random command a
// second, the broker and the PDU killed or stopped at random moments, and a check that no
// command is lost and no wrong state is published. Not part of the default test suite
// (ctest label `soak`); `scripts/soak` runs it by hand.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace pdu2mqtt::soak {

struct options {
  double minutes = 60;
  std::uint64_t seed = 0;
  int outlets = 8;
  std::string binary;
  std::filesystem::path report = "soak-report.json";
  std::string bridge_log_level = "debug";
};

// What each count in the report means; printed by --help and written into the report.
extern const std::string_view definitions;

// Runs the whole soak, prints the table, writes the report and the logs next to it.
// Returns the process exit status: 0 pass, 1 fail, 2 could not set up.
int run_soak(const options& o);

}  // namespace pdu2mqtt::soak
