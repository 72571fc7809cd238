// USM privacy: CBC-DES (RFC 3414 8) and CFB128-AES (RFC 3826 3; the same for 192 and 256 bit
// keys), through OpenSSL's EVP cipher API. IVs and salts are built here, nothing else.
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "pdu2mqtt/snmp/error.hpp"
#include "usm_crypto.hpp"

namespace pdu2mqtt::snmp::v3::detail {
namespace {

// RFC 3414 8.1.1.1, RFC 3826 3.1.2.1: msgPrivacyParameters is an 8-octet salt for both.
constexpr std::size_t salt_length = 8;
constexpr std::size_t des_key_length = 8;
constexpr std::size_t des_block = 8;
constexpr std::size_t aes_block = 16;

using iv_bytes = std::array<std::uint8_t, 16>;

void put_be32(std::uint8_t* out, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

result<const EVP_CIPHER*> cipher_for(const localized_keys& keys) {
  const priv_protocol priv = keys.priv;
  const EVP_CIPHER* c = fetched_cipher(priv);
  if (c == nullptr) {
    auto available = check_cipher(priv);
    return available ? error{make_error_code(errc::decryption_error), "no privacy protocol"}
                     : available.err();
  }
  // The DES key is followed by its pre-IV (RFC 3414 8.1.1.1); AES takes the cipher's key length.
  const std::size_t needed = priv == priv_protocol::des
                                 ? 2 * des_key_length
                                 : static_cast<std::size_t>(EVP_CIPHER_get_key_length(c));
  if (keys.priv_key.size() < needed) {
    throw std::invalid_argument("USM: privacy key of " + std::to_string(keys.priv_key.size()) +
                                " octets, the cipher needs " + std::to_string(needed));
  }
  return c;
}

// The IV for this message: RFC 3414 8.1.1.1 (DES: pre-IV XOR salt) or RFC 3826 3.1.2.1
// (AES: engineBoots || engineTime || salt).
iv_bytes make_iv(const localized_keys& keys, std::int32_t engine_boots, std::int32_t engine_time,
                 std::span<const std::uint8_t> salt) {
  iv_bytes iv{};
  if (keys.priv == priv_protocol::des) {
    for (std::size_t i = 0; i < salt_length; ++i)
      iv[i] = static_cast<std::uint8_t>(keys.priv_key[des_key_length + i] ^ salt[i]);
  } else {
    put_be32(iv.data(), static_cast<std::uint32_t>(engine_boots));
    put_be32(iv.data() + 4, static_cast<std::uint32_t>(engine_time));
    std::copy(salt.begin(), salt.end(), iv.begin() + 8);
  }
  return iv;
}

bytes run_cipher(const EVP_CIPHER* cipher, const localized_keys& keys, const iv_bytes& iv,
                 std::span<const std::uint8_t> in, bool encrypting) {
  std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter> ctx(EVP_CIPHER_CTX_new());
  // The key is the first key-length octets of the privacy key (DES: 8, AES: 16/24/32).
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, keys.priv_key.data(), iv.data(),
                                 encrypting ? 1 : 0, nullptr) != 1) {
    throw std::runtime_error("USM: OpenSSL cipher init failed");
  }
  // DES input is padded by seal() and checked by decrypt(); CFB needs no padding.
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  bytes out(in.size() + aes_block);
  int written = 0;
  int final_written = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) !=
          1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    throw std::runtime_error("USM: OpenSSL cipher failed");
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

}  // namespace

std::size_t cipher_block_size(priv_protocol priv) noexcept {
  switch (priv) {
    case priv_protocol::des:
      return des_block;
    case priv_protocol::aes128:
    case priv_protocol::aes192:
    case priv_protocol::aes256:
      return aes_block;
    case priv_protocol::none:
      break;
  }
  return 1;
}

result<bytes> encrypt(const localized_keys& keys, std::int32_t engine_boots,
                      std::int32_t engine_time, std::uint64_t salt,
                      std::span<const std::uint8_t> plaintext, bytes& priv_parameters) {
  auto cipher = cipher_for(keys);
  if (!cipher) return cipher.err();
  priv_parameters.assign(salt_length, 0);
  if (keys.priv == priv_protocol::des) {
    // RFC 3414 8.1.1.1: salt = snmpEngineBoots || a local 32-bit integer.
    put_be32(priv_parameters.data(), static_cast<std::uint32_t>(engine_boots));
    put_be32(priv_parameters.data() + 4, static_cast<std::uint32_t>(salt));
  } else {
    // RFC 3826 3.1.2.1: a local 64-bit integer.
    put_be32(priv_parameters.data(), static_cast<std::uint32_t>(salt >> 32));
    put_be32(priv_parameters.data() + 4, static_cast<std::uint32_t>(salt));
  }
  const iv_bytes iv = make_iv(keys, engine_boots, engine_time, priv_parameters);
  if (keys.priv != priv_protocol::des) return run_cipher(*cipher, keys, iv, plaintext, true);
  // RFC 3414 8.1.1.2: pad to a multiple of 8 octets; the padding's value does not matter.
  bytes padded(plaintext.begin(), plaintext.end());
  padded.resize((padded.size() + des_block - 1) / des_block * des_block, 0);
  return run_cipher(*cipher, keys, iv, padded, true);
}

result<bytes> decrypt(const localized_keys& keys, std::int32_t engine_boots,
                      std::int32_t engine_time, std::span<const std::uint8_t> priv_parameters,
                      std::span<const std::uint8_t> ciphertext) {
  auto cipher = cipher_for(keys);
  if (!cipher) return cipher.err();
  // RFC 3414 8.3.2 step 1, RFC 3826 3.1.4 step 1.
  if (priv_parameters.size() != salt_length) {
    return {errc::decryption_error, "msgPrivacyParameters is " +
                                        std::to_string(priv_parameters.size()) + " octets, not " +
                                        std::to_string(salt_length)};
  }
  // RFC 3414 8.3.2 step 3: CBC-DES ciphertext is whole blocks.
  if (keys.priv == priv_protocol::des && ciphertext.size() % des_block != 0) {
    return {errc::decryption_error, "DES ciphertext of " + std::to_string(ciphertext.size()) +
                                        " octets is not a multiple of 8"};
  }
  const iv_bytes iv = make_iv(keys, engine_boots, engine_time, priv_parameters);
  return run_cipher(*cipher, keys, iv, ciphertext, false);
}

}  // namespace pdu2mqtt::snmp::v3::detail
