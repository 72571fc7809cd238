// Small builders for golden BER bytes: tests spell each field out (tag, length, content)
// and join the pieces with cat(), so every expected byte carries a comment.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/message.hpp"

namespace codec_test {

using bytes = std::vector<std::uint8_t>;

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline bytes ascii(std::string_view s) {
  return bytes(s.begin(), s.end());
}

inline bytes repeat(std::uint8_t b, std::size_t n) {
  return bytes(n, b);
}

inline std::string text(const bytes& b) {
  return std::string(b.begin(), b.end());
}

inline bytes encode_value(const pdu2mqtt::snmp::value& v) {
  bytes out;
  pdu2mqtt::snmp::ber::writer w(out);
  w.value(v);
  return out;
}

// One TLV holding a value, and nothing after it.
inline pdu2mqtt::result<pdu2mqtt::snmp::value> decode_value(std::span<const std::uint8_t> in) {
  pdu2mqtt::snmp::ber::reader r(in);
  auto t = r.next();
  if (!t) return t.err();
  auto v = pdu2mqtt::snmp::ber::decode_value(*t);
  if (v && !r.empty()) return pdu2mqtt::snmp::errc::trailing_data;
  return v;
}

// Walks every TLV and descends into every constructed one, as a generic BER dump would;
// the first error wins. Used to reach the nesting limit, which SNMP's fixed layout cannot.
inline pdu2mqtt::status walk(pdu2mqtt::snmp::ber::reader r) {
  while (!r.empty()) {
    auto t = r.next();
    if (!t) return t.err();
    if (t->tag & 0x20) {
      auto inner = walk(pdu2mqtt::snmp::ber::reader::inside(*t));
      if (!inner) return inner;
    }
  }
  return pdu2mqtt::ok;
}

// Content in a TLV with a minimal length: raw BER, for what encode() refuses to produce.
inline bytes wrap(std::uint8_t tag, const bytes& content) {
  bytes out;
  pdu2mqtt::snmp::ber::writer w(out);
  const auto mark = w.begin_constructed(tag);
  out.insert(out.end(), content.begin(), content.end());
  w.end_constructed(mark);
  return out;
}

// `levels` SEQUENCEs, each wrapping the next, around an empty innermost one.
inline bytes nested_sequences(std::size_t levels) {
  bytes out;
  pdu2mqtt::snmp::ber::writer w(out);
  std::vector<std::size_t> marks;
  for (std::size_t i = 0; i < levels; ++i)
    marks.push_back(w.begin_constructed(0x30));
  for (std::size_t i = levels; i-- > 0;)
    w.end_constructed(marks[i]);
  return out;
}

}  // namespace codec_test
