// The keys each section of the config file may have: the schema's vocabulary, shared by the
// validator and its did-you-mean suggestions.
#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

#include "pdu_settings.hpp"

namespace pdu2mqtt::app::config_detail {

using key_list = std::span<const std::string_view>;

inline constexpr auto top_keys =
    std::to_array<std::string_view>({"mqtt", "pdus", "log_level", "log_format", "http"});
inline constexpr auto http_keys = std::to_array<std::string_view>(
    {"listen", "username", "password_file", "read_only", "allowed_hosts"});
inline constexpr auto mqtt_keys = std::to_array<std::string_view>(
    {"url", "client_id", "username", "password", "password_file", "base_topic", "discovery_prefix",
     "keepalive_s", "qos", "discovery", "discovery_mode", "retain_state", "protocol", "tls"});
inline constexpr auto mqtt_tls_keys = std::to_array<std::string_view>(
    {"ca_file", "cert_file", "key_file", "key_password_file", "verify_hostname"});
// A PDU entry: who and where it is, then its settings (pdu_settings.hpp).
inline constexpr auto pdu_identity_keys =
    std::to_array<std::string_view>({"id", "name", "host", "port", "snmp"});
inline constexpr auto pdu_keys = [] {
  std::array<std::string_view, pdu_identity_keys.size() + pdu_settings.size()> keys{};
  std::size_t i = 0;
  for (const auto key : pdu_identity_keys)
    keys[i++] = key;
  for (const auto& setting : pdu_settings)
    keys[i++] = setting.key;
  return keys;
}();
inline constexpr auto snmp_keys = std::to_array<std::string_view>(
    {"version", "community", "write_community", "user", "auth_protocol", "auth_password",
     "auth_password_file", "priv_protocol", "priv_password", "priv_password_file", "context",
     "timeout_ms", "retries"});
// Keys that mean something only with "version": "3", and those only without it.
inline constexpr auto snmp_v3_keys = std::to_array<std::string_view>(
    {"user", "auth_protocol", "auth_password", "auth_password_file", "priv_protocol",
     "priv_password", "priv_password_file", "context"});
inline constexpr auto snmp_community_keys =
    std::to_array<std::string_view>({"community", "write_community"});

inline bool contains(key_list keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace pdu2mqtt::app::config_detail
