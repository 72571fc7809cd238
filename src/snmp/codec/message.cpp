// SNMP v1/v2c messages (RFC 1157 4, RFC 3416 3): encode a message to bytes, and decode one
// datagram strictly, with every limit enforced and errors that say where they happened.
#include "pdu2mqtt/snmp/message.hpp"

#include <string>

#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu_codec.hpp"

namespace pdu2mqtt::snmp {

using detail::in_context;

namespace {

bool is_pdu_tag(std::uint8_t t) noexcept {
  return t >= 0xA0 && t <= 0xA8;
}

std::string hex_byte(std::uint8_t b) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return std::string{'0', 'x', digits[b >> 4], digits[b & 0x0F]};
}

}  // namespace

std::string_view to_string(pdu_type t) noexcept {
  switch (t) {
    case pdu_type::get_request:
      return "GetRequest";
    case pdu_type::get_next_request:
      return "GetNextRequest";
    case pdu_type::response:
      return "Response";
    case pdu_type::set_request:
      return "SetRequest";
    case pdu_type::trap_v1:
      return "Trap";
    case pdu_type::get_bulk_request:
      return "GetBulkRequest";
    case pdu_type::inform_request:
      return "InformRequest";
    case pdu_type::trap_v2:
      return "SNMPv2-Trap";
    case pdu_type::report:
      return "Report";
  }
  return "unknown PDU";
}

std::string_view to_string(version v) noexcept {
  switch (v) {
    case version::v1:
      return "v1";
    case version::v2c:
      return "v2c";
    case version::v3:
      return "v3";
  }
  return "unknown version";
}

void encode(const message& m, std::vector<std::uint8_t>& out) {
  ber::writer w(out);
  // RFC 1157 4 / RFC 3416 3: Message ::= SEQUENCE { version, community, data }.
  const std::size_t msg = w.begin_constructed(ber::tag::sequence);
  w.integer(static_cast<std::int32_t>(m.version));
  w.octets(m.community);
  detail::encode_pdu(m.pdu, w);
  w.end_constructed(msg);
}

std::vector<std::uint8_t> encode(const message& m) {
  std::vector<std::uint8_t> out;
  encode(m, out);
  return out;
}

result<message> decode(std::span<const std::uint8_t> datagram) {
  if (datagram.size() > max_message_size) {
    return {errc::message_too_large, std::to_string(datagram.size()) + " bytes, more than " +
                                         std::to_string(max_message_size)};
  }
  message m;
  ber::reader top(datagram);
  auto outer = top.expect(ber::tag::sequence);
  if (!outer) return in_context(outer.err(), "message");
  if (!top.empty()) {
    return {errc::trailing_data, std::to_string(datagram.size() - top.offset()) +
                                     " bytes after the message at offset " +
                                     std::to_string(top.offset())};
  }
  ber::reader body = ber::reader::inside(*outer);

  // version
  auto version_tlv = body.expect(ber::tag::integer);
  if (!version_tlv) return in_context(version_tlv.err(), "version");
  auto version_number = ber::decode_integer32(version_tlv->content);
  if (!version_number) {
    return in_context(version_number.err(),
                      "version at offset " + std::to_string(version_tlv->offset));
  }
  if (*version_number != 0 && *version_number != 1) {
    // v3 (3) has a different layout (RFC 3412 6) and is not handled by this decoder.
    return {errc::unsupported_version, "version " + std::to_string(*version_number) +
                                           " at offset " + std::to_string(version_tlv->offset) +
                                           " (only 0 = v1 and 1 = v2c are decoded)"};
  }
  m.version = static_cast<snmp::version>(*version_number);

  // community
  auto community = body.expect(ber::tag::octet_string);
  if (!community) return in_context(community.err(), "community");
  if (community->content.size() > max_community_length) {
    return {errc::bad_length, "community at offset " + std::to_string(community->offset) + " is " +
                                  std::to_string(community->content.size()) + " bytes, more than " +
                                  std::to_string(max_community_length)};
  }
  m.community.assign(community->content.begin(), community->content.end());

  // PDU
  auto pdu_tlv = body.next();
  if (!pdu_tlv) return in_context(pdu_tlv.err(), "PDU");
  auto decoded_pdu = detail::decode_pdu(*pdu_tlv, m.version);
  if (!decoded_pdu) return decoded_pdu.err();
  if (!body.empty()) {
    return {errc::trailing_data, "bytes after the PDU at offset " + std::to_string(body.offset())};
  }
  m.pdu = std::move(*decoded_pdu);
  return m;
}

namespace detail {

error in_context(const error& e, const std::string& where) {
  return error{e.code, e.detail.empty() ? where : where + ": " + e.detail};
}

void encode_pdu(const pdu& p, ber::writer& w) {
  const std::size_t pdu = w.begin_constructed(static_cast<std::uint8_t>(p.type));
  w.integer(p.request_id);
  w.integer(p.error_status);  // non-repeaters in GetBulk (RFC 3416 4.2.3)
  w.integer(p.error_index);   // max-repetitions in GetBulk
  const std::size_t list = w.begin_constructed(ber::tag::sequence);
  for (const varbind& vb : p.varbinds) {
    const std::size_t one = w.begin_constructed(ber::tag::sequence);
    w.object_identifier(vb.name);
    w.value(vb.value);
    w.end_constructed(one);
  }
  w.end_constructed(list);
  w.end_constructed(pdu);
}

result<pdu> decode_pdu(const ber::tlv& pdu_tlv, version message_version) {
  pdu out;
  const std::uint8_t t = pdu_tlv.tag;
  const std::string pdu_at = " at offset " + std::to_string(pdu_tlv.offset);
  if (!is_pdu_tag(t)) {
    // Context-specific constructed tags are PDU types we do not know; anything else
    // is not a PDU at all.
    if ((t & 0xE0) == 0xA0) {
      return {errc::unsupported_pdu, "unknown PDU type " + hex_byte(t) + pdu_at};
    }
    return {errc::unexpected_tag, "expected a PDU" + pdu_at + ", found tag " + hex_byte(t)};
  }
  out.type = static_cast<pdu_type>(t);
  if (out.type == pdu_type::trap_v1) {
    // RFC 1157 4.1.6: Trap-PDU has another layout (enterprise, agent-addr, ...).
    return {errc::unsupported_pdu, "v1 Trap-PDU" + pdu_at + " is not accepted"};
  }
  if (out.type == pdu_type::get_bulk_request && message_version == version::v1) {
    // RFC 3416 4.2.3 / RFC 3584 4.1: GetBulk does not exist in SNMPv1.
    return {errc::unsupported_pdu, "GetBulkRequest" + pdu_at + " in a v1 message"};
  }
  ber::reader fields = ber::reader::inside(pdu_tlv);
  const auto integer_field = [&fields](const char* name) -> result<std::int32_t> {
    auto f = fields.expect(ber::tag::integer);
    if (!f) return in_context(f.err(), name);
    auto v = ber::decode_integer32(f->content);
    if (!v)
      return in_context(v.err(), std::string(name) + " at offset " + std::to_string(f->offset));
    return *v;
  };
  auto request_id = integer_field("request-id");
  if (!request_id) return request_id.err();
  auto error_status =
      integer_field(out.type == pdu_type::get_bulk_request ? "non-repeaters" : "error-status");
  if (!error_status) return error_status.err();
  auto error_index =
      integer_field(out.type == pdu_type::get_bulk_request ? "max-repetitions" : "error-index");
  if (!error_index) return error_index.err();
  out.request_id = *request_id;
  out.error_status = *error_status;
  out.error_index = *error_index;

  auto list_tlv = fields.expect(ber::tag::sequence);
  if (!list_tlv) return in_context(list_tlv.err(), "varbind list");
  if (!fields.empty()) {
    return {errc::trailing_data,
            "bytes after the varbind list at offset " + std::to_string(fields.offset())};
  }

  // Counted as they come: a peer announcing 10 000 varbinds costs us max_varbinds at most.
  ber::reader list = ber::reader::inside(*list_tlv);
  while (!list.empty()) {
    const std::size_t n = out.varbinds.size() + 1;  // 1-based, as error-index counts
    const std::string name = "varbind " + std::to_string(n);
    if (n > max_varbinds) {
      return {errc::too_many_varbinds, name + " at offset " + std::to_string(list.offset()) +
                                           ": more than " + std::to_string(max_varbinds)};
    }
    auto vb_tlv = list.expect(ber::tag::sequence);
    if (!vb_tlv) return in_context(vb_tlv.err(), name);
    ber::reader vb = ber::reader::inside(*vb_tlv);

    auto name_tlv = vb.expect(ber::tag::object_identifier);
    if (!name_tlv) return in_context(name_tlv.err(), name + " name");
    auto oid_value = ber::decode_oid(name_tlv->content);
    if (!oid_value) {
      return in_context(oid_value.err(),
                        name + " name at offset " + std::to_string(name_tlv->offset));
    }
    auto value_tlv = vb.next();
    if (!value_tlv) return in_context(value_tlv.err(), name + " value");
    auto v = ber::decode_value(*value_tlv);
    if (!v) return in_context(v.err(), name + " value");
    if (!vb.empty()) {
      return {errc::trailing_data,
              name + ": bytes after the value at offset " + std::to_string(vb.offset())};
    }
    out.varbinds.push_back(varbind{std::move(*oid_value), std::move(*v)});
  }
  return out;
}

}  // namespace detail

}  // namespace pdu2mqtt::snmp
