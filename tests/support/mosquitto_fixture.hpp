// A private Mosquitto broker on a free loopback TCP port, for tests that publish/subscribe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// What a test needs beyond the default broker (anonymous access, one plain listener).
struct mosquitto_setup {
  bool allow_anonymous = true;
  std::filesystem::path password_file;  // mosquitto_passwd's format; empty: none
  std::filesystem::path acl_file;       // mosquitto's acl_file format; empty: none
  // More listeners on free loopback ports, each given by the lines that follow its
  // "listener <port> 127.0.0.1" line (certfile, keyfile, require_certificate, ...).
  std::vector<std::string> extra_listeners;
};

// mosquitto -c <generated conf>: anonymous access, no persistence, full log on stderr.
// stop()/start() (or restart()) keep the ports, so clients can be tested across an outage.
class mosquitto_fixture {
 public:
  // Starts at once; throws std::runtime_error with the broker's output if a port does not
  // accept connections within 10 s.
  mosquitto_fixture();
  explicit mosquitto_fixture(mosquitto_setup setup);

  void start();  // again on the same port after stop()
  void stop();   // SIGTERM, as a clean broker shutdown; process().signal(SIGKILL) for a crash
  void restart();
  bool running() { return process_.running(); }

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const noexcept { return port_; }
  // The port of setup.extra_listeners[i].
  std::uint16_t extra_port(std::size_t i) const { return extra_ports_.at(i); }
  std::string uri() const;  // "tcp://127.0.0.1:PORT", as Paho takes it
  child_process& process() noexcept { return process_; }

 private:
  void write_config() const;
  bool wait_until_accepting(std::chrono::milliseconds timeout);

  mosquitto_setup setup_;
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::vector<std::uint16_t> extra_ports_;
  child_process process_;
};

}  // namespace pdu2mqtt::test
