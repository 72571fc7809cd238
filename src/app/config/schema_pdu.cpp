// An entry of "pdus": id, address, pacing and the safety settings (the "snmp" object apart).
#include <algorithm>
#include <limits>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "pdu2mqtt/topics/layout.hpp"
#include "schema.hpp"
#include "values.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

void check_host(const std::string& host, const std::string& path) {
  const auto got = " (got " + json_quoted(host) + ")";
  if (host.empty()) fail(path, "must not be empty");
  if (host.find("://") != std::string::npos) {
    fail(path, "must be a host name or address, without a scheme" + got);
  }
  if (host.size() > 253) fail(path, "must be at most 253 characters long");
  if (has_control_character(host) || host.find_first_of(" /@") != std::string::npos) {
    fail(path, "must be a host name or address" + got);
  }
  if (host.find_first_of("[]") != std::string::npos) {
    fail(path, "must be an address without brackets" + got);
  }
  if (std::count(host.begin(), host.end(), ':') == 1) {
    fail(path, "must not include a port: set \"port\"" + got);
  }
}

}  // namespace

pdu_config validator::read_pdu(const ordered_json& value, const std::string& path) {
  require_object(value, path);
  pdu_config pdu;
  for_each_key(value, path, pdu_keys, [&](const auto& key, const auto& v, const auto& p) {
    read_pdu_key(key, v, p, pdu);
  });
  if (!value.contains("id")) fail(path, "missing required key \"id\"");
  if (!value.contains("host")) fail(path, "missing required key \"host\"");
  if (!value.contains("name")) pdu.name = pdu.id;
  return pdu;
}

void validator::read_pdu_key(const std::string& key, const ordered_json& v, const std::string& p,
                             pdu_config& pdu) {
  if (key == "id") {
    pdu.id = require_string(v, p);
    if (!topics::is_topic_safe_id(pdu.id)) {
      fail(p,
           "must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics "
           "and Home Assistant ids) (got " +
               json_quoted(pdu.id) + ")");
    }
    check_unique_id(pdu.id, p);
  } else if (key == "name") {
    pdu.name = require_text(v, p, 128);
  } else if (key == "host") {
    pdu.host = require_string(v, p);
    check_host(pdu.host, p);
  } else if (key == "port") {
    pdu.port = static_cast<std::uint16_t>(require_int(v, p, 1, 65535));
  } else if (key == "snmp") {
    read_snmp(v, p, pdu.snmp);
  } else if (key == "poll_interval_ms") {
    pdu.poll_interval = std::chrono::milliseconds(require_int(v, p, 100, 3'600'000));
  } else if (key == "max_varbinds") {
    pdu.max_varbinds = static_cast<std::size_t>(require_int(v, p, 1, 64));
  } else if (key == "offline_after_failures") {
    pdu.offline_after_failures = static_cast<int>(require_int(v, p, 1, 100));
  } else if (key == "command_timeout_ms") {
    pdu.command_timeout = std::chrono::milliseconds(require_int(v, p, 100, 600'000));
  } else if (key == "read_only") {
    pdu.read_only = require_bool(v, p);
  } else if (key == "protected_outlets") {
    pdu.protected_outlets = read_outlet_list(v, p);
  } else if (key == "confirm_reboot") {
    pdu.confirm_reboot = require_bool(v, p);
  } else if (key == "min_power_cycle_interval_s") {
    pdu.min_power_cycle_interval = std::chrono::seconds(require_int(v, p, 0, 86'400));
  } else if (key == "max_commands_per_s") {
    pdu.max_commands_per_s = static_cast<int>(require_int(v, p, 1, 1000));
  } else if (key == "capability_recheck_s") {
    const auto seconds = require_int(v, p, 0, 86'400);
    if (seconds != 0 && seconds < 60) {
      fail(p, "must be 0 (never) or 60 to 86400 seconds (got " + std::to_string(seconds) + ")");
    }
    pdu.capability_recheck = std::chrono::seconds(seconds);
  }
}

// Home Assistant lowercases entity ids, so "Rack-A" and "rack-a" would collide there.
void validator::check_unique_id(const std::string& id, const std::string& path) {
  const std::string folded = ascii_lower(id);
  for (const auto& [seen, seen_path] : ids_) {
    if (seen == folded) {
      fail(path, "duplicate id " + json_quoted(id) + ": " + seen_path +
                     " has it already (ids are compared ignoring case)");
    }
  }
  ids_.emplace_back(folded, path);
}

std::vector<int> validator::read_outlet_list(const ordered_json& value, const std::string& path) {
  if (!value.is_array()) {
    fail(path, "must be an array of outlet numbers (got " + describe(value) + ")");
  }
  std::vector<int> outlets;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto& v = value[i];
    const std::string p = element_path(path, i);
    const bool in_range = v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
                          v.get<std::uint64_t>() <= std::numeric_limits<int>::max();
    if (!in_range) {
      fail(p, "must be an outlet number, an integer of 1 or more (got " + describe(v) + ")");
    }
    const int outlet = v.get<int>();
    if (std::find(outlets.begin(), outlets.end(), outlet) != outlets.end()) {
      fail(p, "outlet " + std::to_string(outlet) + " is listed twice");
    }
    outlets.push_back(outlet);
  }
  return outlets;
}

}  // namespace pdu2mqtt::app::config_detail
