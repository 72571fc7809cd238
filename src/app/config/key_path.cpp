// Key paths: plain keys joined with dots, anything else quoted in brackets.
#include "key_path.hpp"

#include <algorithm>

#include "pdu2mqtt/common/json_quoted.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

bool is_plain_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || (key[0] >= '0' && key[0] <= '9')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string child_path(std::string_view parent, std::string_view key) {
  if (!is_plain_key(key)) return std::string(parent) + "[" + json_quoted(key) + "]";
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string element_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

}  // namespace pdu2mqtt::app::config_detail
