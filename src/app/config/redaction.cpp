// bridge/info's view of the configuration: every key as effective, every secret as "***".
#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/common/overloaded.hpp"
#include "pdu_settings.hpp"

namespace pdu2mqtt::app {
namespace {

std::string secret(const std::string& s) {
  return s.empty() ? std::string() : "***";
}

nlohmann::json redacted_snmp(const snmp_config& s) {
  nlohmann::json out = {{"version", name_in(snmp::version_names, s.version)}};
  if (s.version == snmp::version::v3) {
    out["user"] = s.user.name;
    out["security_level"] = to_string(s.user.level());
    out["auth_protocol"] = to_string(s.user.auth);
    out["auth_password"] = secret(s.user.auth_password);
    out["auth_password_file"] = s.auth_password_file;
    out["priv_protocol"] = to_string(s.user.priv);
    out["priv_password"] = secret(s.user.priv_password);
    out["priv_password_file"] = s.priv_password_file;
    out["context"] = s.user.context_name;
  } else {
    out["community"] = secret(s.community);
    out["write_community"] = secret(s.write_community);
  }
  out["timeout_ms"] = s.timeout.count();
  out["retries"] = s.retries;
  return out;
}

}  // namespace

nlohmann::json redacted_json(const bridge_config& config) {
  const auto& m = config.mqtt;
  nlohmann::json pdus = nlohmann::json::array();
  for (const auto& p : config.pdus) {
    nlohmann::json pdu = {{"id", p.id},
                          {"name", p.name},
                          {"host", p.host},
                          {"port", p.port},
                          {"snmp", redacted_snmp(p.snmp)}};
    for (const auto& setting : config_detail::pdu_settings) {
      auto& out = pdu[std::string(setting.key)];
      std::visit(overloaded{[&](std::chrono::milliseconds pdu_config::*member) {
                              out = (p.*member).count() / setting.unit_ms;
                            },
                            [&](auto member) { out = p.*member; }},
                 setting.member);
    }
    pdus.push_back(std::move(pdu));
  }
  return {
      {"mqtt",
       {{"url", m.url},
        {"client_id", m.client_id},
        {"username", m.username},
        {"password", secret(m.password)},
        {"password_file", m.password_file},
        {"base_topic", m.base_topic},
        {"discovery_prefix", m.discovery_prefix},
        {"keepalive_s", m.keepalive.count()},
        {"qos", m.qos},
        {"discovery", m.discovery},
        {"discovery_mode", to_string(m.discovery_mode)},
        {"retain_state", m.retain_state},
        {"protocol", to_string(m.protocol)},
        {"tls",
         {{"ca_file", m.tls.ca_file},
          {"cert_file", m.tls.cert_file},
          {"key_file", m.tls.key_file},
          {"key_password_file", m.tls.key_password_file},
          {"verify_hostname", m.tls.verify_hostname}}}}},
      {"pdus", pdus},
      {"log_level", to_string(config.logging.level)},
      {"log_format", to_string(config.logging.format)},
      {"http",
       {{"enabled", config.http.enabled},
        {"listen", config.http.listen},
        {"username", config.http.username},
        {"password", secret(config.http.password)},
        {"password_file", config.http.password_file},
        {"read_only", config.http.read_only},
        {"allowed_hosts", config.http.allowed_hosts}}},
  };
}

}  // namespace pdu2mqtt::app
