// The broker URL parser and its one scheme table. Pure: the fuzz build compiles it with the
// config, which parses every URL the link will be given.
#include "pdu2mqtt/mqtt/options.hpp"

#include <algorithm>
#include <iterator>
#include <system_error>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"

namespace pdu2mqtt::mqtt {
namespace {

struct scheme {
  std::string_view name;
  bool tls = false;
  std::uint16_t default_port = 0;
};

// Paho C speaks tcp:// and ssl://; mqtt:// and mqtts:// are the names users know (and the
// IANA-registered ports 1883 and 8883).
constexpr scheme schemes[] = {
    {"mqtt", false, 1883},
    {"tcp", false, 1883},
    {"mqtts", true, 8883},
    {"ssl", true, 8883},
};

}  // namespace

namespace {

std::string authority(const broker_address& a) {
  const bool bracket = a.host.find(':') != std::string::npos;
  return (bracket ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

}  // namespace

std::string broker_address::uri() const {
  return (tls ? "ssl://" : "tcp://") + authority(*this);
}

std::string broker_address::url() const {
  return (tls ? "mqtts://" : "mqtt://") + authority(*this);
}

result<broker_address> parse_broker_url(std::string_view url) {
  const auto invalid = [](std::string detail) {
    return result<broker_address>(
        error{std::make_error_code(std::errc::invalid_argument), std::move(detail)});
  };
  const auto separator = url.find("://");
  if (separator == std::string_view::npos) {
    return invalid("must start with mqtt://host or mqtts://host (also tcp://, ssl://)");
  }
  const std::string name = ascii_lower(url.substr(0, separator));
  const auto* found = std::find_if(std::begin(schemes), std::end(schemes),
                                   [&](const scheme& s) { return s.name == name; });
  if (found == std::end(schemes)) {
    return invalid("scheme " + json_quoted(name, 16) +
                   " is not supported: use mqtt://, mqtts://, tcp:// or ssl://");
  }
  broker_address out{.host = "", .port = found->default_port, .tls = found->tls};
  std::string_view rest = url.substr(separator + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority_end != std::string_view::npos && rest.substr(authority_end) != "/") {
    return invalid("must not have a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) {
    return invalid("must not contain credentials: use mqtt.username and mqtt.password_file");
  }
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid("has an unterminated [IPv6] address");
    out.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("has text after the ] of the IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (out.host.empty()) return invalid("has an empty host");
  if (has_control_character(out.host) || out.host.find_first_of(" []") != std::string::npos) {
    return invalid("has an invalid host");
  }
  if (has_port) {
    const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                        std::all_of(port_text.begin(), port_text.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    const long port = digits ? std::stol(std::string(port_text)) : 0;
    if (port < 1 || port > 65535) return invalid("port must be an integer from 1 to 65535");
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

}  // namespace pdu2mqtt::mqtt
