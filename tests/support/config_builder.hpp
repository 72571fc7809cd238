// Bridge configs for tests, built as JSON with named setters instead of spliced raw text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// "mqtt://127.0.0.1:PORT": a broker on loopback, as the bridge's config and link name it.
std::string loopback_mqtt_url(std::uint16_t port);

// SNMPv3 credentials of a PDU entry; the pass phrases come from files, relative to the config.
struct snmp_v3_login {
  std::string user;
  std::string auth_protocol;
  std::string auth_password_file;
  std::string priv_protocol;
  std::string priv_password_file;
};

// One entry of "pdus". Only what a test sets is written; the bridge's defaults do the rest.
class pdu_builder {
 public:
  // The SNMP agent on 127.0.0.1:port (host() for another).
  pdu_builder(std::string id, std::uint16_t port);

  pdu_builder& name(std::string name);
  pdu_builder& host(std::string host);
  pdu_builder& poll_interval_ms(int ms);
  // snmp.timeout_ms and snmp.retries: how long one silent poll takes to count as failed.
  pdu_builder& snmp_timing(int timeout_ms, int retries);
  pdu_builder& community(std::string community);
  pdu_builder& snmp_v3(const snmp_v3_login& login);
  pdu_builder& protected_outlets(std::vector<int> outlets);
  pdu_builder& max_varbinds(int n);
  pdu_builder& offline_after_failures(int n);
  pdu_builder& command_timeout_ms(int ms);
  pdu_builder& max_commands_per_s(int n);
  // Any other key of the entry, spelled as in the schema.
  pdu_builder& with(const std::string& key, nlohmann::json value);

  const nlohmann::json& to_json() const noexcept { return entry_; }

 private:
  nlohmann::json entry_;
};

// A whole config: the broker, the PDUs, and the optional sections.
class config_builder {
 public:
  // mqtt.url: a broker on 127.0.0.1:broker_port. No PDUs until pdu() adds them.
  explicit config_builder(std::uint16_t broker_port);
  // mqtt.url as given (mqtts://, another host).
  explicit config_builder(std::string broker_url);

  config_builder& client_id(std::string client_id);
  config_builder& mqtt_login(std::string username, std::string password_file);
  // Any other key of "mqtt" (protocol, discovery, tls, ...), spelled as in the schema.
  config_builder& mqtt(const std::string& key, nlohmann::json value);
  config_builder& pdu(const pdu_builder& entry);
  config_builder& http(nlohmann::json section);
  config_builder& log_level(std::string level);
  config_builder& log_format(std::string format);
  // A "// comment" line above the JSON: the bridge reads JSON with comments, so a config a
  // test writes can say where it came from.
  config_builder& heading(std::string comment);

  const nlohmann::json& to_json() const noexcept { return config_; }
  std::string text() const;
  // Writes text() to dir/name and returns the file's path.
  std::filesystem::path write(const temp_dir& dir, std::string_view name = "pdu2mqtt.json") const;

 private:
  nlohmann::json config_;
  std::string heading_;
};

}  // namespace pdu2mqtt::test
