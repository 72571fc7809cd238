// The checks every request to the web page passes before a handler sees it (Host, basic auth).
#include "pdu2mqtt/web/request_guard.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <asio/ip/address.hpp>

#include "pdu2mqtt/common/ascii.hpp"

namespace pdu2mqtt::web {

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string plain(user);
  plain += ':';
  plain += password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(std::max(n, 0)));
  OPENSSL_cleanse(plain.data(), plain.size());
  return "Basic " + encoded;
}

bool same_secret(std::string_view a, std::string_view b) noexcept {
  // The length is not secret (it shows in the header anyway); the content is.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed) {
  std::string_view name = host_header;
  if (!name.empty() && name.front() == '[') {
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    name = name.substr(1, close - 1);
  } else if (const auto colon = name.find(':'); colon != std::string_view::npos) {
    if (name.find(':', colon + 1) != std::string_view::npos) return false;  // IPv6 needs []
    name = name.substr(0, colon);
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return false;
  std::error_code ec;
  (void)asio::ip::make_address(std::string(name), ec);
  if (!ec) return true;
  if (equals_ignoring_ascii_case(name, "localhost")) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return equals_ignoring_ascii_case(name, a); });
}

}  // namespace pdu2mqtt::web
