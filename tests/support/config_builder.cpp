// Bridge configs for tests (see config_builder.hpp).
#include "support/config_builder.hpp"

#include <utility>

namespace pdu2mqtt::test {

std::string loopback_mqtt_url(std::uint16_t port) {
  return "mqtt://127.0.0.1:" + std::to_string(port);
}

pdu_builder::pdu_builder(std::string id, std::uint16_t port)
    : entry_{{"id", std::move(id)}, {"host", "127.0.0.1"}, {"port", port}} {}

pdu_builder& pdu_builder::name(std::string name) {
  return with("name", std::move(name));
}

pdu_builder& pdu_builder::host(std::string host) {
  return with("host", std::move(host));
}

pdu_builder& pdu_builder::poll_interval_ms(int ms) {
  return with("poll_interval_ms", ms);
}

pdu_builder& pdu_builder::snmp_timing(int timeout_ms, int retries) {
  entry_["snmp"]["timeout_ms"] = timeout_ms;
  entry_["snmp"]["retries"] = retries;
  return *this;
}

pdu_builder& pdu_builder::community(std::string community) {
  entry_["snmp"]["community"] = std::move(community);
  return *this;
}

pdu_builder& pdu_builder::snmp_v3(const snmp_v3_login& login) {
  auto& snmp = entry_["snmp"];
  snmp["version"] = "3";
  snmp["user"] = login.user;
  snmp["auth_protocol"] = login.auth_protocol;
  snmp["auth_password_file"] = login.auth_password_file;
  snmp["priv_protocol"] = login.priv_protocol;
  snmp["priv_password_file"] = login.priv_password_file;
  return *this;
}

pdu_builder& pdu_builder::protected_outlets(std::vector<int> outlets) {
  return with("protected_outlets", std::move(outlets));
}

pdu_builder& pdu_builder::max_varbinds(int n) {
  return with("max_varbinds", n);
}

pdu_builder& pdu_builder::offline_after_failures(int n) {
  return with("offline_after_failures", n);
}

pdu_builder& pdu_builder::command_timeout_ms(int ms) {
  return with("command_timeout_ms", ms);
}

pdu_builder& pdu_builder::max_commands_per_s(int n) {
  return with("max_commands_per_s", n);
}

pdu_builder& pdu_builder::with(const std::string& key, nlohmann::json value) {
  entry_[key] = std::move(value);
  return *this;
}

config_builder::config_builder(std::uint16_t broker_port)
    : config_builder(loopback_mqtt_url(broker_port)) {}

config_builder::config_builder(std::string broker_url)
    : config_{{"mqtt", {{"url", std::move(broker_url)}}}, {"pdus", nlohmann::json::array()}} {}

config_builder& config_builder::client_id(std::string client_id) {
  return mqtt("client_id", std::move(client_id));
}

config_builder& config_builder::mqtt_login(std::string username, std::string password_file) {
  mqtt("username", std::move(username));
  return mqtt("password_file", std::move(password_file));
}

config_builder& config_builder::mqtt(const std::string& key, nlohmann::json value) {
  config_["mqtt"][key] = std::move(value);
  return *this;
}

config_builder& config_builder::pdu(const pdu_builder& entry) {
  config_["pdus"].push_back(entry.to_json());
  return *this;
}

config_builder& config_builder::http(nlohmann::json section) {
  config_["http"] = std::move(section);
  return *this;
}

config_builder& config_builder::log_level(std::string level) {
  config_["log_level"] = std::move(level);
  return *this;
}

config_builder& config_builder::log_format(std::string format) {
  config_["log_format"] = std::move(format);
  return *this;
}

config_builder& config_builder::heading(std::string comment) {
  heading_ = std::move(comment);
  return *this;
}

std::string config_builder::text() const {
  return (heading_.empty() ? "" : "// " + heading_ + "\n") + config_.dump(2) + "\n";
}

std::filesystem::path config_builder::write(const temp_dir& dir, std::string_view name) const {
  return dir.write_file(name, text());
}

}  // namespace pdu2mqtt::test
