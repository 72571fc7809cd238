// One JSON value checked against what a key needs (a string, an integer in a range, one of some
// names), failing with "must be ... (got ...)". A secret's value is never shown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "failure.hpp"
#include "json_reader.hpp"
#include "pdu2mqtt/common/name_table.hpp"

namespace pdu2mqtt::app::config_detail {

// What a refused value was, for "(got ...)": containers are named, never dumped.
std::string describe(const ordered_json& v, bool secret = false);

void require_object(const ordered_json& value, const std::string& path);
std::string require_string(const ordered_json& value, const std::string& path, bool secret = false);
// Not empty, at most max_bytes, no control characters.
std::string require_text(const ordered_json& value, const std::string& path, std::size_t max_bytes);
std::int64_t require_int(const ordered_json& value, const std::string& path, std::int64_t min,
                         std::int64_t max);
bool require_bool(const ordered_json& value, const std::string& path);
// A string, at most max_bytes, never quoted back.
std::string require_secret(const ordered_json& value, const std::string& path,
                           std::size_t max_bytes);

// One of the names of the enum's table (owned by its layer).
template <class T, std::size_t N>
T require_choice(const ordered_json& value, const std::string& path,
                 const name_table<T, N>& choices) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    for (const auto& [name, choice] : choices) {
      if (s == name) return choice;
    }
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    list += (i == 0 ? "" : (i + 1 == N ? " or " : ", ")) + std::string("\"") +
            std::string(choices[i].first) + "\"";
  }
  fail(path, "must be " + list + " (got " + describe(value) + ")");
}

}  // namespace pdu2mqtt::app::config_detail
