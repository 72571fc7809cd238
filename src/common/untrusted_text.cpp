// Escaping and UTF-8 validation for text that came from a peer.
#include "pdu2mqtt/common/untrusted_text.hpp"

#include <algorithm>
#include <array>

namespace pdu2mqtt {

std::string printable_excerpt(std::string_view untrusted, std::size_t max) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(untrusted.size(), max) + 4);
  for (std::size_t i = 0; i < untrusted.size(); ++i) {
    const auto byte = static_cast<unsigned char>(untrusted[i]);
    std::array<char, 4> piece{};
    std::size_t length = 0;
    if (byte == '\\') {
      piece = {'\\', '\\'};
      length = 2;
    } else if (byte >= 0x20 && byte < 0x7F) {
      piece[0] = static_cast<char>(byte);
      length = 1;
    } else {
      piece = {'\\', 'x', hex[byte >> 4], hex[byte & 0x0F]};
      length = 4;
    }
    if (out.size() + length > max) {
      out += "…";
      return out;
    }
    out.append(piece.data(), length);
  }
  return out;
}

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t code_point = 0;
    char32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      minimum = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace pdu2mqtt
