// A private Mosquitto broker on a free loopback TCP port, for tests that publish/subscribe.
#pragma once

#include <cstdint>
#include <string>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// mosquitto -c <generated conf>: anonymous access, no persistence, full log on stderr.
// stop()/start() (or restart()) keep the port, so clients can be tested across an outage.
class mosquitto_fixture {
 public:
  // Starts at once; throws std::runtime_error with the broker's output if the port does not
  // accept connections within 10 s.
  mosquitto_fixture();

  void start();  // again on the same port after stop()
  void stop();   // SIGTERM, as a clean broker shutdown; process().signal(SIGKILL) for a crash
  void restart();
  bool running() { return process_.running(); }

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const noexcept { return port_; }
  std::string uri() const;  // "tcp://127.0.0.1:PORT", as Paho takes it
  child_process& process() noexcept { return process_; }

 private:
  void write_config() const;
  bool wait_until_accepting(std::chrono::milliseconds timeout);

  temp_dir dir_;
  std::uint16_t port_ = 0;
  child_process process_;
};

}  // namespace pdu2mqtt::test
