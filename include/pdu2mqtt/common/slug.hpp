// Names made safe for ids: lower-case ASCII letters and digits, every other run of characters
// one separator, none at either end. Locale-free (ascii.hpp).
#pragma once

#include <string>
#include <string_view>

#include "pdu2mqtt/common/ascii.hpp"

namespace pdu2mqtt {

inline std::string ascii_slug(std::string_view text, char separator) {
  std::string out;
  for (char c : text) {
    const char lower = ascii_lower(c);
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
      out += lower;
    } else if (!out.empty() && out.back() != separator) {
      out += separator;
    }
  }
  while (!out.empty() && out.back() == separator)
    out.pop_back();
  return out;
}

}  // namespace pdu2mqtt
