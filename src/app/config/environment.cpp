// Where environment overrides come from: the process, a fixed map (tests), or nowhere (fuzzing).
#include <cstdlib>
#include <utility>

#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/common/ascii.hpp"

namespace pdu2mqtt::app {
namespace {

std::string env_pdu_variable(std::string_view pdu_id, std::string_view suffix) {
  std::string name = "PDU2MQTT_PDU_";
  for (const char c : pdu_id) {
    name += c == '-' ? '_' : ascii_upper(c);
  }
  return name + "_" + std::string(suffix);
}

}  // namespace

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

environment empty_environment() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

environment environment_from(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

std::string env_pdu_auth_password(std::string_view pdu_id) {
  return env_pdu_variable(pdu_id, "AUTH_PASSWORD");
}

std::string env_pdu_priv_password(std::string_view pdu_id) {
  return env_pdu_variable(pdu_id, "PRIV_PASSWORD");
}

}  // namespace pdu2mqtt::app
