// USM keys (RFC 3414 2.6, A.2; RFC 7860 4.2): pass phrase to Ku, localization to an engine,
// the AES-192/256 key extension; the OpenSSL library context every USM primitive comes from.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "usm_crypto.hpp"

namespace pdu2mqtt::snmp::v3 {
namespace {

// RFC 3414 A.2.1: the pass phrase is repeated to fill this many octets, then hashed.
constexpr std::size_t password_expansion_octets = 1048576;

constexpr std::array auth_protocols = {auth_protocol::md5,    auth_protocol::sha1,
                                       auth_protocol::sha224, auth_protocol::sha256,
                                       auth_protocol::sha384, auth_protocol::sha512};
constexpr std::array priv_protocols = {priv_protocol::des, priv_protocol::aes128,
                                       priv_protocol::aes192, priv_protocol::aes256};

// OpenSSL's algorithm names (the default provider; DES-CBC is in the legacy provider).
const char* openssl_name(auth_protocol auth) noexcept {
  switch (auth) {
    case auth_protocol::md5:
      return "MD5";
    case auth_protocol::sha1:
      return "SHA1";
    case auth_protocol::sha224:
      return "SHA224";
    case auth_protocol::sha256:
      return "SHA256";
    case auth_protocol::sha384:
      return "SHA384";
    case auth_protocol::sha512:
      return "SHA512";
    case auth_protocol::none:
      break;
  }
  return nullptr;
}

const char* openssl_name(priv_protocol priv) noexcept {
  switch (priv) {
    case priv_protocol::des:
      return "DES-CBC";
    case priv_protocol::aes128:
      return "AES-128-CFB";  // CFB128 (RFC 3826 3.1.1)
    case priv_protocol::aes192:
      return "AES-192-CFB";
    case priv_protocol::aes256:
      return "AES-256-CFB";
    case priv_protocol::none:
      break;
  }
  return nullptr;
}

// A library context of our own with the default and legacy providers, so DES works without
// touching OpenSSL's global default context (Paho's TLS uses that one). Built once: a
// function-local static is initialised thread-safely.
class crypto_library {
 public:
  crypto_library() : context_(OSSL_LIB_CTX_new()) {
    if (context_ == nullptr) return;
    default_ = OSSL_PROVIDER_load(context_, "default");
    legacy_ = OSSL_PROVIDER_load(context_, "legacy");  // may fail: DES is then unavailable
    for (auth_protocol a : auth_protocols)
      digests_[index(a)] = EVP_MD_fetch(context_, openssl_name(a), nullptr);
    hmac_ = EVP_MAC_fetch(context_, "HMAC", nullptr);
    for (priv_protocol p : priv_protocols)
      ciphers_[index(p)] = EVP_CIPHER_fetch(context_, openssl_name(p), nullptr);
  }
  ~crypto_library() {
    for (EVP_CIPHER* c : ciphers_)
      EVP_CIPHER_free(c);
    EVP_MAC_free(hmac_);
    for (EVP_MD* d : digests_)
      EVP_MD_free(d);
    if (legacy_ != nullptr) OSSL_PROVIDER_unload(legacy_);
    if (default_ != nullptr) OSSL_PROVIDER_unload(default_);
    OSSL_LIB_CTX_free(context_);
  }
  crypto_library(const crypto_library&) = delete;
  crypto_library& operator=(const crypto_library&) = delete;

  const EVP_MD* digest(auth_protocol a) const noexcept { return digests_[index(a)]; }
  EVP_MAC* hmac() const noexcept { return hmac_; }
  const EVP_CIPHER* cipher(priv_protocol p) const noexcept { return ciphers_[index(p)]; }
  bool legacy_loaded() const noexcept { return legacy_ != nullptr; }

 private:
  static std::size_t index(auth_protocol a) noexcept { return static_cast<std::size_t>(a); }
  static std::size_t index(priv_protocol p) noexcept { return static_cast<std::size_t>(p); }

  OSSL_LIB_CTX* context_ = nullptr;
  OSSL_PROVIDER* default_ = nullptr;
  OSSL_PROVIDER* legacy_ = nullptr;
  std::array<EVP_MD*, 7> digests_{};  // by auth_protocol; [none] stays null
  EVP_MAC* hmac_ = nullptr;
  std::array<EVP_CIPHER*, 5> ciphers_{};  // by priv_protocol; [none] stays null
};

const crypto_library& library() {
  static const crypto_library instance;
  return instance;
}

const EVP_MD* required_digest(auth_protocol auth) {
  if (auth == auth_protocol::none) {
    throw std::invalid_argument("USM: a hash was asked of auth protocol none");
  }
  const EVP_MD* md = library().digest(auth);
  if (md == nullptr) {
    throw std::runtime_error("USM: OpenSSL cannot provide " + std::string(openssl_name(auth)));
  }
  return md;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct mac_ctx_deleter {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

[[noreturn]] void openssl_failed(const char* what) {
  throw std::runtime_error(std::string("USM: OpenSSL ") + what + " failed");
}

// The privacy key length each protocol takes from the localized key (RFC 3414 8.1.1.1:
// DES key and pre-IV; RFC 3826 3.1.2.1: the AES key).
std::size_t priv_key_length(priv_protocol priv) noexcept {
  switch (priv) {
    case priv_protocol::des:
    case priv_protocol::aes128:
      return 16;
    case priv_protocol::aes192:
      return 24;
    case priv_protocol::aes256:
      return 32;
    case priv_protocol::none:
      break;
  }
  return 0;
}

}  // namespace

namespace detail {

std::size_t digest_length(auth_protocol auth) noexcept {
  switch (auth) {
    case auth_protocol::md5:
      return 16;
    case auth_protocol::sha1:
      return 20;
    case auth_protocol::sha224:
      return 28;
    case auth_protocol::sha256:
      return 32;
    case auth_protocol::sha384:
      return 48;
    case auth_protocol::sha512:
      return 64;
    case auth_protocol::none:
      break;
  }
  return 0;
}

bytes digest(auth_protocol auth, std::span<const std::span<const std::uint8_t>> parts) {
  const EVP_MD* md = required_digest(auth);
  std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) openssl_failed("digest init");
  for (const auto& part : parts) {
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) openssl_failed("digest");
  }
  bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1) openssl_failed("digest final");
  out.resize(length);
  return out;
}

bytes hmac(auth_protocol auth, std::span<const std::uint8_t> key,
           std::span<const std::uint8_t> data) {
  required_digest(auth);
  EVP_MAC* mac = library().hmac();
  if (mac == nullptr) throw std::runtime_error("USM: OpenSSL cannot provide HMAC");
  std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx(EVP_MAC_CTX_new(mac));
  std::string digest_name = openssl_name(auth);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    openssl_failed("HMAC init");
  }
  if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) openssl_failed("HMAC");
  bytes out(digest_length(auth));
  std::size_t length = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1) openssl_failed("HMAC final");
  out.resize(length);
  return out;
}

const EVP_CIPHER* fetched_cipher(priv_protocol priv) noexcept {
  return priv == priv_protocol::none ? nullptr : library().cipher(priv);
}

}  // namespace detail

namespace {

// The names, then the other spellings people write (case-insensitive).
template <class T, std::size_t N, std::size_t M>
std::optional<T> parse_name(const std::pair<std::string_view, T> (&names)[N],
                            const std::pair<std::string_view, T> (&aliases)[M],
                            std::string_view text) noexcept {
  for (const auto& [name, value] : names) {
    if (equals_ignoring_ascii_case(text, name)) return value;
  }
  for (const auto& [name, value] : aliases) {
    if (equals_ignoring_ascii_case(text, name)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<auth_protocol> parse_auth_protocol(std::string_view text) noexcept {
  static constexpr std::pair<std::string_view, auth_protocol> aliases[] = {
      {"SHA1", auth_protocol::sha1},     {"SHA-1", auth_protocol::sha1},
      {"SHA224", auth_protocol::sha224}, {"SHA256", auth_protocol::sha256},
      {"SHA384", auth_protocol::sha384}, {"SHA512", auth_protocol::sha512}};
  return parse_name(auth_protocol_names, aliases, text);
}

std::optional<priv_protocol> parse_priv_protocol(std::string_view text) noexcept {
  static constexpr std::pair<std::string_view, priv_protocol> aliases[] = {
      {"AES128", priv_protocol::aes128},
      {"AES-128", priv_protocol::aes128},
      {"AES192", priv_protocol::aes192},
      {"AES256", priv_protocol::aes256}};
  return parse_name(priv_protocol_names, aliases, text);
}

bytes password_to_key(auth_protocol auth, std::string_view password) {
  if (password.size() < min_password_length) {
    throw std::invalid_argument("USM: pass phrase shorter than " +
                                std::to_string(min_password_length) + " characters");
  }
  // RFC 3414 A.2.1 (RFC 7860 4.2.1 for SHA-2): hash the pass phrase repeated to 1 MiB.
  bytes expanded(password_expansion_octets);
  // Whole copies of the pass phrase, not a byte and a division at a time: this runs twice per
  // user and engine, and a bridge with many PDUs localizes keys for each at start.
  for (std::size_t at = 0; at < expanded.size(); at += password.size()) {
    const std::size_t n = std::min(password.size(), expanded.size() - at);
    std::memcpy(expanded.data() + at, password.data(), n);
  }
  const std::span<const std::uint8_t> parts[] = {expanded};
  bytes ku = detail::digest(auth, parts);
  OPENSSL_cleanse(expanded.data(), expanded.size());
  return ku;
}

bytes localize_key(auth_protocol auth, std::span<const std::uint8_t> ku,
                   std::span<const std::uint8_t> engine_id) {
  // RFC 3414 A.2.2: Kul = H(Ku || snmpEngineID || Ku).
  const std::span<const std::uint8_t> parts[] = {ku, engine_id, ku};
  return detail::digest(auth, parts);
}

localized_keys localize(const user& u, std::span<const std::uint8_t> engine_id) {
  localized_keys keys;
  if (u.auth == auth_protocol::none) {
    if (u.priv != priv_protocol::none) {
      // RFC 3414 3.1.1 b): privacy without authentication is not a security level.
      throw std::invalid_argument("USM: privacy needs an authentication protocol");
    }
    return keys;
  }
  keys.auth = u.auth;
  keys.auth_key = localize_key(u.auth, password_to_key(u.auth, u.auth_password), engine_id);
  if (u.priv == priv_protocol::none) return keys;

  // RFC 3414 A.2.2 / RFC 3826 1.2: the privacy key is localized with the auth protocol's hash.
  keys.priv = u.priv;
  keys.priv_key = localize_key(u.auth, password_to_key(u.auth, u.priv_password), engine_id);
  const std::size_t needed = priv_key_length(u.priv);
  // draft-blumenthal-aes-usm-04 3.1.2.1 (net-snmp's AES-192/AES-256): while the key is too
  // short, append the hash of the whole key so far; then keep the first `needed` octets.
  while (keys.priv_key.size() < needed) {
    const std::span<const std::uint8_t> parts[] = {keys.priv_key};
    const bytes more = detail::digest(u.auth, parts);
    keys.priv_key.insert(keys.priv_key.end(), more.begin(), more.end());
  }
  keys.priv_key.resize(needed);
  return keys;
}

status check_cipher(priv_protocol priv) {
  if (priv == priv_protocol::none || detail::fetched_cipher(priv) != nullptr) return ok;
  std::string why = std::string("OpenSSL cannot provide ") + openssl_name(priv);
  if (priv == priv_protocol::des && !library().legacy_loaded()) {
    why += " (it needs OpenSSL 3's legacy provider, which did not load)";
  }
  return error{std::make_error_code(std::errc::not_supported), why};
}

std::size_t auth_parameters_length(auth_protocol auth) noexcept {
  switch (auth) {
    case auth_protocol::md5:
    case auth_protocol::sha1:
      return 12;  // RFC 3414 6.3.1, 7.3.1: HMAC-96
    case auth_protocol::sha224:
      return 16;  // RFC 7860 4.2.2: usmHMAC128SHA224AuthProtocol
    case auth_protocol::sha256:
      return 24;  // usmHMAC192SHA256AuthProtocol
    case auth_protocol::sha384:
      return 32;  // usmHMAC256SHA384AuthProtocol
    case auth_protocol::sha512:
      return 48;  // usmHMAC384SHA512AuthProtocol
    case auth_protocol::none:
      break;
  }
  return 0;
}

}  // namespace pdu2mqtt::snmp::v3
