// An MQTT client for tests: subscribes to everything, records every message, and waits for
// a message that matches. Built on the bridge's own link, driven by a private io_context.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pdu2mqtt/mqtt/link.hpp"

namespace pdu2mqtt::test {

class mqtt_observer {
 public:
  explicit mqtt_observer(const std::string& uri, const std::string& filter = "#");
  // With credentials (or TLS): the options' url, username, password... are used as given;
  // client id and backoff are the observer's.
  explicit mqtt_observer(mqtt::link_options options, const std::string& filter = "#");
  ~mqtt_observer();

  bool wait_connected(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // The first message on topic (seen from `from` on) whose payload satisfies accept.
  std::optional<mqtt::message> wait_for(
      const std::string& topic, const std::function<bool(const std::string&)>& accept = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(10), std::size_t from = 0);
  // Shorthand: the payload equals `payload`.
  bool wait_for_payload(const std::string& topic, const std::string& payload,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10),
                        std::size_t from = 0);

  void publish(const std::string& topic, const std::string& payload, bool retain = false,
               int qos = 1);
  // Lets the io_context run for a while (to see that nothing arrives).
  void pump(std::chrono::milliseconds d);

  // Everything received so far; mark() is the index of the next message.
  const std::vector<mqtt::message>& received() const noexcept { return received_; }
  std::size_t mark() const noexcept { return received_.size(); }
  std::vector<mqtt::message> on_topic(const std::string& topic, std::size_t from = 0) const;
  std::optional<std::string> last_payload(const std::string& topic) const;

 private:
  asio::io_context io_;
  std::unique_ptr<mqtt::link> link_;
  std::vector<mqtt::message> received_;
};

}  // namespace pdu2mqtt::test
