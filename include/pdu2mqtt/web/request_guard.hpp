// The checks every request to the web page passes before a handler sees it. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pdu2mqtt::web {

// The Authorization header value a browser sends for this user and password (RFC 7617):
// "Basic " + base64("user:password").
std::string basic_authorization(std::string_view user, std::string_view password);

// Equal, in a time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept;

// Whether a request with this Host header may reach a page that has no password: an IP
// address, "localhost", or one of `allowed` (lower case). Anything else is what a DNS-rebinding
// page would send: its own name, now resolving to us.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed);

// Every POST must carry this header (value "pdu2mqtt"): browsers send no custom header
// cross-site without a CORS preflight, which this server never approves.
inline constexpr const char* csrf_header = "X-Requested-By";
inline constexpr const char* csrf_value = "pdu2mqtt";

}  // namespace pdu2mqtt::web
