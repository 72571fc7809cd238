// Our own simulated CyberPower PDU (`pdu2mqtt simulate`) as a test peer on a kernel-chosen port.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// Runs `PDU2MQTT_BINARY simulate --listen 127.0.0.1:0 <extra_args>` and reads the bound port
// from its first stdout line, "simulated PDU listening on udp 127.0.0.1:PORT (...)". Port 0
// means no free-port race: the simulator binds first and tells us where. extra_args may hold
// its own --listen, to come back on a known port after a simulated outage.
class simulator_fixture {
 public:
  // Throws std::runtime_error with the simulator's output if the line does not appear in 30 s
  // (generous: under ASan the binary starts slowly).
  explicit simulator_fixture(std::vector<std::string> extra_args = {},
                             const environment& extra_env = {});

  std::uint16_t port() const noexcept { return port_; }
  std::string endpoint() const;  // "127.0.0.1:PORT"
  child_process& process() noexcept { return process_; }

 private:
  std::uint16_t port_ = 0;
  child_process process_;
};

// "<column>.<row>": a table cell's OID, as net-snmp's tools take it.
inline std::string oid_at(const char* column, int row) {
  return std::string(column) + "." + std::to_string(row);
}

// Everything a tool printed, for assertions on messages that may go to either stream.
inline std::string all_output(const command_result& r) {
  return r.stdout_text + r.stderr_text;
}

}  // namespace pdu2mqtt::test
