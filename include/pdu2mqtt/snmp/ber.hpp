// X.690 Basic Encoding Rules, the subset SNMP uses (RFC 3417 8): definite lengths only,
// primitive encodings only for primitive types. Pure: bytes in, values out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/error.hpp"
#include "pdu2mqtt/snmp/oid.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace pdu2mqtt::snmp::ber {

namespace tag {
inline constexpr std::uint8_t integer = 0x02;
inline constexpr std::uint8_t octet_string = 0x04;
inline constexpr std::uint8_t null = 0x05;
inline constexpr std::uint8_t object_identifier = 0x06;
inline constexpr std::uint8_t sequence = 0x30;
inline constexpr std::uint8_t ip_address = 0x40;  // [APPLICATION 0] IMPLICIT
inline constexpr std::uint8_t counter32 = 0x41;
inline constexpr std::uint8_t gauge32 = 0x42;
inline constexpr std::uint8_t time_ticks = 0x43;
inline constexpr std::uint8_t opaque = 0x44;
inline constexpr std::uint8_t counter64 = 0x46;
inline constexpr std::uint8_t no_such_object = 0x80;  // [CONTEXT 0] IMPLICIT NULL
inline constexpr std::uint8_t no_such_instance = 0x81;
inline constexpr std::uint8_t end_of_mib_view = 0x82;
}  // namespace tag

// Nesting deeper than this is rejected; a v2c message needs 5 levels
// (message, PDU, varbind list, varbind, value).
inline constexpr std::size_t max_nesting = 8;
// Length octets after the 0x8N prefix: 4 covers every length a UDP datagram can hold.
inline constexpr std::size_t max_length_octets = 4;

// Appends encodings to a byte vector. Constructed types are written as
// begin_constructed() ... end_constructed(mark); the length is patched at the end.
class writer {
 public:
  explicit writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void integer(std::int64_t v, std::uint8_t t = tag::integer);  // two's complement, minimal
  void unsigned_integer(std::uint64_t v, std::uint8_t t);       // leading 0x00 when needed
  void octets(std::string_view bytes, std::uint8_t t = tag::octet_string);
  void null(std::uint8_t t = tag::null);
  // X.690 8.19; o must have >= 2 arcs, arc0 <= 2 (and arc1 < 40 when arc0 < 2), else
  // std::invalid_argument: such an OID has no encoding, so asking for one is a caller bug.
  void object_identifier(const oid& o);
  void value(const snmp::value& v);

  std::size_t begin_constructed(std::uint8_t t);
  void end_constructed(std::size_t mark);

 private:
  void header(std::uint8_t t, std::size_t length);
  std::vector<std::uint8_t>& out_;
};

// One decoded tag-length-value; content lies inside the buffer given to the reader.
struct tlv {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> content;
  std::size_t offset = 0;          // where the TLV starts, relative to the reader's buffer start
  std::size_t content_offset = 0;  // where its content starts (after tag and length octets)
  std::size_t depth = 0;           // nesting level: 1 for a TLV read by a top-level reader
};

// A cursor over a buffer, bounded by it: never reads outside, every length checked.
class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in, std::size_t base_offset = 0)
      : in_(in), base_(base_offset) {}

  result<tlv> next();                  // any TLV
  result<tlv> expect(std::uint8_t t);  // a TLV that must carry tag t
  bool empty() const noexcept { return pos_ == in_.size(); }
  std::size_t offset() const noexcept { return base_ + pos_; }

  // A reader over a constructed TLV's content (offsets stay relative to the outer buffer).
  // Its TLVs are one level deeper than t; next() refuses to go past max_nesting.
  static reader inside(const tlv& t) { return reader(t.content, t.content_offset, t.depth); }

 private:
  reader(std::span<const std::uint8_t> in, std::size_t base_offset, std::size_t depth)
      : in_(in), base_(base_offset), depth_(depth) {}

  std::span<const std::uint8_t> in_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;  // TLVs enclosing this reader's buffer
};

// Content decoders (the bytes after tag and length).
result<std::int64_t> decode_signed(std::span<const std::uint8_t> content, std::size_t max_octets);
result<std::uint64_t> decode_unsigned(std::span<const std::uint8_t> content, unsigned bits);
result<std::int32_t> decode_integer32(std::span<const std::uint8_t> content);
result<oid> decode_oid(std::span<const std::uint8_t> content);

// A complete value from a TLV of any SNMP value type (application types, exceptions).
result<snmp::value> decode_value(const tlv& t);

}  // namespace pdu2mqtt::snmp::ber
