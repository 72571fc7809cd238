// Samples, /proc readings and table printing for the benchmarks (see measure.hpp).
#include "measure.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace pdu2mqtt::bench {

double samples::percentile(double p) const {
  if (us_.empty()) return 0;
  auto sorted = us_;
  std::sort(sorted.begin(), sorted.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json samples::to_json() const {
  if (us_.empty()) return {{"n", 0}};
  const auto [lo, hi] = std::minmax_element(us_.begin(), us_.end());
  return {{"n", us_.size()},
          {"median_us", median()},
          {"p99_us", p99()},
          {"min_us", *lo},
          {"max_us", *hi}};
}

process_usage read_usage(pid_t pid) {
  process_usage u;
  {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const auto close = text.rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields(text.substr(close + 2));
      std::vector<std::string> f;
      for (std::string s; fields >> s;)
        f.push_back(s);
      // utime and stime are fields 14 and 15 of stat(5): 12 and 13 counted from field 3.
      if (f.size() > 13) {
        const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        u.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      }
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    std::istringstream in(line);
    std::string key;
    std::uint64_t value = 0;
    in >> key >> value;
    if (key == "VmRSS:") u.rss_kb = value;
    if (key == "VmHWM:") u.peak_rss_kb = value;
    if (key == "Threads:") u.threads = static_cast<int>(value);
  }
  return u;
}

std::string format_us(double us) {
  if (us >= 10'000) return fmt::format("{:.0f} ms", us / 1000);
  if (us >= 1000) return fmt::format("{:.2f} ms", us / 1000);
  return fmt::format("{:.0f} us", us);
}

table::table(std::vector<std::pair<std::string, int>> columns) : columns_(std::move(columns)) {
  std::string header;
  std::string rule;
  for (const auto& [title, width] : columns_) {
    header += fmt::format("{:<{}} ", title, width);
    rule += std::string(static_cast<std::size_t>(width), '-') + " ";
  }
  std::cout << header << "\n" << rule << std::endl;
}

void table::row(const std::vector<std::string>& cells) const {
  std::string line;
  for (std::size_t i = 0; i < cells.size() && i < columns_.size(); ++i) {
    line += fmt::format("{:<{}} ", cells[i], columns_[i].second);
  }
  std::cout << line << std::endl;
}

std::string ratio_text(double ratio, double goal, bool goal_is_max) {
  const bool met = goal_is_max ? ratio <= goal : ratio >= goal;
  return fmt::format("{:.1f}x (goal {} {}x: {})", ratio, goal_is_max ? "<=" : ">=", goal,
                     met ? "met" : "MISSED");
}

nlohmann::json machine_info() {
  std::string cpu = "unknown";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  return {{"cpu", cpu},
          {"cores", std::thread::hardware_concurrency()},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"compiler", fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__)}};
}

}  // namespace pdu2mqtt::bench
