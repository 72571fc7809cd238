// The schema walk's top level, the "http" section, and what every section shares.
#include "schema.hpp"

#include <asio/ip/address.hpp>

#include "files.hpp"
#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"
#include "values.hpp"

namespace pdu2mqtt::app::config_detail {

namespace fs = std::filesystem;

bridge_config validator::run(const ordered_json& root) {
  if (!root.is_object()) {
    fail("", "must be a JSON object at the top level (got " + describe(root) + ")");
  }
  bridge_config config;
  for_each_key(root, "", top_keys, [&](const auto& key, const auto& value, const auto& path) {
    if (key == "mqtt") {
      read_mqtt(value, path, config.mqtt);
    } else if (key == "pdus") {
      if (!value.is_array()) fail(path, "must be an array of PDUs (got " + describe(value) + ")");
      for (std::size_t i = 0; i < value.size(); ++i) {
        config.pdus.push_back(read_pdu(value[i], element_path(path, i)));
      }
    } else if (key == "log_level") {
      config.logging.level = require_choice(value, path, log_level_names);
    } else if (key == "log_format") {
      config.logging.format = require_choice(value, path, log_format_names);
    } else if (key == "http") {
      read_http(value, path, config.http);
    }
  });
  apply_environment(config.mqtt);
  if (config.http.enabled) {
    if (auto password = lookup(env_http_password)) config.http.password = std::move(*password);
  }
  for (std::size_t i = 0; i < config.pdus.size(); ++i) {
    apply_environment(config.pdus[i], element_path("pdus", i) + ".snmp");
  }
  return config;
}

pdu_config validator::run_pdu(const ordered_json& entry,
                              const std::vector<std::string>& taken_ids) {
  for (const auto& id : taken_ids)
    ids_.emplace_back(ascii_lower(id), "the running bridge");
  auto pdu = read_pdu(entry, "pdu");
  apply_environment(pdu, "pdu.snmp");
  return pdu;
}

std::optional<std::string> validator::lookup(std::string_view name) const {
  if (!env_) return std::nullopt;
  auto value = env_(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string validator::read_password_file(const std::string& file, const std::string& path) {
  if (has_control_character(file)) {
    fail(path, "must be a file name (got " + json_quoted(file) + ")");
  }
  fs::path full(file);
  if (full.is_relative()) full = base_dir_ / full;
  return read_secret_file(full, path);
}

// "listen": "PORT", "ADDRESS:PORT" or "[IPv6]:PORT". An address, not a name: binding to a
// name that resolves to several addresses (or changes) is a surprise we avoid.
void validator::read_listen(const std::string& text, const std::string& path, http_config& h) {
  const auto got = " (got " + json_quoted(text) + ")";
  std::string host = "127.0.0.1";
  std::string port = text;
  if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
      fail(path, "an IPv6 address needs brackets: \"[::1]:8080\"" + got);
    }
    if (host == "localhost") host = "127.0.0.1";
  }
  std::error_code ec;
  (void)asio::ip::make_address(host, ec);
  if (ec)
    fail(path, "must be PORT or ADDRESS:PORT with an IP address, e.g. \"127.0.0.1:8080\"" + got);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(port) > 65535) fail(path, "must end in a port number 0-65535" + got);
  h.listen = text;
  h.host = host;
  h.port = static_cast<std::uint16_t>(std::stoul(port));
}

void validator::read_http(const ordered_json& value, const std::string& path, http_config& h) {
  require_object(value, path);
  h.enabled = true;
  for_each_key(value, path, http_keys, [&](const auto& key, const auto& v, const auto& p) {
    if (key == "listen") {
      read_listen(require_string(v, p), p, h);
    } else if (key == "username") {
      h.username = require_text(v, p, 128);
      if (h.username.find(':') != std::string::npos) {
        fail(p, "must not contain ':' (HTTP basic auth separates the user name with it)");
      }
    } else if (key == "password_file") {
      std::string file = require_string(v, p);
      if (!file.empty()) {
        h.password = read_password_file(file, p);
        h.password_file = std::move(file);
      }
    } else if (key == "read_only") {
      h.read_only = require_bool(v, p);
    } else if (key == "allowed_hosts") {
      if (!v.is_array()) fail(p, "must be an array of host names (got " + describe(v) + ")");
      for (std::size_t i = 0; i < v.size(); ++i) {
        h.allowed_hosts.push_back(ascii_lower(require_text(v[i], element_path(p, i), 253)));
      }
    }
  });
}

}  // namespace pdu2mqtt::app::config_detail
