// The processes a benchmark runs against: simulated PDUs (one `simulate --count N` process),
// the bridge with a generated config, and an MQTT client that timestamps what it receives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "measure.hpp"
#include "pdu2mqtt/mqtt/link.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::bench {

// `pdu2mqtt simulate --listen 127.0.0.1:0 --count n args...`; returns the ports, in order.
std::vector<std::uint16_t> start_simulators(test::child_process& sim, int n,
                                            std::vector<std::string> args);

struct pdu_spec {
  std::string id;
  std::uint16_t port = 0;
  int poll_interval_ms = 1000;
  int max_varbinds = 10;
};

// A bridge config: the broker on loopback, these PDUs, no command rate limit in the way.
// protocol: the config's mqtt.protocol ("auto", "5" or "3.1.1").
std::string bridge_config(std::uint16_t broker_port, const std::vector<pdu_spec>& pdus,
                          bool discovery = true, const std::string& protocol = "auto");

// An MQTT client on the bridge's own link: every message with the time it arrived.
class mqtt_client {
 public:
  struct received {
    mqtt::message message;
    clock::time_point at;
  };
  mqtt_client(std::uint16_t broker_port, const std::string& filter);
  ~mqtt_client();
  // Runs the client until pred() holds (checked every 5 ms) or timeout; returns pred().
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  void publish(const std::string& topic, const std::string& payload);
  // Called for each message as it arrives (optional; messages are also kept unless told not to).
  void on_message(std::function<void(const received&)> f, bool keep = true);
  const std::vector<received>& messages() const noexcept { return messages_; }
  std::uint64_t count() const noexcept { return count_; }

 private:
  asio::io_context io_;
  std::unique_ptr<mqtt::link> link_;
  std::vector<received> messages_;
  std::function<void(const received&)> handler_;
  bool keep_ = true;
  bool connected_ = false;
  std::uint64_t count_ = 0;
};

}  // namespace pdu2mqtt::bench
