// USM keys: the RFC 3414 A.3 test vectors, localization per engine, the AES-192/256 key
// extension, and the protocol names as net-snmp spells them.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "pdu2mqtt/snmp/usm.hpp"
#include "usm_test_support.hpp"

namespace {

using namespace pdu2mqtt::snmp::v3;
using usm_test::from_hex;
using usm_test::to_hex;

// RFC 3414 A.3: engineID '00 00 00 00 00 00 00 00 00 00 00 02'H, password "maplesyrup".
const bytes rfc_engine_id = from_hex("000000000000000000000002");
constexpr const char* rfc_password = "maplesyrup";

TEST(usm_keys, rfc3414_a31_md5) {
  const bytes ku = password_to_key(auth_protocol::md5, rfc_password);
  EXPECT_EQ(to_hex(ku), "9faf3283884e92834ebc9847d8edd963");
  EXPECT_EQ(to_hex(localize_key(auth_protocol::md5, ku, rfc_engine_id)),
            "526f5eed9fcce26f8964c2930787d82b");
}

TEST(usm_keys, rfc3414_a32_sha1) {
  const bytes ku = password_to_key(auth_protocol::sha1, rfc_password);
  EXPECT_EQ(to_hex(ku), "9fb5cc0381497b3793528939ff788d5d79145211");
  EXPECT_EQ(to_hex(localize_key(auth_protocol::sha1, ku, rfc_engine_id)),
            "6695febc9288e36282235fc7151f128497b38f3f");
}

TEST(usm_keys, sha2_keys_have_the_digest_length) {
  // RFC 7860 4.2.1: the same expansion with the SHA-2 hash; the key is the whole digest.
  EXPECT_EQ(password_to_key(auth_protocol::sha224, rfc_password).size(), 28u);
  EXPECT_EQ(password_to_key(auth_protocol::sha256, rfc_password).size(), 32u);
  EXPECT_EQ(password_to_key(auth_protocol::sha384, rfc_password).size(), 48u);
  EXPECT_EQ(password_to_key(auth_protocol::sha512, rfc_password).size(), 64u);
}

TEST(usm_keys, localize_uses_the_auth_hash_for_both_keys) {
  user u{.name = "u",
         .auth = auth_protocol::sha1,
         .auth_password = rfc_password,
         .priv = priv_protocol::des,
         .priv_password = rfc_password};
  const localized_keys keys = localize(u, rfc_engine_id);
  EXPECT_EQ(keys.auth, auth_protocol::sha1);
  EXPECT_EQ(keys.priv, priv_protocol::des);
  EXPECT_EQ(to_hex(keys.auth_key), "6695febc9288e36282235fc7151f128497b38f3f");
  // DES takes 16 octets: the SHA-1 Kul cut after its 16th octet (RFC 3414 8.1.1.1).
  EXPECT_EQ(to_hex(keys.priv_key), "6695febc9288e36282235fc7151f1284");
}

TEST(usm_keys, aes256_with_sha1_extends_the_key_by_its_hash) {
  // draft-blumenthal-aes-usm-04 3.1.2.1: Kul || H(Kul), cut to 32 octets.
  user u{.name = "u",
         .auth = auth_protocol::sha1,
         .auth_password = rfc_password,
         .priv = priv_protocol::aes256,
         .priv_password = rfc_password};
  const localized_keys keys = localize(u, rfc_engine_id);
  const bytes kul = from_hex("6695febc9288e36282235fc7151f128497b38f3f");
  bytes expected = kul;
  const bytes h = usm_test::sha1(kul);
  expected.insert(expected.end(), h.begin(), h.end());
  expected.resize(32);
  EXPECT_EQ(to_hex(keys.priv_key), to_hex(expected));
}

TEST(usm_keys, privacy_key_lengths) {
  for (auto [priv, length] : {std::pair{priv_protocol::des, 16u},
                              {priv_protocol::aes128, 16u},
                              {priv_protocol::aes192, 24u},
                              {priv_protocol::aes256, 32u}}) {
    for (auto auth : {auth_protocol::md5, auth_protocol::sha512}) {
      user u{.name = "u",
             .auth = auth,
             .auth_password = "auth-pass",
             .priv = priv,
             .priv_password = "priv-pass"};
      EXPECT_EQ(localize(u, rfc_engine_id).priv_key.size(), length)
          << to_string(auth) << "/" << to_string(priv);
    }
  }
}

TEST(usm_keys, different_engines_get_different_keys) {
  user u{.name = "u", .auth = auth_protocol::sha256, .auth_password = rfc_password};
  EXPECT_NE(localize(u, rfc_engine_id).auth_key, localize(u, from_hex("800000000102")).auth_key);
}

TEST(usm_keys, short_pass_phrases_and_priv_without_auth_are_refused) {
  EXPECT_THROW(password_to_key(auth_protocol::sha1, "1234567"), std::invalid_argument);
  EXPECT_NO_THROW(password_to_key(auth_protocol::sha1, "12345678"));
  user u{.name = "u", .priv = priv_protocol::aes128, .priv_password = rfc_password};
  EXPECT_THROW(localize(u, rfc_engine_id), std::invalid_argument);
}

TEST(usm_keys, user_levels) {
  EXPECT_EQ(user{}.level(), security_level::no_auth_no_priv);
  EXPECT_EQ((user{.auth = auth_protocol::md5}.level()), security_level::auth_no_priv);
  EXPECT_EQ((user{.auth = auth_protocol::md5, .priv = priv_protocol::des}.level()),
            security_level::auth_priv);
}

TEST(usm_keys, auth_parameters_lengths) {
  EXPECT_EQ(auth_parameters_length(auth_protocol::none), 0u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::md5), 12u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::sha1), 12u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::sha224), 16u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::sha256), 24u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::sha384), 32u);
  EXPECT_EQ(auth_parameters_length(auth_protocol::sha512), 48u);
}

TEST(usm_names, net_snmp_spellings_round_trip) {
  for (auto a : usm_test::all_auth)
    EXPECT_EQ(parse_auth_protocol(to_string(a)), a);
  for (auto p : usm_test::all_priv)
    EXPECT_EQ(parse_priv_protocol(to_string(p)), p);
  EXPECT_EQ(to_string(auth_protocol::sha1), "SHA");
  EXPECT_EQ(to_string(priv_protocol::aes128), "AES");
  EXPECT_EQ(to_string(security_level::auth_priv), "authPriv");
  EXPECT_EQ(to_string(security_level::no_auth_no_priv), "noAuthNoPriv");
}

TEST(usm_names, aliases_and_case) {
  EXPECT_EQ(parse_auth_protocol("sha1"), auth_protocol::sha1);
  EXPECT_EQ(parse_auth_protocol("SHA-1"), auth_protocol::sha1);
  EXPECT_EQ(parse_auth_protocol("sha256"), auth_protocol::sha256);
  EXPECT_EQ(parse_auth_protocol("md5"), auth_protocol::md5);
  EXPECT_EQ(parse_priv_protocol("aes128"), priv_protocol::aes128);
  EXPECT_EQ(parse_priv_protocol("AES-128"), priv_protocol::aes128);
  EXPECT_EQ(parse_priv_protocol("aes192"), priv_protocol::aes192);
  EXPECT_EQ(parse_priv_protocol("Aes256"), priv_protocol::aes256);
  EXPECT_EQ(parse_auth_protocol("SHA-3"), std::nullopt);
  EXPECT_EQ(parse_priv_protocol("AES-256-C"), std::nullopt);
  EXPECT_EQ(parse_priv_protocol(""), std::nullopt);
}

TEST(usm_ciphers, des_and_aes_are_available_here) {
  // The test machine has OpenSSL 3 with the legacy provider; without it DES says why.
  EXPECT_TRUE(check_cipher(priv_protocol::des)) << check_cipher(priv_protocol::des).err().detail;
  EXPECT_TRUE(check_cipher(priv_protocol::aes256));
  EXPECT_TRUE(check_cipher(priv_protocol::none));
}

}  // namespace
