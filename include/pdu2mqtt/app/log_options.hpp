// How verbose the log is and how its lines look, as the config and the command line name it.
// Pure (no spdlog), for the config.
#pragma once

#include <string_view>

#include "pdu2mqtt/common/name_table.hpp"

namespace pdu2mqtt::app {

enum class log_level { trace, debug, info, warn, error, off };
enum class log_format { text, json };

inline constexpr name_table<log_level, 6> log_level_names = {
    {"trace", log_level::trace}, {"debug", log_level::debug}, {"info", log_level::info},
    {"warn", log_level::warn},   {"error", log_level::error}, {"off", log_level::off}};
inline constexpr name_table<log_format, 2> log_format_names = {{"text", log_format::text},
                                                               {"json", log_format::json}};

constexpr std::string_view to_string(log_level l) noexcept {
  return name_in(log_level_names, l);
}
constexpr std::string_view to_string(log_format f) noexcept {
  return name_in(log_format_names, f);
}

}  // namespace pdu2mqtt::app
