// The bridge configuration: a JSON file (comments allowed) plus PDU2MQTT_MQTT_* environment
// overrides, validated into plain values. Sans-I/O apart from reading the files it names.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "pdu2mqtt/app/log_options.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/device/options.hpp"
#include "pdu2mqtt/ha/options.hpp"
#include "pdu2mqtt/mqtt/options.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "pdu2mqtt/web/options.hpp"

namespace pdu2mqtt::app {

enum class config_errc {
  unreadable = 1,  // the config file, or a file it names, cannot be read
  syntax,          // not JSON (with comments)
  invalid,         // JSON, but a key is unknown, of the wrong type, out of range, ...
};

const std::error_category& config_category() noexcept;

inline std::error_code make_error_code(config_errc e) noexcept {
  return {static_cast<int>(e), config_category()};
}

// Named limits, shared by the validation and its messages.
inline constexpr std::size_t max_config_file_size = 1024 * 1024;
inline constexpr std::size_t max_password_file_size = 64 * 1024;
inline constexpr std::size_t max_tls_file_size = 1024 * 1024;  // a PEM CA bundle, a certificate
inline constexpr std::size_t max_config_nesting = 16;

struct mqtt_config {
  std::string url = "mqtt://127.0.0.1:1883";
  mqtt::broker_address broker;  // url, parsed
  std::string client_id = "pdu2mqtt";
  std::string username;       // empty: connect without credentials
  std::string password;       // secret; from the environment, password_file or password
  std::string password_file;  // as written in the file (for bridge/info); "" when none
  std::string base_topic = "pdu2mqtt";
  std::string discovery_prefix = "homeassistant";
  std::chrono::seconds keepalive{30};
  int qos = 1;
  bool discovery = true;
  ha::discovery_mode discovery_mode = ha::discovery_mode::device;
  bool retain_state = true;
  mqtt::protocol protocol = mqtt::protocol::automatic;
  mqtt::tls_options tls;  // "tls": paths resolved against the config file's directory

  friend bool operator==(const mqtt_config&, const mqtt_config&) = default;
};

struct snmp_config {
  snmp::version version = snmp::version::v2c;  // v1, v2c or v3
  std::string community = "public";            // secret; v1 and v2c
  std::string write_community = "private";     // secret; v1 and v2c
  // v3 (RFC 3414 USM): user name, protocols, pass phrases (secrets) and context. The same user
  // reads and writes: SNMPv3 authorises per user on the agent, not per request.
  snmp::v3::user user;
  std::string auth_password_file;  // as written (for bridge/info); "" when none
  std::string priv_password_file;
  std::chrono::milliseconds timeout{1000};  // per attempt
  int retries = 2;

  friend bool operator==(const snmp_config&, const snmp_config&) = default;
};

// An entry of "pdus": the PDU's identity and address, how to speak SNMP with it, and the
// poller's options (device::pdu_options). Keys: src/app/config/pdu_settings.hpp.
struct pdu_config : device::pdu_options {
  std::string id;  // topic-safe, unique ignoring case
  std::string name;
  std::string host;  // name or address, no scheme, no port
  std::uint16_t port = 161;
  snmp_config snmp;
  std::size_t max_varbinds = 10;
  int max_commands_per_s = 10;  // per PDU; the burst allowance too

  friend bool operator==(const pdu_config&, const pdu_config&) = default;
};

struct logging_config {
  log_level level = log_level::info;
  log_format format = log_format::text;

  friend bool operator==(const logging_config&, const logging_config&) = default;
};

// "http": the built-in web page (docs/web.md). Off unless the section is there. The server's
// settings, plus what only the file knows.
struct http_config : web::server_settings {
  bool enabled = false;
  std::string listen = "127.0.0.1:8080";  // as written; host and port hold it parsed
  std::string password_file;              // as written; "" when none. The password: from
                                          // PDU2MQTT_HTTP_PASSWORD or this file

  friend bool operator==(const http_config&, const http_config&) = default;
};

struct bridge_config {
  mqtt_config mqtt;
  std::vector<pdu_config> pdus;
  logging_config logging;
  http_config http;

  friend bool operator==(const bridge_config&, const bridge_config&) = default;
};

// A variable lookup, so tests and the fuzzer never touch the process environment.
// Variables set to the empty string count as unset (compose files expand unset ones to "").
using environment = std::function<std::optional<std::string>(std::string_view name)>;

environment process_environment();
environment empty_environment();
environment environment_from(std::map<std::string, std::string, std::less<>> variables);

inline constexpr std::string_view env_mqtt_url = "PDU2MQTT_MQTT_URL";
inline constexpr std::string_view env_mqtt_username = "PDU2MQTT_MQTT_USERNAME";
inline constexpr std::string_view env_mqtt_password = "PDU2MQTT_MQTT_PASSWORD";
inline constexpr std::string_view env_http_password = "PDU2MQTT_HTTP_PASSWORD";

// The variables that override a PDU's SNMPv3 pass phrases: PDU2MQTT_PDU_<ID>_AUTH_PASSWORD
// and ..._PRIV_PASSWORD, the id in upper case with '-' as '_' ("rack-a" → RACK_A).
std::string env_pdu_auth_password(std::string_view pdu_id);
std::string env_pdu_priv_password(std::string_view pdu_id);

// Errors carry one line, "<file>: <key path>: <what is wrong>" (or "<file>:<line>:<col>: ..."
// for JSON syntax), reporting the first problem in document order. The file is validated as
// written; environment overrides apply afterwards. A relative password_file is resolved
// against the directory of file_name.
result<bridge_config> parse_config(std::string_view text, std::string_view file_name,
                                   const environment& env);
result<bridge_config> load_config_file(const std::filesystem::path& path, const environment& env);

// One entry of "pdus" (JSON text), validated exactly as the file's entries are: for PDUs added
// at run time (the web page). Errors read "<origin>: <key path>: ..."; taken_ids are the ids
// already in use (compared ignoring case, as in the file).
result<pdu_config> parse_pdu_entry(std::string_view text, std::string_view origin,
                                   const std::vector<std::string>& taken_ids,
                                   const environment& env);

// "rack-a" from a PDU's name, "pdu-10-0-0-5" from its address when the name gives nothing
// topic-safe; never one of `taken` (ignoring case): "-2", "-3", ... appended.
std::string suggest_pdu_id(const std::string& name, const std::string& host,
                           const std::vector<std::string>& taken);

// A password file's content, trailing newline removed; errors say "password file ... is empty"
// and the like (for command-line options that name such a file).
result<std::string> read_password_file(const std::filesystem::path& file);

// The effective configuration with every secret that is set replaced by "***" (bridge/info).
nlohmann::json redacted_json(const bridge_config& config);

// The commented example, byte for byte config/pdu2mqtt.example.json.
std::string example_config();

}  // namespace pdu2mqtt::app

template <>
struct std::is_error_code_enum<pdu2mqtt::app::config_errc> : std::true_type {};
