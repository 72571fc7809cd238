// Why a TLS connect failed, found by doing the handshake again with OpenSSL through Asio: Paho
// C++ 1.2.0 cannot report it (its ssl_options error handler is called through a pointer to a
// connect_options copy that no longer exists, a crash), and Paho C says only "TCP/TLS connect
// failure" for every cause.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/mqtt/link.hpp"

namespace pdu2mqtt::mqtt::detail {

struct tls_probe_target {
  std::string host;  // name or address, IPv6 without brackets
  std::uint16_t port = 0;
  tls_options tls;
};

// Connects and handshakes as Paho would (same CA, client certificate, host name check), then
// closes. `done` runs on `executor` with "" when the handshake succeeded, else the reason
// ("TLS handshake failed: certificate verify failed (IP address mismatch)", "cannot reach the
// broker: Connection refused").
// The returned function cancels the probe; `done` is then not called.
std::function<void()> async_probe_tls(asio::any_io_executor executor, tls_probe_target target,
                                      std::chrono::milliseconds timeout,
                                      std::function<void(std::string)> done);

}  // namespace pdu2mqtt::mqtt::detail
