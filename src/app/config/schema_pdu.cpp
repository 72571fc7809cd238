// An entry of "pdus": id, address, pacing and the safety settings (the "snmp" object apart).
#include <algorithm>
#include <limits>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "pdu2mqtt/common/overloaded.hpp"
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
  } else if (const auto* setting = find_pdu_setting(key)) {
    read_pdu_setting(*setting, v, p, pdu);
  }
}

void validator::read_pdu_setting(const pdu_setting& setting, const ordered_json& v,
                                 const std::string& p, pdu_config& pdu) {
  const auto number = [&] { return require_int(v, p, setting.min, setting.max); };
  std::visit(
      overloaded{
          [&](std::chrono::milliseconds pdu_config::*member) {
            const auto n = number();
            if (setting.zero_or_at_least != 0 && n != 0 && n < setting.zero_or_at_least) {
              fail(p, "must be 0 (never) or " + std::to_string(setting.zero_or_at_least) + " to " +
                          std::to_string(setting.max) +
                          (setting.unit_ms == 1000 ? " seconds" : " ms") + " (got " +
                          std::to_string(n) + ")");
            }
            pdu.*member = std::chrono::milliseconds(n * setting.unit_ms);
          },
          [&](int pdu_config::*member) { pdu.*member = static_cast<int>(number()); },
          [&](std::size_t pdu_config::*member) {
            pdu.*member = static_cast<std::size_t>(number());
          },
          [&](bool pdu_config::*member) { pdu.*member = require_bool(v, p); },
          [&](std::vector<int> pdu_config::*member) { pdu.*member = read_outlet_list(v, p); },
      },
      setting.member);
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
