// Text from peers (MQTT payloads and topics, PDU strings) made safe to log or echo back, and
// the UTF-8 check that payload parsers need before looking inside.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pdu2mqtt {

// Printable ASCII stays (a backslash doubles, so the output is unambiguous); every other byte,
// UTF-8 included, becomes \xNN: terminals, log shippers and bidi overrides see nothing live.
// At most max characters of that, then "…" when something was left out.
std::string printable_excerpt(std::string_view untrusted, std::size_t max = 64);

// RFC 3629: shortest form only, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace pdu2mqtt
