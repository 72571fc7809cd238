// The settings of a PDU entry besides its identity, address and "snmp": each key, the member of
// pdu_config it sets, and the values it takes. The schema walk reads them, bridge/info writes
// them back and the did-you-mean lists them, so a new per-PDU setting is one line here.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "pdu2mqtt/app/config.hpp"

namespace pdu2mqtt::app::config_detail {

struct pdu_setting {
  std::string_view key;
  // The member it sets, by type: a duration, a count, a switch, a list of outlets.
  std::variant<std::chrono::milliseconds pdu_config::*, int pdu_config::*,
               std::size_t pdu_config::*, bool pdu_config::*, std::vector<int> pdu_config::*>
      member;
  std::int64_t min = 0;  // numbers: the range, in the key's unit
  std::int64_t max = 0;
  std::int64_t unit_ms = 1;  // durations: "_ms" keys 1, "_s" keys 1000
  // Not 0: the value is 0 (never) or at least this, for settings where a small value would
  // load the PDU.
  std::int64_t zero_or_at_least = 0;
};

// In the order the keys are listed in refusals ("known here: ...").
inline constexpr std::array pdu_settings{
    pdu_setting{.key = "poll_interval_ms",
                .member = &pdu_config::poll_interval,
                .min = 100,
                .max = 3'600'000},
    pdu_setting{.key = "max_varbinds", .member = &pdu_config::max_varbinds, .min = 1, .max = 64},
    pdu_setting{.key = "offline_after_failures",
                .member = &pdu_config::offline_after_failures,
                .min = 1,
                .max = 100},
    pdu_setting{.key = "command_timeout_ms",
                .member = &pdu_config::command_timeout,
                .min = 100,
                .max = 600'000},
    pdu_setting{.key = "read_only", .member = &pdu_config::read_only},
    pdu_setting{.key = "protected_outlets", .member = &pdu_config::protected_outlets},
    pdu_setting{.key = "confirm_reboot", .member = &pdu_config::confirm_reboot},
    pdu_setting{.key = "min_power_cycle_interval_s",
                .member = &pdu_config::min_power_cycle_interval,
                .min = 0,
                .max = 86'400,
                .unit_ms = 1000},
    pdu_setting{.key = "max_commands_per_s",
                .member = &pdu_config::max_commands_per_s,
                .min = 1,
                .max = 1000},
    pdu_setting{.key = "capability_recheck_s",
                .member = &pdu_config::capability_recheck,
                .min = 0,
                .max = 86'400,
                .unit_ms = 1000,
                .zero_or_at_least = 60},
};

inline constexpr const pdu_setting* find_pdu_setting(std::string_view key) {
  for (const auto& s : pdu_settings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

}  // namespace pdu2mqtt::app::config_detail
