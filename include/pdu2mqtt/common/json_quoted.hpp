// Untrusted text quoted for a one-line message: a JSON string literal, ASCII only, bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pdu2mqtt {

// UTF-8 bytes 10xxxxxx continue a character: a cut or a column count must not land on one.
constexpr bool is_utf8_continuation_byte(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// A JSON string literal in ASCII (escapes for the rest; bytes that are not UTF-8 become
// U+FFFD), of at most max_bytes of the original and "…" when cut: one safe line whatever a
// file or the environment held.
std::string json_quoted(std::string_view text, std::size_t max_bytes = 40);

}  // namespace pdu2mqtt
