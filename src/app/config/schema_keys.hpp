// The keys each section of the config file may have: the schema's vocabulary, shared by the
// validator and its did-you-mean suggestions.
#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

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
inline constexpr auto pdu_keys = std::to_array<std::string_view>(
    {"id", "name", "host", "port", "snmp", "poll_interval_ms", "max_varbinds",
     "offline_after_failures", "command_timeout_ms", "read_only", "protected_outlets",
     "confirm_reboot", "min_power_cycle_interval_s", "max_commands_per_s", "capability_recheck_s"});
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
