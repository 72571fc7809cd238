// Internal to the snmp layer: the OpenSSL 3 EVP primitives USM is built from (digests, HMAC,
// DES-CBC and AES-CFB128), all fetched from one library context of our own.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/snmp/usm.hpp"

namespace pdu2mqtt::snmp::v3::detail {

// The cipher fetched from our library context, or nullptr when no provider has it (DES-CBC
// lives in OpenSSL 3's legacy provider, which may be missing).
const EVP_CIPHER* fetched_cipher(priv_protocol priv) noexcept;

// Output length of the auth protocol's hash (16 for MD5 ... 64 for SHA-512); 0 for none.
std::size_t digest_length(auth_protocol auth) noexcept;

// H(parts[0] || parts[1] || ...). auth must not be none.
bytes digest(auth_protocol auth, std::span<const std::span<const std::uint8_t>> parts);

// Full-length HMAC-H(key, data) (RFC 2104); the caller truncates it (RFC 3414 6.3.1, RFC 7860).
bytes hmac(auth_protocol auth, std::span<const std::uint8_t> key,
           std::span<const std::uint8_t> data);

// RFC 3414 8.1.1 (DES-CBC) and RFC 3826 3.1.2 (AES-CFB128): encrypts a scopedPDU for the
// authoritative engine's boots and time; priv_parameters receives the 8 salt octets.
// Fails only when OpenSSL cannot provide the cipher (DES without the legacy provider).
result<bytes> encrypt(const localized_keys& keys, std::int32_t engine_boots,
                      std::int32_t engine_time, std::uint64_t salt,
                      std::span<const std::uint8_t> plaintext, bytes& priv_parameters);

// The inverse; errc::decryption_error when the parameters cannot be right (RFC 3414 8.3.2
// steps 1-2). Garbage in (a wrong key) is garbage out, found by the decoder afterwards.
result<bytes> decrypt(const localized_keys& keys, std::int32_t engine_boots,
                      std::int32_t engine_time, std::span<const std::uint8_t> priv_parameters,
                      std::span<const std::uint8_t> ciphertext);

// Cipher block size: a decrypted scopedPDU may end with up to this many minus one octets of
// padding (RFC 3414 8.1.1.2 pads DES; RFC 3826 needs none, but some agents pad AES too).
std::size_t cipher_block_size(priv_protocol priv) noexcept;

}  // namespace pdu2mqtt::snmp::v3::detail
