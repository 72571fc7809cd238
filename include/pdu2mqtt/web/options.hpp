// What the web page's server is configured with. Pure, so the config holds it as it is.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pdu2mqtt::web {

struct server_settings {
  std::string host = "127.0.0.1";  // an IP address (IPv6 without brackets)
  std::uint16_t port = 8080;       // 0: any free port (the log says which)
  std::string username = "admin";
  std::string password;  // secret; "": no authentication (then the Host header is checked)
  bool read_only = false;
  std::vector<std::string> allowed_hosts;  // Host names accepted without a password
  std::size_t max_event_streams = 16;      // each holds one server thread
  std::chrono::milliseconds keepalive{15000};
  std::chrono::milliseconds backend_timeout{20000};

  friend bool operator==(const server_settings&, const server_settings&) = default;
};

}  // namespace pdu2mqtt::web
