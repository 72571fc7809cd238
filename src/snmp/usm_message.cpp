// SNMPv3 messages (RFC 3412 6) with USM security parameters (RFC 3414 2.4): seal() encodes,
// authenticates and encrypts; peek() and open() decode strictly, verify and decrypt.
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "codec/pdu_codec.hpp"
#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "usm_crypto.hpp"

namespace pdu2mqtt::snmp::v3 {
namespace {

using snmp::detail::in_context;

// RFC 3412 6: msgVersion of an SNMPv3 message.
constexpr std::int32_t snmpv3_version = 3;
// RFC 3412 6: msgMaxSize INTEGER (484..2147483647).
constexpr std::int32_t min_msg_max_size = 484;
// RFC 7860 4.2.2: the longest msgAuthenticationParameters (HMAC-SHA-512, 48 octets).
constexpr std::size_t max_auth_parameters_length = 48;
// RFC 3414 8.1.1.1 / RFC 3826 3.1.2.1: msgPrivacyParameters is a salt of 8 octets.
constexpr std::size_t max_priv_parameters_length = 8;
// RFC 3414 4: usmStats OBJECT IDENTIFIER ::= { usmMIBObjects 1 } = 1.3.6.1.6.3.15.1.1.
constexpr std::array<std::uint32_t, 9> usm_stats_prefix = {1, 3, 6, 1, 6, 3, 15, 1, 1};

std::string at(const ber::tlv& t) {
  return " at offset " + std::to_string(t.offset);
}

std::string as_string(std::span<const std::uint8_t> b) {
  return std::string(b.begin(), b.end());
}

result<std::int32_t> integer_field(ber::reader& r, const char* name, std::int32_t minimum) {
  auto t = r.expect(ber::tag::integer);
  if (!t) return in_context(t.err(), name);
  auto v = ber::decode_integer32(t->content);
  if (!v) return in_context(v.err(), name + at(*t));
  if (*v < minimum) {
    return {errc::integer_overflow, std::string(name) + at(*t) + " is " + std::to_string(*v) +
                                        ", less than " + std::to_string(minimum)};
  }
  return *v;
}

result<ber::tlv> octets_field(ber::reader& r, const char* name, std::size_t max_length) {
  auto t = r.expect(ber::tag::octet_string);
  if (!t) return in_context(t.err(), name);
  if (t->content.size() > max_length) {
    return {errc::bad_length, std::string(name) + at(*t) + " is " +
                                  std::to_string(t->content.size()) + " octets, more than " +
                                  std::to_string(max_length)};
  }
  return *t;
}

status nothing_after(const ber::reader& r, const char* what) {
  if (r.empty()) return ok;
  return {errc::trailing_data,
          std::string("bytes after ") + what + " at offset " + std::to_string(r.offset())};
}

// A datagram taken apart as far as it goes without keys.
struct parsed {
  envelope env;
  std::size_t auth_offset = 0;  // msgAuthenticationParameters' content, from the datagram start
  ber::tlv data;                // msgData: a ScopedPDU, or the encryptedPDU OCTET STRING
};

result<usm_parameters> parse_usm(const ber::tlv& security_parameters,
                                 std::span<const std::uint8_t> datagram, std::size_t& auth_offset) {
  // RFC 3414 2.4: msgSecurityParameters holds the BER of UsmSecurityParameters.
  ber::reader holder = ber::reader::inside(security_parameters);
  auto seq = holder.expect(ber::tag::sequence);
  if (!seq) return in_context(seq.err(), "UsmSecurityParameters");
  if (auto s = nothing_after(holder, "UsmSecurityParameters"); !s) return s.err();
  ber::reader r = ber::reader::inside(*seq);

  usm_parameters usm;
  auto engine = octets_field(r, "msgAuthoritativeEngineID", max_engine_id_length);
  if (!engine) return engine.err();
  usm.engine_id = as_string(engine->content);
  auto boots = integer_field(r, "msgAuthoritativeEngineBoots", 0);
  if (!boots) return boots.err();
  usm.engine_boots = *boots;
  auto time = integer_field(r, "msgAuthoritativeEngineTime", 0);
  if (!time) return time.err();
  usm.engine_time = *time;
  auto name = octets_field(r, "msgUserName", max_user_name_length);
  if (!name) return name.err();
  usm.user_name = as_string(name->content);
  auto auth = octets_field(r, "msgAuthenticationParameters", max_auth_parameters_length);
  if (!auth) return auth.err();
  usm.auth_parameters = as_string(auth->content);
  auth_offset = static_cast<std::size_t>(auth->content.data() - datagram.data());
  auto priv = octets_field(r, "msgPrivacyParameters", max_priv_parameters_length);
  if (!priv) return priv.err();
  usm.priv_parameters = as_string(priv->content);
  if (auto s = nothing_after(r, "msgPrivacyParameters"); !s) return s.err();
  return usm;
}

result<parsed> parse(std::span<const std::uint8_t> datagram) {
  if (datagram.size() > max_message_size) {
    return {errc::message_too_large, std::to_string(datagram.size()) + " bytes, more than " +
                                         std::to_string(max_message_size)};
  }
  parsed p;
  ber::reader top(datagram);
  auto outer = top.expect(ber::tag::sequence);
  if (!outer) return in_context(outer.err(), "SNMPv3Message");
  if (auto s = nothing_after(top, "the message"); !s) return s.err();
  ber::reader body = ber::reader::inside(*outer);

  auto version_tlv = body.expect(ber::tag::integer);
  if (!version_tlv) return in_context(version_tlv.err(), "msgVersion");
  auto version_number = ber::decode_integer32(version_tlv->content);
  if (!version_number) return in_context(version_number.err(), "msgVersion" + at(*version_tlv));
  if (*version_number != snmpv3_version) {
    return {errc::unsupported_version, "msgVersion " + std::to_string(*version_number) +
                                           at(*version_tlv) + " (only 3 is decoded here)"};
  }

  // RFC 3412 6: HeaderData ::= SEQUENCE { msgID, msgMaxSize, msgFlags, msgSecurityModel }.
  auto header = body.expect(ber::tag::sequence);
  if (!header) return in_context(header.err(), "msgGlobalData");
  ber::reader h = ber::reader::inside(*header);
  auto msg_id = integer_field(h, "msgID", 0);
  if (!msg_id) return msg_id.err();
  p.env.msg_id = *msg_id;
  auto max_size = integer_field(h, "msgMaxSize", min_msg_max_size);
  if (!max_size) return max_size.err();
  p.env.max_size = *max_size;
  auto flags_tlv = h.expect(ber::tag::octet_string);
  if (!flags_tlv) return in_context(flags_tlv.err(), "msgFlags");
  if (flags_tlv->content.size() != 1) {
    return {errc::bad_length, "msgFlags" + at(*flags_tlv) + " is " +
                                  std::to_string(flags_tlv->content.size()) +
                                  " octets, not 1 (RFC 3412 6)"};
  }
  p.env.flags = flags_tlv->content[0];
  if ((p.env.flags & flags::priv) != 0 && (p.env.flags & flags::auth) == 0) {
    // RFC 3412 7.2 step 5d: privacy without authentication is an invalid combination.
    return {errc::unsupported_security_level,
            "msgFlags" + at(*flags_tlv) + " ask for privacy without authentication"};
  }
  auto model_tlv = h.expect(ber::tag::integer);
  if (!model_tlv) return in_context(model_tlv.err(), "msgSecurityModel");
  auto model = ber::decode_integer32(model_tlv->content);
  if (!model) return in_context(model.err(), "msgSecurityModel" + at(*model_tlv));
  if (*model != usm_security_model) {
    return {errc::unsupported_version, "msgSecurityModel " + std::to_string(*model) +
                                           at(*model_tlv) + " (only 3, USM, is supported)"};
  }
  if (auto s = nothing_after(h, "msgSecurityModel"); !s) return s.err();

  auto security = body.expect(ber::tag::octet_string);
  if (!security) return in_context(security.err(), "msgSecurityParameters");
  auto usm = parse_usm(*security, datagram, p.auth_offset);
  if (!usm) return usm.err();
  p.env.usm = std::move(*usm);

  // RFC 3412 6: ScopedPduData ::= CHOICE { plaintext ScopedPDU, encryptedPDU OCTET STRING }.
  const bool encrypted = (p.env.flags & flags::priv) != 0;
  auto data = body.expect(encrypted ? ber::tag::octet_string : ber::tag::sequence);
  if (!data) return in_context(data.err(), encrypted ? "encryptedPDU" : "ScopedPDU");
  p.data = *data;
  if (auto s = nothing_after(body, "msgData"); !s) return s.err();
  return p;
}

result<message> decode_scoped_pdu(const ber::tlv& scoped, message m) {
  // RFC 3412 6: ScopedPDU ::= SEQUENCE { contextEngineID, contextName, data }.
  ber::reader r = ber::reader::inside(scoped);
  auto engine = octets_field(r, "contextEngineID", max_engine_id_length);
  if (!engine) return engine.err();
  m.context_engine_id = as_string(engine->content);
  auto name = octets_field(r, "contextName", max_context_name_length);
  if (!name) return name.err();
  m.context_name = as_string(name->content);
  auto pdu_tlv = r.next();
  if (!pdu_tlv) return in_context(pdu_tlv.err(), "PDU");
  // Version v3 carries v2 PDUs (RFC 3416): GetBulk and Report are allowed.
  auto decoded = snmp::detail::decode_pdu(*pdu_tlv, version::v3);
  if (!decoded) return decoded.err();
  if (auto s = nothing_after(r, "the PDU"); !s) return s.err();
  m.pdu = std::move(*decoded);
  return m;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

bytes seal(const message& m, const localized_keys* keys, std::uint64_t salt) {
  const bool authenticated = (m.flags & flags::auth) != 0;
  const bool encrypted = (m.flags & flags::priv) != 0;
  if (encrypted && !authenticated) {
    throw std::invalid_argument("USM seal: privacy without authentication (RFC 3412 7.2 5d)");
  }
  if (authenticated && (keys == nullptr || keys->auth == auth_protocol::none)) {
    throw std::invalid_argument("USM seal: the auth flag needs keys with an auth protocol");
  }
  if (encrypted && keys->priv == priv_protocol::none) {
    throw std::invalid_argument("USM seal: the priv flag needs keys with a privacy protocol");
  }

  bytes scoped;
  {
    ber::writer w(scoped);
    const std::size_t mark = w.begin_constructed(ber::tag::sequence);
    w.octets(m.context_engine_id);
    w.octets(m.context_name);
    snmp::detail::encode_pdu(m.pdu, w);
    w.end_constructed(mark);
  }
  bytes priv_parameters;
  if (encrypted) {
    auto ciphertext = detail::encrypt(*keys, m.usm.engine_boots, m.usm.engine_time, salt, scoped,
                                      priv_parameters);
    if (!ciphertext) throw std::runtime_error("USM seal: " + ciphertext.err().to_string());
    scoped = std::move(*ciphertext);
  }

  // RFC 3414 6.3.1 step 1 / 7.3.1 step 1: msgAuthenticationParameters is first N zero octets;
  // the HMAC over the whole message then replaces them.
  const std::size_t auth_length = authenticated ? auth_parameters_length(keys->auth) : 0;
  bytes security;
  std::size_t auth_in_security = 0;
  {
    ber::writer w(security);
    const std::size_t mark = w.begin_constructed(ber::tag::sequence);
    w.octets(m.usm.engine_id);
    w.integer(m.usm.engine_boots);
    w.integer(m.usm.engine_time);
    w.octets(m.usm.user_name);
    w.octets(std::string(auth_length, '\0'));
    auth_in_security = security.size() - auth_length;
    w.octets(std::string(priv_parameters.begin(), priv_parameters.end()));
    // A longer length field is inserted before the parameters: they move by its growth.
    const std::size_t before = security.size();
    w.end_constructed(mark);
    auth_in_security += security.size() - before;
  }

  bytes out;
  ber::writer w(out);
  const std::size_t outer = w.begin_constructed(ber::tag::sequence);
  w.integer(snmpv3_version);
  const std::size_t header = w.begin_constructed(ber::tag::sequence);
  w.integer(m.msg_id);
  w.integer(m.max_size);
  w.octets(std::string(1, static_cast<char>(m.flags)));
  w.integer(usm_security_model);
  w.end_constructed(header);
  w.octets(std::string(security.begin(), security.end()));
  std::size_t auth_offset = out.size() - security.size() + auth_in_security;
  if (encrypted) {
    w.octets(std::string(scoped.begin(), scoped.end()));
  } else {
    out.insert(out.end(), scoped.begin(), scoped.end());
  }
  const std::size_t before = out.size();
  w.end_constructed(outer);
  auth_offset += out.size() - before;

  if (authenticated) {
    const bytes mac = detail::hmac(keys->auth, keys->auth_key, out);
    std::copy_n(mac.begin(), auth_length, out.begin() + static_cast<std::ptrdiff_t>(auth_offset));
  }
  return out;
}

result<envelope> peek(std::span<const std::uint8_t> datagram) {
  auto p = parse(datagram);
  if (!p) return p.err();
  return std::move(p->env);
}

result<message> open(std::span<const std::uint8_t> datagram, const localized_keys* keys) {
  auto p = parse(datagram);
  if (!p) return p.err();
  const envelope& env = p->env;
  message m;
  m.msg_id = env.msg_id;
  m.max_size = env.max_size;
  m.flags = env.flags;
  m.usm = env.usm;

  if ((env.flags & flags::auth) != 0) {
    if (keys == nullptr || keys->auth == auth_protocol::none) {
      return {errc::unsupported_security_level,
              "the message is authenticated, but there is no authentication key for the user"};
    }
    // RFC 3414 6.3.2 / 7.3.2 / RFC 7860 4.2.2: the HMAC over the message with the
    // parameters zeroed must equal the parameters; compared in constant time.
    const std::size_t n = auth_parameters_length(keys->auth);
    if (env.usm.auth_parameters.size() != n) {
      return {errc::wrong_digest,
              "msgAuthenticationParameters is " + std::to_string(env.usm.auth_parameters.size()) +
                  " octets; " + std::string(to_string(keys->auth)) + " needs " + std::to_string(n)};
    }
    bytes zeroed(datagram.begin(), datagram.end());
    std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(p->auth_offset), n, 0);
    const bytes mac = detail::hmac(keys->auth, keys->auth_key, zeroed);
    if (CRYPTO_memcmp(mac.data(), env.usm.auth_parameters.data(), n) != 0) {
      return {errc::wrong_digest, "the HMAC does not match the message"};
    }
  }

  if ((env.flags & flags::priv) == 0) return decode_scoped_pdu(p->data, std::move(m));

  if (keys->priv == priv_protocol::none) {
    return {errc::unsupported_security_level,
            "the message is encrypted, but there is no privacy key for the user"};
  }
  auto plaintext = detail::decrypt(*keys, env.usm.engine_boots, env.usm.engine_time,
                                   as_bytes(env.usm.priv_parameters), p->data.content);
  if (!plaintext) return plaintext.err();
  // A wrong privacy key decrypts to garbage: whatever fails to decode is a decryption error
  // (RFC 3414 3.2 step 8), with what the decoder found.
  ber::reader r(*plaintext);
  auto scoped = r.expect(ber::tag::sequence);
  if (!scoped) {
    return {errc::decryption_error,
            "the decrypted scopedPDU is not a SEQUENCE (" + scoped.err().to_string() + ")"};
  }
  const std::size_t padding = plaintext->size() - r.offset();
  if (padding >= detail::cipher_block_size(keys->priv)) {
    return {errc::decryption_error,
            std::to_string(padding) + " bytes after the decrypted scopedPDU, more than padding"};
  }
  auto decoded = decode_scoped_pdu(*scoped, std::move(m));
  if (!decoded) {
    return {errc::decryption_error,
            "the decrypted scopedPDU does not decode (" + decoded.err().to_string() + ")"};
  }
  return decoded;
}

std::error_code report_error(const snmp::pdu& report) noexcept {
  if (report.varbinds.empty()) return errc::report;
  // usmStats.N.0 (RFC 3414 4); the instance arc is tolerated missing.
  const auto arcs = report.varbinds.front().name.arcs();
  if ((arcs.size() != usm_stats_prefix.size() + 1 && arcs.size() != usm_stats_prefix.size() + 2) ||
      !std::equal(usm_stats_prefix.begin(), usm_stats_prefix.end(), arcs.begin()) ||
      (arcs.size() == usm_stats_prefix.size() + 2 && arcs.back() != 0)) {
    return errc::report;
  }
  switch (arcs[usm_stats_prefix.size()]) {
    case 1:
      return errc::unsupported_security_level;
    case 2:
      return errc::not_in_time_window;
    case 3:
      return errc::unknown_user_name;
    case 4:
      return errc::unknown_engine_id;
    case 5:
      return errc::wrong_digest;
    case 6:
      return errc::decryption_error;
    default:
      return errc::report;
  }
}

}  // namespace pdu2mqtt::snmp::v3
