// The "mqtt" section: broker URL, credentials, topics, TLS files, and the environment overrides.
#include "files.hpp"
#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "schema.hpp"
#include "values.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

namespace fs = std::filesystem;

void check_topic_prefix(const std::string& value, const std::string& path) {
  const auto got = " (got " + json_quoted(value) + ")";
  if (value.empty()) fail(path, "must not be empty");
  if (value.size() > 256) fail(path, "must be at most 256 bytes long");
  if (value.find_first_of("+#") != std::string::npos) {
    fail(path, "must not contain the MQTT wildcards + or #" + got);
  }
  if (has_control_character(value)) fail(path, "must not contain control characters" + got);
  if (value.front() == '$') {
    fail(path, "must not start with $, which brokers reserve (MQTT 3.1.1, 4.7.2)" + got);
  }
  if (value.front() == '/' || value.back() == '/' || value.find("//") != std::string::npos) {
    fail(path, "must not start or end with / or have an empty level" + got);
  }
}

}  // namespace

mqtt::broker_address validator::require_broker(const std::string& url, const std::string& path) {
  auto parsed = mqtt::parse_broker_url(url);
  if (!parsed) {
    // A URL with user:password@ must not be repeated, so no "(got ...)" for those.
    const bool may_echo = url.find('@') == std::string::npos;
    fail(path, parsed.err().detail + (may_echo ? " (got " + json_quoted(url) + ")" : ""));
  }
  return std::move(parsed).value();
}

void validator::read_mqtt(const ordered_json& value, const std::string& path, mqtt_config& m) {
  require_object(value, path);
  for_each_key(value, path, mqtt_keys,
               [&](const auto& key, const auto& v, const auto& p) { read_mqtt_key(key, v, p, m); });
}

void validator::read_mqtt_key(const std::string& key, const ordered_json& v, const std::string& p,
                              mqtt_config& m) {
  if (key == "url") {
    m.url = require_string(v, p);
    m.broker = require_broker(m.url, p);
  } else if (key == "client_id") {
    m.client_id = require_text(v, p, 256);
  } else if (key == "username") {
    m.username = require_string(v, p);
    if (has_control_character(m.username)) fail(p, "must not contain control characters");
  } else if (key == "password") {
    std::string password = require_secret(v, p, max_password_file_size);
    if (!password.empty() && !m.password_file.empty()) {
      fail(p, "set either password or password_file, not both");
    }
    if (!password.empty()) m.password = std::move(password);
  } else if (key == "password_file") {
    std::string file = require_string(v, p);
    if (!file.empty() && !m.password.empty()) {
      fail(p, "set either password or password_file, not both");
    }
    if (!file.empty()) {
      m.password = read_password_file(file, p);
      m.password_file = std::move(file);
    }
  } else if (key == "base_topic") {
    m.base_topic = require_string(v, p);
    check_topic_prefix(m.base_topic, p);
  } else if (key == "discovery_prefix") {
    m.discovery_prefix = require_string(v, p);
    check_topic_prefix(m.discovery_prefix, p);
  } else if (key == "keepalive_s") {
    m.keepalive = std::chrono::seconds(require_int(v, p, 5, 3600));
  } else if (key == "qos") {
    const bool zero_or_one =
        v.is_number_integer() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1);
    if (!zero_or_one) fail(p, "must be 0 or 1 (got " + describe(v) + ")");
    m.qos = v.get<int>();
  } else if (key == "discovery") {
    m.discovery = require_bool(v, p);
  } else if (key == "discovery_mode") {
    m.discovery_mode = require_choice(v, p, ha::discovery_mode_names);
  } else if (key == "retain_state") {
    m.retain_state = require_bool(v, p);
  } else if (key == "protocol") {
    m.protocol = require_choice(v, p, mqtt::protocol_names);
  } else if (key == "tls") {
    read_mqtt_tls(v, p, m.tls);
  }
}

void validator::read_mqtt_tls(const ordered_json& value, const std::string& path,
                              mqtt::tls_options& t) {
  require_object(value, path);
  for_each_key(value, path, mqtt_tls_keys, [&](const auto& key, const auto& v, const auto& p) {
    if (key == "verify_hostname") {
      t.verify_hostname = require_bool(v, p);
      return;
    }
    std::string file = require_string(v, p);
    if (file.empty()) return;
    if (has_control_character(file)) {
      fail(p, "must be a file name (got " + json_quoted(file) + ")");
    }
    fs::path full(file);
    if (full.is_relative()) full = base_dir_ / full;
    if (key == "key_password_file") {
      t.key_password = read_secret_file(full, p);
      t.key_password_file = full.string();
      return;
    }
    check_pem_file(full, p, key);
    (key == "ca_file" ? t.ca_file : key == "cert_file" ? t.cert_file : t.key_file) = full.string();
  });
  if (!t.key_file.empty() && t.cert_file.empty()) {
    fail(child_path(path, "key_file"), "needs cert_file: the certificate this key belongs to");
  }
  if (!t.key_password_file.empty() && t.key_file.empty() && t.cert_file.empty()) {
    fail(child_path(path, "key_password_file"), "needs key_file: the key it unlocks");
  }
  tls_path_ = path;
}

void validator::apply_environment(mqtt_config& m) const {
  if (auto url = lookup(env_mqtt_url)) {
    m.broker = require_broker(*url, "mqtt.url (from " + std::string(env_mqtt_url) + ")");
    m.url = std::move(*url);
  }
  if (auto username = lookup(env_mqtt_username)) m.username = std::move(*username);
  if (auto password = lookup(env_mqtt_password)) m.password = std::move(*password);
  if (!m.password.empty() && m.username.empty()) {
    fail("mqtt.username",
         "must be set when a password is: MQTT sends no password without a user name (MQTT "
         "3.1.1, 3.1.2.9)");
  }
  // TLS settings with a plain URL are a mistake that would send the password in clear text.
  const auto& t = m.tls;
  const bool tls_set = !t.ca_file.empty() || !t.cert_file.empty() || !t.key_file.empty() ||
                       !t.key_password_file.empty() || !t.verify_hostname;
  if (tls_set && !m.broker.tls) {
    fail(tls_path_.empty() ? "mqtt.tls" : tls_path_,
         "is set, but mqtt.url is not mqtts:// (TLS): use mqtts://" +
             (m.broker.host.find(':') != std::string::npos ? "[" + m.broker.host + "]"
                                                           : m.broker.host) +
             ":8883, or remove \"tls\"");
  }
}

}  // namespace pdu2mqtt::app::config_detail
