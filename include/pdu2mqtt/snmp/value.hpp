// SNMP values (RFC 2578 SMIv2 application types plus the RFC 3416 exceptions) and varbinds.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "pdu2mqtt/snmp/oid.hpp"

namespace pdu2mqtt::snmp {

struct null_value {
  friend bool operator==(null_value, null_value) = default;
};
struct ip_address {
  std::array<std::uint8_t, 4> octets{};
  friend bool operator==(const ip_address&, const ip_address&) = default;
};
struct counter32 {
  std::uint32_t value = 0;
  friend bool operator==(counter32, counter32) = default;
};
struct gauge32 {  // also Unsigned32: same tag (RFC 2578 7.1.11)
  std::uint32_t value = 0;
  friend bool operator==(gauge32, gauge32) = default;
};
struct time_ticks {  // hundredths of a second
  std::uint32_t value = 0;
  friend bool operator==(time_ticks, time_ticks) = default;
};
struct opaque {
  std::string bytes;
  friend bool operator==(const opaque&, const opaque&) = default;
};
struct counter64 {
  std::uint64_t value = 0;
  friend bool operator==(counter64, counter64) = default;
};
// RFC 3416 3: per-varbind exceptions in v2c responses.
struct no_such_object {
  friend bool operator==(no_such_object, no_such_object) = default;
};
struct no_such_instance {
  friend bool operator==(no_such_instance, no_such_instance) = default;
};
struct end_of_mib_view {
  friend bool operator==(end_of_mib_view, end_of_mib_view) = default;
};

// INTEGER is std::int32_t (RFC 2578 7.1.1); OCTET STRING is std::string (bytes, not text).
using value =
    std::variant<null_value, std::int32_t, std::string, oid, ip_address, counter32, gauge32,
                 time_ticks, opaque, counter64, no_such_object, no_such_instance, end_of_mib_view>;

struct varbind {
  oid name;
  snmp::value value;
  friend bool operator==(const varbind&, const varbind&) = default;
};

// Any numeric type as a number. Real CyberPower firmware sends some Gauge columns as
// INTEGER, so readers must not care which of the integer-like types arrived.
std::optional<std::int64_t> as_integer(const value& v) noexcept;

// The bytes of an OCTET STRING (or Opaque); nullopt for anything else.
std::optional<std::string_view> as_octets(const value& v) noexcept;

// NULL, noSuchObject, noSuchInstance, endOfMibView: "the agent has no value here".
bool is_absent(const value& v) noexcept;
bool is_exception(const value& v) noexcept;  // the three RFC 3416 exceptions only

// Type name as net-snmp prints it ("INTEGER", "STRING", "Gauge32", ...).
std::string_view type_name(const value& v) noexcept;

// Human-readable rendering for logs and the CLI. Octet strings that are not printable come
// out as hex; long strings are cut at max_chars (untrusted peer text stays bounded).
std::string to_display_string(const value& v, std::size_t max_chars = 256);

}  // namespace pdu2mqtt::snmp
