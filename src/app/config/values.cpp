// The value checks every key of the schema is read with.
#include "values.hpp"

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

std::string type_name(const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::null:
      return "null";
    case ordered_json::value_t::boolean:
      return "a boolean";
    case ordered_json::value_t::string:
      return "a string";
    case ordered_json::value_t::number_integer:
    case ordered_json::value_t::number_unsigned:
    case ordered_json::value_t::number_float:
      return "a number";
    case ordered_json::value_t::array:
      return "an array";
    case ordered_json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

template <class Int>
std::string range_text(Int min, Int max) {
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

// What a refused value was, for "(got ...)". Containers are named, never dumped: they can be
// large or deeply nested. A secret's value is never shown, only its type.
std::string describe(const ordered_json& v, bool secret) {
  if (secret || v.is_array() || v.is_object() || v.is_discarded() || v.is_binary()) {
    return type_name(v);
  }
  if (v.is_string()) return json_quoted(v.get_ref<const std::string&>());
  return v.dump();
}

void require_object(const ordered_json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "must be an object (got " + describe(value) + ")");
}

std::string require_string(const ordered_json& value, const std::string& path, bool secret) {
  if (!value.is_string()) {
    fail(path, "must be a string (got " + describe(value, secret) + ")");
  }
  return value.get<std::string>();
}

std::string require_text(const ordered_json& value, const std::string& path,
                         std::size_t max_bytes) {
  std::string s = require_string(value, path);
  if (s.empty()) fail(path, "must not be empty");
  if (s.size() > max_bytes) {
    fail(path, "must be at most " + std::to_string(max_bytes) + " bytes long");
  }
  if (has_control_character(s)) {
    fail(path, "must not contain control characters (got " + json_quoted(s) + ")");
  }
  return s;
}

std::int64_t require_int(const ordered_json& value, const std::string& path, std::int64_t min,
                         std::int64_t max) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(u) >= min) {
      return static_cast<std::int64_t>(u);
    }
  } else if (value.is_number_integer()) {
    const auto i = value.get<std::int64_t>();
    if (i >= min && i <= max) return i;
  }
  fail(path, "must be " + range_text(min, max) + " (got " + describe(value) + ")");
}

bool require_bool(const ordered_json& value, const std::string& path) {
  if (!value.is_boolean()) fail(path, "must be true or false (got " + describe(value) + ")");
  return value.get<bool>();
}

std::string require_secret(const ordered_json& value, const std::string& path,
                           std::size_t max_bytes) {
  std::string s = require_string(value, path, /*secret=*/true);
  if (s.size() > max_bytes) {
    fail(path, "must be at most " + std::to_string(max_bytes) + " bytes long");
  }
  return s;
}

}  // namespace pdu2mqtt::app::config_detail
