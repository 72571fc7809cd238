// X.690 BER as SNMP uses it (RFC 3417 8). The writer appends minimal definite-length
// encodings; the reader walks a bounded buffer and checks every length before any read.
#include "pdu2mqtt/snmp/ber.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "pdu2mqtt/common/overloaded.hpp"

namespace pdu2mqtt::snmp::ber {
namespace {

std::string hex_byte(std::uint8_t b) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return std::string{'0', 'x', digits[b >> 4], digits[b & 0x0F]};
}

const char* tag_name(std::uint8_t t) noexcept {
  switch (t) {
    case tag::integer:
      return "INTEGER";
    case tag::octet_string:
      return "OCTET STRING";
    case tag::null:
      return "NULL";
    case tag::object_identifier:
      return "OBJECT IDENTIFIER";
    case tag::sequence:
      return "SEQUENCE";
    case tag::ip_address:
      return "IpAddress";
    case tag::counter32:
      return "Counter32";
    case tag::gauge32:
      return "Gauge32";
    case tag::time_ticks:
      return "TimeTicks";
    case tag::opaque:
      return "Opaque";
    case tag::counter64:
      return "Counter64";
    case tag::no_such_object:
      return "noSuchObject";
    case tag::no_such_instance:
      return "noSuchInstance";
    case tag::end_of_mib_view:
      return "endOfMibView";
    case 0xA0:
      return "GetRequest-PDU";
    case 0xA1:
      return "GetNextRequest-PDU";
    case 0xA2:
      return "Response-PDU";
    case 0xA3:
      return "SetRequest-PDU";
    case 0xA4:
      return "Trap-PDU";
    case 0xA5:
      return "GetBulkRequest-PDU";
    case 0xA6:
      return "InformRequest-PDU";
    case 0xA7:
      return "SNMPv2-Trap-PDU";
    case 0xA8:
      return "Report-PDU";
    default:
      return nullptr;
  }
}

std::string describe_tag(std::uint8_t t) {
  const char* name = tag_name(t);
  return name ? std::string(name) + " (" + hex_byte(t) + ")" : "tag " + hex_byte(t);
}

// The same error with a note of where it happened in front of its detail.
error in_context(const error& e, const std::string& where) {
  return error{e.code, e.detail.empty() ? where : where + ": " + e.detail};
}

// Octets of one base-128 sub-identifier (X.690 8.19.2): 7 bits each.
std::size_t base128_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >>= 7)
    ++n;
  return n;
}

}  // namespace

// ---- writer ----------------------------------------------------------------------------

void writer::header(std::uint8_t t, std::size_t length) {
  out_.push_back(t);
  if (length < 0x80) {  // X.690 8.1.3.4: short form
    out_.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  // X.690 8.1.3.5: long form. We always write the fewest octets (as DER, 10.1), because
  // some agents reject anything else even though BER allows it.
  std::size_t n = 0;
  for (std::size_t l = length; l != 0; l >>= 8)
    ++n;
  out_.push_back(static_cast<std::uint8_t>(0x80 | n));
  for (std::size_t i = n; i-- > 0;)
    out_.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

void writer::integer(std::int64_t v, std::uint8_t t) {
  std::uint8_t buf[8];
  const auto u = static_cast<std::uint64_t>(v);
  for (std::size_t i = 0; i < 8; ++i)
    buf[7 - i] = static_cast<std::uint8_t>(u >> (8 * i));
  // X.690 8.3.2: the first nine bits of the content must not be all zeros or all ones,
  // so a leading octet goes while it only repeats the next octet's sign bit.
  std::size_t start = 0;
  while (start < 7 && ((buf[start] == 0x00 && (buf[start + 1] & 0x80) == 0) ||
                       (buf[start] == 0xFF && (buf[start + 1] & 0x80) != 0))) {
    ++start;
  }
  header(t, 8 - start);
  out_.insert(out_.end(), buf + start, buf + 8);
}

void writer::unsigned_integer(std::uint64_t v, std::uint8_t t) {
  // RFC 2578 7.1.6-10: unsigned types are still BER INTEGERs, so a value with its top bit
  // set needs a 0x00 in front (2^32-1 is 00 FF FF FF FF), hence one spare octet.
  std::uint8_t buf[9];
  buf[0] = 0;
  for (std::size_t i = 0; i < 8; ++i)
    buf[8 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  std::size_t start = 0;
  while (start < 8 && buf[start] == 0x00 && (buf[start + 1] & 0x80) == 0)
    ++start;
  header(t, 9 - start);
  out_.insert(out_.end(), buf + start, buf + 9);
}

void writer::octets(std::string_view bytes, std::uint8_t t) {
  header(t, bytes.size());
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void writer::null(std::uint8_t t) {
  header(t, 0);
}

void writer::object_identifier(const oid& o) {
  // X.690 8.19.4: the first two arcs share one sub-identifier 40*X+Y, which only
  // round-trips when X <= 2 and, for X < 2, Y < 40. Anything else is a caller bug.
  if (o.size() < 2 || o[0] > 2 || (o[0] < 2 && o[1] >= 40)) {
    throw std::invalid_argument("cannot BER-encode OID \"" + o.to_string() +
                                "\": X.690 8.19.4 needs at least two arcs, the first 0..2, "
                                "the second below 40 unless the first is 2");
  }
  const std::uint64_t first = std::uint64_t{o[0]} * 40 + o[1];
  std::size_t length = base128_size(first);
  for (std::size_t i = 2; i < o.size(); ++i)
    length += base128_size(o[i]);
  header(tag::object_identifier, length);

  auto put = [this](std::uint64_t v) {
    // X.690 8.19.2: big-endian 7-bit groups, bit 8 set on all but the last; minimal.
    for (std::size_t i = base128_size(v); i-- > 0;) {
      const auto group = static_cast<std::uint8_t>((v >> (7 * i)) & 0x7F);
      out_.push_back(i == 0 ? group : static_cast<std::uint8_t>(group | 0x80));
    }
  };
  put(first);
  for (std::size_t i = 2; i < o.size(); ++i)
    put(o[i]);
}

void writer::value(const snmp::value& v) {
  std::visit(overloaded{
                 [this](null_value) { null(); },
                 [this](std::int32_t i) { integer(i); },
                 [this](const std::string& s) { octets(s); },
                 [this](const oid& o) { object_identifier(o); },
                 [this](const ip_address& ip) {
                   header(tag::ip_address, ip.octets.size());
                   out_.insert(out_.end(), ip.octets.begin(), ip.octets.end());
                 },
                 [this](counter32 c) { unsigned_integer(c.value, tag::counter32); },
                 [this](gauge32 g) { unsigned_integer(g.value, tag::gauge32); },
                 [this](time_ticks t) { unsigned_integer(t.value, tag::time_ticks); },
                 [this](const opaque& o) { octets(o.bytes, tag::opaque); },
                 [this](counter64 c) { unsigned_integer(c.value, tag::counter64); },
                 [this](no_such_object) { null(tag::no_such_object); },
                 [this](no_such_instance) { null(tag::no_such_instance); },
                 [this](end_of_mib_view) { null(tag::end_of_mib_view); },
             },
             v);
}

std::size_t writer::begin_constructed(std::uint8_t t) {
  out_.push_back(t);
  out_.push_back(0);  // length placeholder: one octet, enough for short form
  return out_.size() - 1;
}

void writer::end_constructed(std::size_t mark) {
  const std::size_t length = out_.size() - mark - 1;
  if (length < 0x80) {
    out_[mark] = static_cast<std::uint8_t>(length);
    return;
  }
  // X.690 8.1.3.5: long form; make room for the extra length octets after the first.
  std::uint8_t extra[sizeof(std::size_t)];
  std::size_t n = 0;
  for (std::size_t l = length; l != 0; l >>= 8)
    ++n;
  for (std::size_t i = 0; i < n; ++i)
    extra[i] = static_cast<std::uint8_t>(length >> (8 * (n - 1 - i)));
  out_[mark] = static_cast<std::uint8_t>(0x80 | n);
  out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(mark + 1), extra, extra + n);
}

// ---- reader ----------------------------------------------------------------------------

result<tlv> reader::next() {
  const std::size_t start = pos_;
  const std::size_t left = in_.size() - pos_;
  const std::size_t at = base_ + start;
  if (left == 0) {
    return {errc::truncated,
            "expected a TLV at offset " + std::to_string(at) + " but no bytes are left"};
  }
  if (depth_ >= max_nesting) {
    return {errc::too_deeply_nested, "TLV at offset " + std::to_string(at) + " is nested " +
                                         std::to_string(depth_ + 1) + " deep, more than " +
                                         std::to_string(max_nesting)};
  }
  const std::uint8_t t = in_[pos_];
  if ((t & 0x1F) == 0x1F) {
    // X.690 8.1.2.4: high tag numbers; no SNMP type uses them.
    return {errc::unexpected_tag, "high-tag-number form " + hex_byte(t) + " at offset " +
                                      std::to_string(at) + " is not used by SNMP"};
  }
  if (left < 2) {
    return {errc::truncated,
            describe_tag(t) + " at offset " + std::to_string(at) + " has no length octet"};
  }
  const std::uint8_t first = in_[pos_ + 1];
  std::size_t header = 2;
  std::size_t length = first;
  if (first == 0x80) {
    // X.690 8.1.3.6; RFC 3417 8 allows definite lengths only.
    return {errc::indefinite_length, describe_tag(t) + " at offset " + std::to_string(at) +
                                         " has an indefinite length (0x80)"};
  }
  if (first > 0x80) {
    const std::size_t n = first & 0x7F;
    if (first == 0xFF) {  // X.690 8.1.3.5 c): reserved
      return {errc::bad_length, describe_tag(t) + " at offset " + std::to_string(at) +
                                    " has the reserved length octet 0xFF"};
    }
    if (n > max_length_octets) {
      return {errc::bad_length, describe_tag(t) + " at offset " + std::to_string(at) + " has " +
                                    std::to_string(n) + " length octets, more than " +
                                    std::to_string(max_length_octets)};
    }
    if (n > left - 2) {
      return {errc::truncated, describe_tag(t) + " at offset " + std::to_string(at) +
                                   ": length needs " + std::to_string(n) + " more octets, only " +
                                   std::to_string(left - 2) + " left"};
    }
    // Non-minimal long forms (0x81 0x05) are accepted: X.690 8.1.3.5 allows them in BER
    // and net-snmp and real agents send them.
    length = 0;
    for (std::size_t i = 0; i < n; ++i)
      length = (length << 8) | in_[pos_ + 2 + i];
    header += n;
  }
  if (length > left - header) {
    return {errc::truncated, describe_tag(t) + ": length " + std::to_string(length) +
                                 " exceeds the " + std::to_string(left - header) +
                                 " bytes left at offset " + std::to_string(at + header)};
  }
  pos_ += header + length;
  return tlv{t, in_.subspan(start + header, length), at, at + header, depth_ + 1};
}

result<tlv> reader::expect(std::uint8_t t) {
  // Look at the tag first: "expected X, found Y" says more than a length error would.
  if (pos_ < in_.size() && in_[pos_] != t) {
    return {errc::unexpected_tag, "expected " + describe_tag(t) + " at offset " +
                                      std::to_string(offset()) + ", found " +
                                      describe_tag(in_[pos_])};
  }
  if (pos_ == in_.size()) {
    return {errc::truncated, "expected " + describe_tag(t) + " at offset " +
                                 std::to_string(offset()) + " but no bytes are left"};
  }
  return next();
}

// ---- content decoders ------------------------------------------------------------------

result<std::int64_t> decode_signed(std::span<const std::uint8_t> content, std::size_t max_octets) {
  if (content.empty()) {
    return {errc::bad_length, "integer with no content octets (X.690 8.3.1 needs one)"};
  }
  max_octets = std::min<std::size_t>(max_octets, 8);
  if (content.size() > max_octets) {
    return {errc::integer_overflow, "integer of " + std::to_string(content.size()) +
                                        " octets, at most " + std::to_string(max_octets) +
                                        " allowed"};
  }
  // X.690 8.3.3: two's complement, so sign-extend from the first octet's top bit.
  std::uint64_t v = (content[0] & 0x80) ? ~std::uint64_t{0} : 0;
  for (const std::uint8_t b : content)
    v = (v << 8) | b;
  return static_cast<std::int64_t>(v);
}

result<std::int32_t> decode_integer32(std::span<const std::uint8_t> content) {
  // RFC 2578 7.1.1: INTEGER is 32-bit signed. Up to 5 octets are accepted (a redundant
  // sign octet, as sloppy encoders write) as long as the value fits.
  auto v = decode_signed(content, 5);
  if (!v) return v.err();
  if (*v < std::numeric_limits<std::int32_t>::min() ||
      *v > std::numeric_limits<std::int32_t>::max()) {
    return {errc::integer_overflow,
            "INTEGER value " + std::to_string(*v) + " does not fit 32 bits"};
  }
  return static_cast<std::int32_t>(*v);
}

result<std::uint64_t> decode_unsigned(std::span<const std::uint8_t> content, unsigned bits) {
  if (content.empty()) {
    return {errc::bad_length, "integer with no content octets (X.690 8.3.1 needs one)"};
  }
  bits = std::min(bits, 64u);
  const std::size_t value_octets = (bits + 7) / 8;
  // One octet more than the value needs is allowed only as the 0x00 that keeps the
  // BER INTEGER positive (X.690 8.3.3).
  if (content.size() > value_octets + 1 ||
      (content.size() == value_octets + 1 && content[0] != 0x00)) {
    return {errc::integer_overflow, std::to_string(content.size()) + "-octet value does not fit " +
                                        std::to_string(bits) + " unsigned bits"};
  }
  // Content with its top bit set is taken as unsigned bits, not as a negative number:
  // some agents' firmware writes Counter32/Gauge32 without the leading 0x00.
  std::uint64_t v = 0;
  for (const std::uint8_t b : content)
    v = (v << 8) | b;
  if (bits < 64 && v >> bits != 0) {
    return {errc::integer_overflow,
            "value " + std::to_string(v) + " does not fit " + std::to_string(bits) + " bits"};
  }
  return v;
}

result<oid> decode_oid(std::span<const std::uint8_t> content) {
  if (content.empty()) {
    return {errc::bad_oid, "empty OBJECT IDENTIFIER (X.690 8.19.2 needs a sub-identifier)"};
  }
  constexpr std::uint64_t max_arc = std::numeric_limits<std::uint32_t>::max();
  oid arcs;
  std::size_t i = 0;
  while (i < content.size()) {
    const std::size_t start = i;
    if (content[i] == 0x80) {
      // X.690 8.19.2: "the leading octet of the subidentifier shall not have the value 0x80".
      return {errc::bad_oid, "sub-identifier at content octet " + std::to_string(start) +
                                 " starts with a 0x80 padding octet"};
    }
    // The first sub-identifier holds 40*X+Y (X.690 8.19.4); with X = 2, Y may reach
    // 2^32-1, so that one may be up to 80 larger.
    const std::uint64_t limit = arcs.empty() ? max_arc + 80 : max_arc;
    std::uint64_t v = 0;
    while (true) {
      if (i == content.size()) {
        return {errc::bad_oid, "sub-identifier at content octet " + std::to_string(start) +
                                   " is cut off (its last octet has bit 8 set)"};
      }
      const std::uint8_t b = content[i++];
      v = (v << 7) | (b & 0x7F);
      if (v > limit) {  // checked per octet: v stays below 2^40, no shift overflow
        return {errc::bad_oid, "sub-identifier at content octet " + std::to_string(start) +
                                   " exceeds 2^32-1 (RFC 2578 3.5)"};
      }
      if ((b & 0x80) == 0) break;
    }
    if (arcs.empty()) {
      const std::uint64_t x = v < 40 ? 0 : v < 80 ? 1 : 2;
      arcs.push_back(static_cast<std::uint32_t>(x));
      arcs.push_back(static_cast<std::uint32_t>(v - 40 * x));
    } else {
      if (arcs.size() == max_oid_arcs) {
        return {errc::too_many_oid_arcs, "OBJECT IDENTIFIER has more than " +
                                             std::to_string(max_oid_arcs) +
                                             " sub-identifiers (RFC 2578 3.5)"};
      }
      arcs.push_back(static_cast<std::uint32_t>(v));
    }
  }
  return arcs;
}

result<snmp::value> decode_value(const tlv& t) {
  const auto where = [&t] {
    return describe_tag(t.tag) + " at offset " + std::to_string(t.offset);
  };
  const auto empty_content = [&](snmp::value v) -> result<snmp::value> {
    // X.690 8.8.2 (NULL) and RFC 3416 3 (exceptions are IMPLICIT NULL): no content.
    if (!t.content.empty()) {
      return {errc::bad_length, where() + " has " + std::to_string(t.content.size()) +
                                    " content octets, must have none"};
    }
    return v;
  };
  const auto as_string = [&t] {
    return std::string(reinterpret_cast<const char*>(t.content.data()), t.content.size());
  };
  const auto unsigned32 = [&](auto wrap) -> result<snmp::value> {
    auto v = decode_unsigned(t.content, 32);
    if (!v) return in_context(v.err(), where());
    return snmp::value{decltype(wrap){static_cast<std::uint32_t>(*v)}};
  };

  switch (t.tag) {
    case tag::integer: {
      auto v = decode_integer32(t.content);
      if (!v) return in_context(v.err(), where());
      return snmp::value{*v};
    }
    case tag::octet_string:
      return snmp::value{as_string()};
    case tag::null:
      return empty_content(null_value{});
    case tag::object_identifier: {
      auto v = decode_oid(t.content);
      if (!v) return in_context(v.err(), where());
      return snmp::value{std::move(*v)};
    }
    case tag::ip_address: {
      // RFC 2578 7.1.5: OCTET STRING (SIZE (4)), IPv4 only.
      if (t.content.size() != 4) {
        return {errc::bad_length, where() + " has " + std::to_string(t.content.size()) +
                                      " content octets, must have 4"};
      }
      ip_address ip;
      std::copy(t.content.begin(), t.content.end(), ip.octets.begin());
      return snmp::value{ip};
    }
    case tag::counter32:
      return unsigned32(counter32{});
    case tag::gauge32:
      return unsigned32(gauge32{});
    case tag::time_ticks:
      return unsigned32(time_ticks{});
    case tag::opaque:
      return snmp::value{opaque{as_string()}};
    case tag::counter64: {
      auto v = decode_unsigned(t.content, 64);
      if (!v) return in_context(v.err(), where());
      return snmp::value{counter64{*v}};
    }
    case tag::no_such_object:
      return empty_content(no_such_object{});
    case tag::no_such_instance:
      return empty_content(no_such_instance{});
    case tag::end_of_mib_view:
      return empty_content(end_of_mib_view{});
    default:
      return {errc::unexpected_tag, where() + " is not an SNMP value type"};
  }
}

}  // namespace pdu2mqtt::snmp::ber
