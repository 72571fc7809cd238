// What the MQTT layer is configured with: the broker's address (and its URL parser), the MQTT
// version and the TLS files. Pure, so the config (fuzzed alone) holds these types as they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "pdu2mqtt/common/name_table.hpp"
#include "pdu2mqtt/common/result.hpp"

namespace pdu2mqtt::mqtt {

// Which MQTT version to speak. automatic: MQTT 5 first; a broker that refuses it ("unacceptable
// protocol version", MQTT 3.1.1 3.2.2.3 / MQTT 5 reason 0x84) gets 3.1.1 from then on.
enum class protocol { automatic, v5, v3_1_1 };

inline constexpr name_table<protocol, 3> protocol_names = {
    {"auto", protocol::automatic}, {"5", protocol::v5}, {"3.1.1", protocol::v3_1_1}};

constexpr std::string_view to_string(protocol p) noexcept {
  return name_in(protocol_names, p);
}

// For mqtts:// (ssl://) URLs only. Files are PEM; paths as given (the config makes them absolute
// and checks them readable when it is loaded); "" means not set.
struct tls_options {
  std::string ca_file;            // CAs that may sign the broker's certificate; "": the system's
  std::string cert_file;          // our certificate (chain), when the broker asks for one
  std::string key_file;           // its private key; "": in cert_file
  std::string key_password_file;  // where key_password came from (reports); the link never reads it
  std::string key_password;       // for an encrypted key_file; never logged
  // false: the broker's certificate must still be signed by a trusted CA, but need not name the
  // host of the URL (RFC 6125 checks against its subjectAltName).
  bool verify_hostname = true;

  friend bool operator==(const tls_options&, const tls_options&) = default;
};

// An MQTT broker URL taken apart: mqtt://host[:port] (1883), mqtts://host[:port] (8883),
// tcp:// and ssl:// as Paho spells them.
struct broker_address {
  std::string host = "127.0.0.1";  // name or address; IPv6 without the brackets
  std::uint16_t port = 1883;
  bool tls = false;

  // "tcp://host:port" or "ssl://host:port": the spelling every Paho release accepts.
  std::string uri() const;
  // "mqtt://host:port" or "mqtts://host:port": the spelling users write, for logs.
  std::string url() const;

  friend bool operator==(const broker_address&, const broker_address&) = default;
};

// The detail says what is wrong without repeating the URL (it may hold credentials).
result<broker_address> parse_broker_url(std::string_view url);

}  // namespace pdu2mqtt::mqtt
