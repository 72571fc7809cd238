// Helpers over snmp::value: numeric and byte views, absence tests, net-snmp type names,
// and a bounded display form for logs (peer strings are untrusted).
#include "pdu2mqtt/snmp/value.hpp"

#include <cstdio>
#include <limits>
#include <type_traits>

#include "pdu2mqtt/common/overloaded.hpp"

namespace pdu2mqtt::snmp {
namespace {

// Printable ASCII only: control characters (newlines included) would let a peer forge
// log lines, so any of them turns the whole string into hex.
bool is_printable(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) return false;
  }
  return true;
}

// "AB CD EF", rendering only as many bytes as can show within max_chars (+1 to know
// whether a cut is needed), so a 64 KB string costs nothing extra.
std::string hex(std::string_view bytes, std::size_t max_chars) {
  static constexpr char digits[] = "0123456789ABCDEF";
  const std::size_t needed = max_chars / 3 + 2;
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < needed; ++i) {
    if (i != 0) out += ' ';
    const auto u = static_cast<unsigned char>(bytes[i]);
    out += digits[u >> 4];
    out += digits[u & 0x0F];
  }
  return out;
}

// net-snmp's uptime format: "(123456) 0:20:34.56", with "N day(s), " when needed.
std::string ticks(std::uint32_t t) {
  const std::uint32_t centis = t % 100;
  const std::uint32_t seconds = (t / 100) % 60;
  const std::uint32_t minutes = (t / 6000) % 60;
  const std::uint32_t hours = (t / 360000) % 24;
  const std::uint32_t days = t / 8640000;
  // snprintf rather than string concatenation: g++ 12 at -O3 raises a false -Wrestrict on
  // `"0" + std::to_string(v)`.
  char text[64];
  std::snprintf(text, sizeof text, "(%u) ", static_cast<unsigned>(t));
  std::string out = text;
  if (days != 0) out += std::to_string(days) + (days == 1 ? " day, " : " days, ");
  std::snprintf(text, sizeof text, "%u:%02u:%02u.%02u", static_cast<unsigned>(hours),
                static_cast<unsigned>(minutes), static_cast<unsigned>(seconds),
                static_cast<unsigned>(centis));
  out += text;
  return out;
}

// Cuts at max_chars bytes and marks the cut. Our renderings are ASCII, so a byte cut
// never splits a character.
std::string bounded(std::string s, std::size_t max_chars) {
  if (s.size() <= max_chars) return s;
  s.resize(max_chars);
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  s += "\u2026";
  return s;
}

}  // namespace

std::optional<std::int64_t> as_integer(const value& v) noexcept {
  return std::visit(
      overloaded{
          [](std::int32_t i) -> std::optional<std::int64_t> { return i; },
          [](counter32 c) -> std::optional<std::int64_t> { return c.value; },
          [](gauge32 g) -> std::optional<std::int64_t> { return g.value; },
          [](time_ticks t) -> std::optional<std::int64_t> { return t.value; },
          [](counter64 c) -> std::optional<std::int64_t> {
            if (c.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
              return std::nullopt;
            }
            return static_cast<std::int64_t>(c.value);
          },
          [](const auto&) -> std::optional<std::int64_t> { return std::nullopt; },
      },
      v);
}

std::optional<std::string_view> as_octets(const value& v) noexcept {
  if (const auto* s = std::get_if<std::string>(&v)) return std::string_view(*s);
  if (const auto* o = std::get_if<opaque>(&v)) return std::string_view(o->bytes);
  return std::nullopt;
}

bool is_exception(const value& v) noexcept {
  return std::holds_alternative<no_such_object>(v) || std::holds_alternative<no_such_instance>(v) ||
         std::holds_alternative<end_of_mib_view>(v);
}

bool is_absent(const value& v) noexcept {
  return std::holds_alternative<null_value>(v) || is_exception(v);
}

std::string_view type_name(const value& v) noexcept {
  return std::visit(overloaded{
                        [](null_value) -> std::string_view { return "NULL"; },
                        [](std::int32_t) -> std::string_view { return "INTEGER"; },
                        [](const std::string&) -> std::string_view { return "STRING"; },
                        [](const oid&) -> std::string_view { return "OID"; },
                        [](const ip_address&) -> std::string_view { return "IpAddress"; },
                        [](counter32) -> std::string_view { return "Counter32"; },
                        [](gauge32) -> std::string_view { return "Gauge32"; },
                        [](time_ticks) -> std::string_view { return "Timeticks"; },
                        [](const opaque&) -> std::string_view { return "Opaque"; },
                        [](counter64) -> std::string_view { return "Counter64"; },
                        [](no_such_object) -> std::string_view { return "noSuchObject"; },
                        [](no_such_instance) -> std::string_view { return "noSuchInstance"; },
                        [](end_of_mib_view) -> std::string_view { return "endOfMibView"; },
                    },
                    v);
}

std::string to_display_string(const value& v, std::size_t max_chars) {
  std::string text = std::visit(
      overloaded{
          [](null_value) -> std::string { return "NULL"; },
          [](std::int32_t i) { return std::to_string(i); },
          [max_chars](const std::string& s) {
            // Only the shown prefix is copied; the rest of a huge string is never touched.
            if (is_printable(s)) return s.substr(0, max_chars + 1);
            return hex(s, max_chars);
          },
          [](const oid& o) { return o.to_string(); },
          [](const ip_address& ip) {
            return std::to_string(ip.octets[0]) + "." + std::to_string(ip.octets[1]) + "." +
                   std::to_string(ip.octets[2]) + "." + std::to_string(ip.octets[3]);
          },
          [](counter32 c) { return std::to_string(c.value); },
          [](gauge32 g) { return std::to_string(g.value); },
          [](time_ticks t) { return ticks(t.value); },
          [max_chars](const opaque& o) { return hex(o.bytes, max_chars); },
          [](counter64 c) { return std::to_string(c.value); },
          [](no_such_object) -> std::string { return "noSuchObject"; },
          [](no_such_instance) -> std::string { return "noSuchInstance"; },
          [](end_of_mib_view) -> std::string { return "endOfMibView"; },
      },
      v);
  return bounded(std::move(text), max_chars);
}

}  // namespace pdu2mqtt::snmp
