// The benchmark sections. Each starts its own peers on loopback, prints its table as it
// goes and returns its figures as JSON for BENCHMARKS.md and the plot.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace pdu2mqtt::bench {

struct settings {
  bool quick = false;
  int polls = 1000;      // per fast method (pdu2mqtt, the raw UDP floor)
  int slow_polls = 100;  // per slow method (one GET per OID, pysnmp)
  int commands = 200;    // per apply delay
  std::vector<int> scale_pdus = {10, 100, 1000};
  std::vector<int> scale_varbinds = {10, 52};  // max_varbinds: 11 and 2 requests a poll
  int scale_seconds = 60;
  int footprint_seconds = 60;
  std::filesystem::path bench_dir;  // for pysnmp_poll.py
};

nlohmann::json poll_latency(const settings& s);
nlohmann::json command_latency(const settings& s);
nlohmann::json scale(const settings& s);
nlohmann::json footprint(const settings& s);
nlohmann::json web_latency(const settings& s);
nlohmann::json bursts(const settings& s);

}  // namespace pdu2mqtt::bench
