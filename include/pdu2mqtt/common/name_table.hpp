// Enum names kept in one table per enum, in the header of the layer that owns the enum: the
// writer (to_string) and every reader (config, command line) look names up in the same table.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace pdu2mqtt {

template <class T, std::size_t N>
using name_table = std::pair<std::string_view, T>[N];

// The value's name; "unknown" for a value outside the table (a cast, never a parsed value).
template <class T, std::size_t N>
constexpr std::string_view name_in(const name_table<T, N>& names, T value) noexcept {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

// Exact (case-sensitive) match, as config files are read.
template <class T, std::size_t N>
constexpr std::optional<T> value_named(const name_table<T, N>& names,
                                       std::string_view text) noexcept {
  for (const auto& [name, v] : names) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace pdu2mqtt
