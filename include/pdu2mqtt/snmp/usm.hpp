// SNMPv3, sans-I/O: the RFC 3412 message format with the RFC 3414 User-based Security Model
// (HMAC-MD5-96, HMAC-SHA-96, RFC 7860 HMAC-SHA-2; DES-CBC, RFC 3826 AES-128-CFB and the
// AES-192/256 key extension net-snmp implements). Keys and ciphers come from OpenSSL's EVP API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdu2mqtt/common/name_table.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/message.hpp"

namespace pdu2mqtt::snmp::v3 {

using bytes = std::vector<std::uint8_t>;

enum class auth_protocol { none, md5, sha1, sha224, sha256, sha384, sha512 };
enum class priv_protocol { none, des, aes128, aes192, aes256 };
enum class security_level { no_auth_no_priv, auth_no_priv, auth_priv };

// net-snmp's spellings (snmpget -a / -x), so a working command line carries over to the
// config; header-only, so the config parser (fuzzed alone) needs none of the crypto.
inline constexpr name_table<auth_protocol, 7> auth_protocol_names = {
    {"none", auth_protocol::none},      {"MD5", auth_protocol::md5},
    {"SHA", auth_protocol::sha1},       {"SHA-224", auth_protocol::sha224},
    {"SHA-256", auth_protocol::sha256}, {"SHA-384", auth_protocol::sha384},
    {"SHA-512", auth_protocol::sha512}};
inline constexpr name_table<priv_protocol, 5> priv_protocol_names = {
    {"none", priv_protocol::none},
    {"DES", priv_protocol::des},
    {"AES", priv_protocol::aes128},
    {"AES-192", priv_protocol::aes192},
    {"AES-256", priv_protocol::aes256}};
// RFC 3411 5 (SnmpSecurityLevel) spells them so.
inline constexpr name_table<security_level, 3> security_level_names = {
    {"noAuthNoPriv", security_level::no_auth_no_priv},
    {"authNoPriv", security_level::auth_no_priv},
    {"authPriv", security_level::auth_priv}};

constexpr std::string_view to_string(auth_protocol p) noexcept {
  return name_in(auth_protocol_names, p);
}
constexpr std::string_view to_string(priv_protocol p) noexcept {
  return name_in(priv_protocol_names, p);
}
constexpr std::string_view to_string(security_level l) noexcept {
  return name_in(security_level_names, l);
}

// Case-insensitive; also "SHA1", "SHA-1", "SHA256", "AES128", "AES-128", "AES192", "AES256".
std::optional<auth_protocol> parse_auth_protocol(std::string_view text) noexcept;
std::optional<priv_protocol> parse_priv_protocol(std::string_view text) noexcept;

// RFC 3414 11.2: pass phrases shorter than this are refused (net-snmp refuses them too).
inline constexpr std::size_t min_password_length = 8;
// RFC 3411 5 SnmpAdminString / SnmpEngineID sizes.
inline constexpr std::size_t max_user_name_length = 32;
inline constexpr std::size_t max_engine_id_length = 32;
inline constexpr std::size_t max_context_name_length = 32;
// RFC 3414 2.2.3: a message more than this many seconds from the engine's time is refused.
inline constexpr std::int32_t time_window_s = 150;
// RFC 3414 2.2.1: snmpEngineBoots at this value means the engine must be reconfigured.
inline constexpr std::int32_t max_engine_boots = 2147483647;

// A user as configured. Holds secrets: never log it, never put it in a JSON.
struct user {
  std::string name;
  auth_protocol auth = auth_protocol::none;
  std::string auth_password;
  priv_protocol priv = priv_protocol::none;
  std::string priv_password;  // privacy needs authentication (RFC 3414 3.1.1 b)
  std::string context_name;

  security_level level() const noexcept {
    if (auth == auth_protocol::none) return security_level::no_auth_no_priv;
    return priv == priv_protocol::none ? security_level::auth_no_priv : security_level::auth_priv;
  }
  friend bool operator==(const user&, const user&) = default;
};

// A user's keys localized to one authoritative engine (RFC 3414 2.6, A.2.2). Computing them
// hashes a megabyte per key, so callers cache them per (user, engine).
struct localized_keys {
  auth_protocol auth = auth_protocol::none;
  priv_protocol priv = priv_protocol::none;
  bytes auth_key;  // digest length of the auth hash
  bytes priv_key;  // 16 for DES (key + pre-IV), 16/24/32 for AES-128/192/256
};

// RFC 3414 A.2.1 (MD5, SHA-1) and RFC 7860 4.2.1 (SHA-2): Ku from a pass phrase.
bytes password_to_key(auth_protocol auth, std::string_view password);
// RFC 3414 A.2.2: Kul = H(Ku || engineID || Ku).
bytes localize_key(auth_protocol auth, std::span<const std::uint8_t> ku,
                   std::span<const std::uint8_t> engine_id);
// Both keys of a user for an engine; the privacy key is extended past the hash length where
// AES-192/256 needs it (draft-blumenthal-aes-usm-04 3.1.2.1, as net-snmp does).
localized_keys localize(const user& u, std::span<const std::uint8_t> engine_id);

// ok, or why OpenSSL cannot provide this privacy protocol here (DES-CBC needs OpenSSL 3's
// legacy provider). For configuration checks: seal() throws std::runtime_error and open()
// fails for a cipher that is not available.
status check_cipher(priv_protocol priv);

// msgAuthenticationParameters length: 12 for MD5/SHA-1 (RFC 3414 6.3, 7.3), 16/24/32/48 for
// SHA-224/256/384/512 (RFC 7860 4.2.2).
std::size_t auth_parameters_length(auth_protocol auth) noexcept;

// RFC 3412 6: msgFlags bits.
namespace flags {
inline constexpr std::uint8_t auth = 0x01;
inline constexpr std::uint8_t priv = 0x02;
inline constexpr std::uint8_t reportable = 0x04;
}  // namespace flags
inline constexpr std::int32_t usm_security_model = 3;

// RFC 3414 2.4: UsmSecurityParameters.
struct usm_parameters {
  std::string engine_id;  // msgAuthoritativeEngineID (binary)
  std::int32_t engine_boots = 0;
  std::int32_t engine_time = 0;
  std::string user_name;
  std::string auth_parameters;  // the HMAC, or empty
  std::string priv_parameters;  // the salt, or empty
  friend bool operator==(const usm_parameters&, const usm_parameters&) = default;
};

// RFC 3412 6: the message in the clear (after open(), before seal()).
struct message {
  std::int32_t msg_id = 0;
  std::int32_t max_size = 65507;
  std::uint8_t flags = 0;
  usm_parameters usm;  // auth_parameters and priv_parameters are filled in by seal()
  std::string context_engine_id;
  std::string context_name;
  snmp::pdu pdu;
  friend bool operator==(const message&, const message&) = default;
};

// Encodes m; with keys and the auth flag, appends the HMAC; with the priv flag, encrypts the
// scopedPDU (salt: a counter the caller advances per message, RFC 3414 8.1.1.1 / RFC 3826
// 3.1.2.1). The keys' protocols must match the flags (std::invalid_argument otherwise: a bug).
bytes seal(const message& m, const localized_keys* keys, std::uint64_t salt);

// The parts of a received message readable without keys: the header and the USM parameters
// (to find who it is for and which keys open it). Strictly checked, as message.hpp's decode().
struct envelope {
  std::int32_t msg_id = 0;
  std::int32_t max_size = 0;
  std::uint8_t flags = 0;
  usm_parameters usm;
};
result<envelope> peek(std::span<const std::uint8_t> datagram);

// Verifies the HMAC (errc::wrong_digest), decrypts (errc::decryption_error) and decodes the
// scopedPDU. keys may be null only for a message without the auth flag.
// The level is the message's own (its flags): a message without the auth flag opens without
// any check, so the caller compares flags with the level it expects (Reports may legitimately
// come unauthenticated; a Response to an authenticated request may not).
result<message> open(std::span<const std::uint8_t> datagram, const localized_keys* keys);

// RFC 3414 4: usmStats counters, named by the Report PDUs that carry them.
namespace report_oid {
inline constexpr std::string_view unsupported_sec_levels = "1.3.6.1.6.3.15.1.1.1.0";
inline constexpr std::string_view not_in_time_windows = "1.3.6.1.6.3.15.1.1.2.0";
inline constexpr std::string_view unknown_user_names = "1.3.6.1.6.3.15.1.1.3.0";
inline constexpr std::string_view unknown_engine_ids = "1.3.6.1.6.3.15.1.1.4.0";
inline constexpr std::string_view wrong_digests = "1.3.6.1.6.3.15.1.1.5.0";
inline constexpr std::string_view decryption_errors = "1.3.6.1.6.3.15.1.1.6.0";
}  // namespace report_oid

// The error a Report PDU stands for (errc::unknown_engine_id ... errc::decryption_error),
// or errc::report for a counter of another model (RFC 3412 mpd counters and the like).
std::error_code report_error(const snmp::pdu& report) noexcept;

}  // namespace pdu2mqtt::snmp::v3
