// What every benchmark section shares: latency samples and their percentiles, a process's CPU
// time and memory from /proc, the results table and the JSON record of a run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pdu2mqtt::bench {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Latencies in microseconds; percentiles by nearest rank.
class samples {
 public:
  void add(clock::duration d) {
    us_.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  void add_us(double us) { us_.push_back(us); }
  void merge(const samples& other) { us_.insert(us_.end(), other.us_.begin(), other.us_.end()); }
  std::size_t size() const noexcept { return us_.size(); }
  double percentile(double p) const;  // 0..100, microseconds; 0 when empty
  double median() const { return percentile(50); }
  double p99() const { return percentile(99); }
  nlohmann::json to_json() const;  // {"n", "median_us", "p99_us", "min_us", "max_us"}

 private:
  std::vector<double> us_;
};

// A process's cumulative CPU time (user + system) and memory, from /proc/<pid>.
struct process_usage {
  double cpu_seconds = 0;
  std::uint64_t rss_kb = 0;
  std::uint64_t peak_rss_kb = 0;  // VmHWM
  int threads = 0;
};
process_usage read_usage(pid_t pid);

// "1.23 ms", "456 us": latencies as a human reads them.
std::string format_us(double us);

// A fixed-width text table, printed as it is filled so a long run shows progress.
class table {
 public:
  explicit table(std::vector<std::pair<std::string, int>> columns);  // title, width
  void row(const std::vector<std::string>& cells) const;

 private:
  std::vector<std::pair<std::string, int>> columns_;
};

// "ratio 12.3x (goal >= 20x: MISSED)": a ratio against a baseline, with its goal.
std::string ratio_text(double ratio, double goal, bool goal_is_max);

// CPU model, cores, kernel, compiler: printed with the results and stored in the JSON.
nlohmann::json machine_info();

}  // namespace pdu2mqtt::bench
