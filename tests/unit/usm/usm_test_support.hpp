// Helpers for the SNMPv3 tests: hex in and out, every protocol listed once, users and a
// ready-made message to seal.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "pdu2mqtt/snmp/usm.hpp"

namespace usm_test {

using pdu2mqtt::snmp::v3::auth_protocol;
using pdu2mqtt::snmp::v3::bytes;
using pdu2mqtt::snmp::v3::priv_protocol;

inline constexpr std::array all_auth = {
    auth_protocol::none,   auth_protocol::md5,    auth_protocol::sha1,  auth_protocol::sha224,
    auth_protocol::sha256, auth_protocol::sha384, auth_protocol::sha512};
inline constexpr std::array all_priv = {priv_protocol::none, priv_protocol::des,
                                        priv_protocol::aes128, priv_protocol::aes192,
                                        priv_protocol::aes256};

inline bytes from_hex(std::string_view hex) {
  bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

inline std::string to_hex(const bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t x : b) {
    out += digits[x >> 4];
    out += digits[x & 0x0F];
  }
  return out;
}

// An independent SHA-1 (OpenSSL's one-shot API), to check the key extension against.
inline bytes sha1(const bytes& in) {
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, EVP_sha1(), nullptr);
  out.resize(n);
  return out;
}

inline std::string as_string(const bytes& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace usm_test
