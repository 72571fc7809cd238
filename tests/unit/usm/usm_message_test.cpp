// SNMPv3 messages: a golden discovery request byte for byte, seal -> open for every auth and
// privacy protocol, tampering and wrong keys, and what peek() must refuse.
#include <gtest/gtest.h>

#include <string>

#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "usm_test_support.hpp"

namespace {

using namespace pdu2mqtt::snmp;
using usm_test::as_string;
using usm_test::from_hex;
using v3::auth_protocol;
using v3::bytes;
using v3::priv_protocol;

const oid sys_descr_0{1, 3, 6, 1, 2, 1, 1, 1, 0};
const oid outlet_control_1{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1, 4, 1};
const std::string engine_id = as_string(from_hex("80001f88800102030405060708"));

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// What net-snmp's snmpget sends first to an agent it does not know (RFC 3414 4): no engine
// ID, no user, noAuthNoPriv, reportable, a GetRequest with no varbinds.
// clang-format off
TEST(usm_golden, discovery_request) {
  v3::message m;
  m.msg_id = 0x1A2B3C4D;
  m.max_size = 65507;
  m.flags = v3::flags::reportable;
  m.pdu = {pdu_type::get_request, 0x0BADCAFE, 0, 0, {}};
  const bytes expected = cat({
      {0x30, 0x3E},                          // SNMPv3Message SEQUENCE, 62 bytes
      {0x02, 0x01, 0x03},                    //   msgVersion 3
      {0x30, 0x11},                          //   msgGlobalData SEQUENCE, 17 bytes
      {0x02, 0x04, 0x1A, 0x2B, 0x3C, 0x4D},  //     msgID
      {0x02, 0x03, 0x00, 0xFF, 0xE3},        //     msgMaxSize 65507 (leading 0: positive)
      {0x04, 0x01, 0x04},                    //     msgFlags: reportable, noAuthNoPriv
      {0x02, 0x01, 0x03},                    //     msgSecurityModel 3 = USM
      {0x04, 0x10},                          //   msgSecurityParameters OCTET STRING, 16
      {0x30, 0x0E},                          //     UsmSecurityParameters SEQUENCE, 14
      {0x04, 0x00},                          //       msgAuthoritativeEngineID ""
      {0x02, 0x01, 0x00},                    //       msgAuthoritativeEngineBoots 0
      {0x02, 0x01, 0x00},                    //       msgAuthoritativeEngineTime 0
      {0x04, 0x00},                          //       msgUserName ""
      {0x04, 0x00},                          //       msgAuthenticationParameters ""
      {0x04, 0x00},                          //       msgPrivacyParameters ""
      {0x30, 0x14},                          //   ScopedPDU SEQUENCE, 20 bytes
      {0x04, 0x00},                          //     contextEngineID ""
      {0x04, 0x00},                          //     contextName ""
      {0xA0, 0x0E},                          //     GetRequest-PDU, 14 bytes
      {0x02, 0x04, 0x0B, 0xAD, 0xCA, 0xFE},  //       request-id
      {0x02, 0x01, 0x00},                    //       error-status 0
      {0x02, 0x01, 0x00},                    //       error-index 0
      {0x30, 0x00},                          //       varbind list, empty
  });
  // clang-format on
  const bytes sealed = v3::seal(m, nullptr, 0);
  EXPECT_EQ(usm_test::to_hex(sealed), usm_test::to_hex(expected));

  auto env = v3::peek(expected);
  ASSERT_TRUE(env) << env.err().to_string();
  EXPECT_EQ(env->msg_id, 0x1A2B3C4D);
  EXPECT_EQ(env->max_size, 65507);
  EXPECT_EQ(env->flags, v3::flags::reportable);
  EXPECT_EQ(env->usm, v3::usm_parameters{});

  auto opened = v3::open(expected, nullptr);
  ASSERT_TRUE(opened) << opened.err().to_string();
  EXPECT_EQ(*opened, m);
}

struct sealed_case {
  v3::localized_keys keys;
  v3::message m;
};

std::uint8_t flags_for(const v3::localized_keys& k) {
  std::uint8_t f = v3::flags::reportable;
  if (k.auth != auth_protocol::none) f |= v3::flags::auth;
  if (k.priv != priv_protocol::none) f |= v3::flags::priv;
  return f;
}

sealed_case make_case(auth_protocol auth, priv_protocol priv,
                      std::string auth_password = "auth-pass-1",
                      std::string priv_password = "priv-pass-1") {
  v3::user u{.name = "operator",
             .auth = auth,
             .auth_password = std::move(auth_password),
             .priv = priv,
             .priv_password = std::move(priv_password)};
  sealed_case c;
  c.keys = v3::localize(u, from_hex("80001f88800102030405060708"));
  c.m.msg_id = 4242;
  c.m.max_size = 1500;
  c.m.flags = flags_for(c.keys);
  c.m.usm.engine_id = engine_id;
  c.m.usm.engine_boots = 7;
  c.m.usm.engine_time = 123456;
  c.m.usm.user_name = "operator";
  c.m.context_engine_id = engine_id;
  c.m.context_name = "";
  c.m.pdu = {pdu_type::set_request,
             99,
             0,
             0,
             {{outlet_control_1, std::int32_t{2}}, {sys_descr_0, std::string("ePDU \x01\xFF")}}};
  return c;
}

// Keys for every protocol pair are made once: each costs two megabytes of hashing.
const std::vector<sealed_case>& all_cases() {
  static const std::vector<sealed_case> cases = [] {
    std::vector<sealed_case> out;
    out.push_back(make_case(auth_protocol::none, priv_protocol::none));
    for (auth_protocol a : usm_test::all_auth) {
      if (a == auth_protocol::none) continue;
      for (priv_protocol p : usm_test::all_priv)
        out.push_back(make_case(a, p));
    }
    return out;
  }();
  return cases;
}

std::string label(const v3::localized_keys& k) {
  return std::string(v3::to_string(k.auth)) + "/" + std::string(v3::to_string(k.priv));
}

TEST(usm_seal_open, round_trip_every_protocol_pair) {
  ASSERT_EQ(all_cases().size(), 1u + 6u * 5u);
  std::uint64_t salt = 0x0102030405060708;
  for (const sealed_case& c : all_cases()) {
    const bytes sealed = v3::seal(c.m, &c.keys, salt++);
    auto opened = v3::open(sealed, &c.keys);
    ASSERT_TRUE(opened) << label(c.keys) << ": " << opened.err().to_string();
    // seal() fills in the parameters; everything else comes back as it went in.
    EXPECT_EQ(opened->usm.auth_parameters.size(), v3::auth_parameters_length(c.keys.auth))
        << label(c.keys);
    EXPECT_EQ(opened->usm.priv_parameters.size(), c.keys.priv == priv_protocol::none ? 0u : 8u)
        << label(c.keys);
    v3::message expected = c.m;
    expected.usm.auth_parameters = opened->usm.auth_parameters;
    expected.usm.priv_parameters = opened->usm.priv_parameters;
    EXPECT_EQ(*opened, expected) << label(c.keys);
    // Encrypted messages do not show the PDU in the clear.
    if (c.keys.priv != priv_protocol::none) {
      EXPECT_EQ(as_string(sealed).find("ePDU"), std::string::npos) << label(c.keys);
    }
  }
}

TEST(usm_seal_open, large_messages_round_trip) {
  // Long-form lengths in every header, so the HMAC is patched at a shifted offset.
  sealed_case c = make_case(auth_protocol::sha512, priv_protocol::aes256);
  c.m.pdu.varbinds.clear();
  for (std::uint32_t i = 0; i < 40; ++i)
    c.m.pdu.varbinds.push_back({sys_descr_0.child(i), std::string(100, 'x')});
  const bytes sealed = v3::seal(c.m, &c.keys, 1);
  ASSERT_GT(sealed.size(), 4000u);
  auto opened = v3::open(sealed, &c.keys);
  ASSERT_TRUE(opened) << opened.err().to_string();
  EXPECT_EQ(opened->pdu, c.m.pdu);
}

TEST(usm_seal_open, des_pads_to_whole_blocks) {
  for (std::size_t extra = 0; extra < 9; ++extra) {
    sealed_case c = make_case(auth_protocol::md5, priv_protocol::des);
    c.m.context_name = std::string(extra, 'c');
    auto opened = v3::open(v3::seal(c.m, &c.keys, extra), &c.keys);
    ASSERT_TRUE(opened) << extra << ": " << opened.err().to_string();
    EXPECT_EQ(opened->context_name, c.m.context_name);
  }
}

TEST(usm_seal_open, salt_changes_the_ciphertext) {
  const sealed_case& c = make_case(auth_protocol::sha1, priv_protocol::aes128);
  EXPECT_NE(v3::seal(c.m, &c.keys, 1), v3::seal(c.m, &c.keys, 2));
  EXPECT_EQ(v3::seal(c.m, &c.keys, 1), v3::seal(c.m, &c.keys, 1));
}

TEST(usm_seal_open, any_flipped_byte_is_a_wrong_digest_or_a_decoding_error) {
  for (const sealed_case& c : all_cases()) {
    if (c.keys.auth == auth_protocol::none) continue;
    const bytes sealed = v3::seal(c.m, &c.keys, 5);
    std::size_t wrong_digests = 0;
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      bytes tampered = sealed;
      tampered[i] ^= 0x01;
      auto opened = v3::open(tampered, &c.keys);
      if (opened) {
        // Only the auth flag itself can go: an unauthenticated message is readable without
        // keys (Reports are sent so), and the caller sees the lower level and refuses it.
        EXPECT_EQ(opened->flags & v3::flags::auth, 0) << label(c.keys) << ": byte " << i;
        continue;
      }
      if (opened.code() == errc::wrong_digest) ++wrong_digests;
    }
    // Flipping a byte of a length or tag breaks the structure first; every byte of content
    // (most of the message) reaches the HMAC check.
    EXPECT_GT(wrong_digests, sealed.size() / 2) << label(c.keys);
  }
}

TEST(usm_seal_open, the_last_byte_of_the_pdu_flipped_is_a_wrong_digest) {
  const sealed_case& c = all_cases()[1];
  bytes sealed = v3::seal(c.m, &c.keys, 5);
  sealed.back() ^= 0x80;
  EXPECT_EQ(v3::open(sealed, &c.keys).code(), errc::wrong_digest);
}

TEST(usm_seal_open, wrong_auth_key_is_a_wrong_digest) {
  for (auto auth :
       {auth_protocol::md5, auth_protocol::sha1, auth_protocol::sha256, auth_protocol::sha512}) {
    const sealed_case right = make_case(auth, priv_protocol::aes128);
    const sealed_case wrong = make_case(auth, priv_protocol::aes128, "auth-pass-2");
    const bytes sealed = v3::seal(right.m, &right.keys, 9);
    auto opened = v3::open(sealed, &wrong.keys);
    EXPECT_EQ(opened.code(), errc::wrong_digest) << v3::to_string(auth);
  }
}

TEST(usm_seal_open, wrong_auth_protocol_is_a_wrong_digest) {
  // SHA-1 and MD5 both use 12 octets: the length fits, the HMAC does not.
  const sealed_case sha = make_case(auth_protocol::sha1, priv_protocol::none);
  const sealed_case md5 = make_case(auth_protocol::md5, priv_protocol::none);
  EXPECT_EQ(v3::open(v3::seal(sha.m, &sha.keys, 0), &md5.keys).code(), errc::wrong_digest);
  // SHA-256 has 24 octets: the length alone tells.
  const sealed_case sha256 = make_case(auth_protocol::sha256, priv_protocol::none);
  auto opened = v3::open(v3::seal(sha.m, &sha.keys, 0), &sha256.keys);
  EXPECT_EQ(opened.code(), errc::wrong_digest);
  EXPECT_NE(opened.err().detail.find("24"), std::string::npos) << opened.err().detail;
}

TEST(usm_seal_open, wrong_priv_key_is_a_decryption_error_never_a_crash) {
  for (priv_protocol p : usm_test::all_priv) {
    if (p == priv_protocol::none) continue;
    const sealed_case right = make_case(auth_protocol::sha1, p);
    // Same auth pass phrase, another privacy pass phrase: the HMAC holds, the PDU is garbage.
    const sealed_case wrong = make_case(auth_protocol::sha1, p, "auth-pass-1", "priv-pass-2");
    for (std::uint64_t salt = 0; salt < 50; ++salt) {
      auto opened = v3::open(v3::seal(right.m, &right.keys, salt), &wrong.keys);
      ASSERT_FALSE(opened) << v3::to_string(p) << " salt " << salt;
      EXPECT_EQ(opened.code(), errc::decryption_error) << opened.err().to_string();
    }
  }
}

TEST(usm_seal_open, encrypted_message_without_a_privacy_key_is_refused) {
  const sealed_case c = make_case(auth_protocol::md5, priv_protocol::des);
  const bytes sealed = v3::seal(c.m, &c.keys, 3);
  ASSERT_TRUE(v3::open(sealed, &c.keys));
  v3::localized_keys no_priv = c.keys;
  no_priv.priv = priv_protocol::none;
  EXPECT_EQ(v3::open(sealed, &no_priv).code(), errc::unsupported_security_level);
}

TEST(usm_seal_open, authenticated_message_without_keys_is_refused) {
  const sealed_case c = make_case(auth_protocol::sha1, priv_protocol::none);
  const bytes sealed = v3::seal(c.m, &c.keys, 0);
  EXPECT_EQ(v3::open(sealed, nullptr).code(), errc::unsupported_security_level);
  const v3::localized_keys none;
  EXPECT_EQ(v3::open(sealed, &none).code(), errc::unsupported_security_level);
}

TEST(usm_seal_open, seal_refuses_flags_its_keys_cannot_honour) {
  sealed_case c = make_case(auth_protocol::sha1, priv_protocol::none);
  c.m.flags = v3::flags::auth | v3::flags::priv;
  EXPECT_THROW(v3::seal(c.m, &c.keys, 0), std::invalid_argument);
  c.m.flags = v3::flags::priv;
  EXPECT_THROW(v3::seal(c.m, &c.keys, 0), std::invalid_argument);
  c.m.flags = v3::flags::auth;
  EXPECT_THROW(v3::seal(c.m, nullptr, 0), std::invalid_argument);
}

// ---- peek: what it must refuse --------------------------------------------------------------

bytes sealed_noauth() {
  const sealed_case& c = all_cases()[0];
  return v3::seal(c.m, &c.keys, 0);
}

TEST(usm_peek, reads_the_header_and_security_parameters) {
  const sealed_case& c = all_cases()[12];
  auto env = v3::peek(v3::seal(c.m, &c.keys, 0));
  ASSERT_TRUE(env) << env.err().to_string();
  EXPECT_EQ(env->msg_id, 4242);
  EXPECT_EQ(env->max_size, 1500);
  EXPECT_EQ(env->flags, c.m.flags);
  EXPECT_EQ(env->usm.engine_id, engine_id);
  EXPECT_EQ(env->usm.engine_boots, 7);
  EXPECT_EQ(env->usm.engine_time, 123456);
  EXPECT_EQ(env->usm.user_name, "operator");
}

TEST(usm_peek, every_truncation_is_refused) {
  for (const sealed_case& c : all_cases()) {
    const bytes sealed = v3::seal(c.m, &c.keys, 1);
    for (std::size_t n = 0; n < sealed.size(); ++n) {
      const std::span<const std::uint8_t> cut(sealed.data(), n);
      auto env = v3::peek(cut);
      EXPECT_FALSE(env) << label(c.keys) << ": " << n << " of " << sealed.size();
      EXPECT_FALSE(v3::open(cut, &c.keys)) << label(c.keys) << ": " << n;
    }
  }
}

TEST(usm_peek, garbage_is_refused_with_a_decoding_error) {
  EXPECT_EQ(v3::peek(bytes{}).code(), errc::truncated);
  EXPECT_EQ(v3::peek(bytes{0xFF, 0xFF, 0xFF}).code(), errc::unexpected_tag);
  EXPECT_EQ(v3::peek(bytes{0x30, 0x80, 0x00, 0x00}).code(), errc::indefinite_length);
  EXPECT_EQ(v3::peek(bytes{0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}).code(), errc::truncated);
  // A v2c message is not a v3 one.
  const bytes v2c = encode(pdu2mqtt::snmp::message{version::v2c, "public", {}});
  EXPECT_EQ(v3::peek(v2c).code(), errc::unsupported_version);
  bytes trailing = sealed_noauth();
  trailing.push_back(0);
  EXPECT_EQ(v3::peek(trailing).code(), errc::trailing_data);
}

TEST(usm_peek, oversized_datagrams_are_refused_before_parsing) {
  bytes big(max_message_size + 1, 0x30);
  auto env = v3::peek(big);
  EXPECT_EQ(env.code(), errc::message_too_large);
  EXPECT_EQ(v3::open(big, nullptr).code(), errc::message_too_large);
}

// A message written field by field, to set what seal() never writes.
struct raw_fields {
  std::int64_t version = 3;
  std::int64_t msg_id = 1;
  std::int64_t max_size = 65507;
  std::string flags = std::string(1, '\x04');
  std::int64_t model = 3;
  std::string engine_id;
  std::int64_t boots = 0;
  std::int64_t time = 0;
  std::string user;
  std::string auth;
  std::string priv;
};

bytes raw(const raw_fields& f) {
  bytes security;
  {
    ber::writer w(security);
    const auto m = w.begin_constructed(ber::tag::sequence);
    w.octets(f.engine_id);
    w.integer(f.boots);
    w.integer(f.time);
    w.octets(f.user);
    w.octets(f.auth);
    w.octets(f.priv);
    w.end_constructed(m);
  }
  bytes out;
  ber::writer w(out);
  const auto outer = w.begin_constructed(ber::tag::sequence);
  w.integer(f.version);
  const auto header = w.begin_constructed(ber::tag::sequence);
  w.integer(f.msg_id);
  w.integer(f.max_size);
  w.octets(f.flags);
  w.integer(f.model);
  w.end_constructed(header);
  w.octets(as_string(security));
  const auto scoped = w.begin_constructed(ber::tag::sequence);
  w.octets("");
  w.octets("");
  const auto pdu = w.begin_constructed(0xA0);
  w.integer(1);
  w.integer(0);
  w.integer(0);
  w.end_constructed(w.begin_constructed(ber::tag::sequence));
  w.end_constructed(pdu);
  w.end_constructed(scoped);
  w.end_constructed(outer);
  return out;
}

TEST(usm_peek, the_raw_builder_makes_a_valid_message) {
  EXPECT_TRUE(v3::peek(raw({})));
  EXPECT_TRUE(v3::open(raw({}), nullptr));
}

TEST(usm_peek, field_limits) {
  struct refused {
    const char* what;
    raw_fields f;
    errc code;
    const char* detail;
  };
  const refused cases[] = {
      {"version 2", {.version = 2}, errc::unsupported_version, "msgVersion"},
      {"negative msgID", {.msg_id = -1}, errc::integer_overflow, "msgID"},
      {"msgID over 32 bits", {.msg_id = 0x100000000}, errc::integer_overflow, "msgID"},
      {"msgMaxSize 483", {.max_size = 483}, errc::integer_overflow, "msgMaxSize"},
      {"two flag octets", {.flags = std::string("\x04\x00", 2)}, errc::bad_length, "msgFlags"},
      {"no flag octet", {.flags = ""}, errc::bad_length, "msgFlags"},
      {"priv without auth", {.flags = "\x06"}, errc::unsupported_security_level, "privacy"},
      {"community-based model", {.model = 2}, errc::unsupported_version, "msgSecurityModel"},
      {"engine ID of 33", {.engine_id = std::string(33, 'e')}, errc::bad_length, "EngineID"},
      {"negative boots", {.boots = -1}, errc::integer_overflow, "EngineBoots"},
      {"negative time", {.time = -5}, errc::integer_overflow, "EngineTime"},
      {"user of 33", {.user = std::string(33, 'u')}, errc::bad_length, "msgUserName"},
      {"auth parameters of 49",
       {.auth = std::string(49, 'a')},
       errc::bad_length,
       "msgAuthenticationParameters"},
      {"priv parameters of 9", {.priv = std::string(9, 'p')}, errc::bad_length, "msgPrivacy"},
  };
  for (const refused& r : cases) {
    auto env = v3::peek(raw(r.f));
    ASSERT_FALSE(env) << r.what;
    EXPECT_EQ(env.code(), r.code) << r.what << ": " << env.err().to_string();
    EXPECT_NE(env.err().detail.find(r.detail), std::string::npos)
        << r.what << ": " << env.err().detail;
  }
  // The limits themselves are accepted.
  EXPECT_TRUE(v3::peek(
      raw({.max_size = 484, .engine_id = std::string(32, 'e'), .user = std::string(32, 'u')})));
}

TEST(usm_peek, encrypted_flag_with_plaintext_scoped_pdu_is_refused) {
  // authPriv flags, but msgData is a SEQUENCE rather than an OCTET STRING.
  auto env = v3::peek(raw({.flags = "\x07"}));
  EXPECT_EQ(env.code(), errc::unexpected_tag) << env.err().to_string();
}

// ---- report_error ------------------------------------------------------------------------

TEST(usm_report, each_usm_stats_counter_names_its_error) {
  const std::pair<std::string_view, errc> cases[] = {
      {v3::report_oid::unsupported_sec_levels, errc::unsupported_security_level},
      {v3::report_oid::not_in_time_windows, errc::not_in_time_window},
      {v3::report_oid::unknown_user_names, errc::unknown_user_name},
      {v3::report_oid::unknown_engine_ids, errc::unknown_engine_id},
      {v3::report_oid::wrong_digests, errc::wrong_digest},
      {v3::report_oid::decryption_errors, errc::decryption_error},
      // RFC 3412 snmpUnknownPDUHandlers and an empty report: another counter.
      {"1.3.6.1.6.3.11.2.1.3.0", errc::report},
      {"1.3.6.1.6.3.15.1.1.7.0", errc::report},
  };
  for (const auto& [text, code] : cases) {
    pdu report{pdu_type::report, 0, 0, 0, {{*oid::parse(text), counter32{1}}}};
    EXPECT_EQ(v3::report_error(report), make_error_code(code)) << text;
  }
  EXPECT_EQ(v3::report_error(pdu{pdu_type::report, 0, 0, 0, {}}), make_error_code(errc::report));
}

}  // namespace
