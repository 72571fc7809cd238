// Our own simulated CyberPower PDU (`pdu2mqtt simulate`) as a test peer on a kernel-chosen port.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// Runs `PDU2MQTT_BINARY simulate --listen 127.0.0.1:0 <extra_args>` and reads the bound address
// and port from its first stdout line, "simulated PDU listening on udp 127.0.0.1:PORT (...)"
// ("[::1]:PORT" for IPv6). Port 0 means no free-port race: the simulator binds first and tells
// us where. extra_args may hold its own --listen: another address (`[::1]:0`), or a known port
// to come back on after a simulated outage.
class simulator_fixture {
 public:
  // Throws std::runtime_error with the simulator's output if the line does not appear in 30 s
  // (generous: under ASan the binary starts slowly).
  explicit simulator_fixture(std::vector<std::string> extra_args = {},
                             const environment& extra_env = {});

  std::uint16_t port() const noexcept { return port_; }
  const std::string& address() const noexcept { return address_; }  // "127.0.0.1", "::1"
  std::string endpoint() const;  // "127.0.0.1:PORT", "[::1]:PORT" (net-snmp's tools take both)
  child_process& process() noexcept { return process_; }

 private:
  std::uint16_t port_ = 0;
  std::string address_;
  child_process process_;
};

// Everything a tool printed, for assertions on messages that may go to either stream.
inline std::string all_output(const command_result& r) {
  return r.stdout_text + r.stderr_text;
}

}  // namespace pdu2mqtt::test
