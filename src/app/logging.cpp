// Logger setup and the JSON line formatter.
#include "pdu2mqtt/app/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace pdu2mqtt::app {

namespace {

// ISO 8601 in UTC with milliseconds: sorts as text and needs no time-zone knowledge to read.
std::string utc_timestamp(spdlog::log_clock::time_point t) {
  using namespace std::chrono;
  const auto since_epoch = t.time_since_epoch();
  const auto secs = duration_cast<seconds>(since_epoch);
  const auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm parts{};
  gmtime_r(&tt, &parts);
  char text[40];
  const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

// Our levels as spdlog numbers them (its "critical" has no name in the config).
constexpr std::pair<log_level, spdlog::level::level_enum> spdlog_levels[] = {
    {log_level::trace, spdlog::level::trace}, {log_level::debug, spdlog::level::debug},
    {log_level::info, spdlog::level::info},   {log_level::warn, spdlog::level::warn},
    {log_level::error, spdlog::level::err},   {log_level::off, spdlog::level::off}};

// Our names ("warn", not spdlog's "warning"): log shippers expect them.
std::string level_name(spdlog::level::level_enum l) {
  if (l == spdlog::level::critical) return "critical";
  for (const auto& [ours, theirs] : spdlog_levels) {
    if (theirs == l) return std::string(to_string(ours));
  }
  return "off";
}

class json_log_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line;
    line["time"] = utc_timestamp(msg.time);
    line["level"] = level_name(msg.level);
    line["msg"] = std::string(msg.payload.data(), msg.payload.size());
    const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_log_formatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_log_formatter() {
  return std::make_unique<json_log_formatter>();
}

void log_to_stderr(log_format format) {
  const auto level = spdlog::get_level();
  // Logs go to stderr so that stdout carries only results (probe --json, the simulator banner),
  // safe to pipe. The color sink turns colors off by itself when stderr is not a terminal.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == log_format::json) {
    sink->set_formatter(make_json_log_formatter());
  } else {
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  auto logger = std::make_shared<spdlog::logger>("pdu2mqtt", std::move(sink));
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(level);
}

void set_log_level(log_level level) {
  for (const auto& [ours, theirs] : spdlog_levels) {
    if (ours == level) spdlog::set_level(theirs);
  }
}

}  // namespace pdu2mqtt::app
