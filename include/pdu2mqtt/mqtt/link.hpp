// One MQTT connection for the bridge. The only place that touches Paho (in its .cpp): Paho's
// callbacks run on Paho's threads and only post into our executor, so every handler below
// runs on the bridge's single thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/mqtt/options.hpp"
#include "pdu2mqtt/mqtt/outbox.hpp"

namespace pdu2mqtt::mqtt {

struct message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
};

struct link_options {
  broker_address broker;  // parse_broker_url: a link is never given a URL it would refuse
  std::string client_id = "pdu2mqtt";
  std::string username;
  std::string password;  // never logged
  protocol version = protocol::automatic;
  tls_options tls;
  std::chrono::seconds keepalive{30};
  // Last Will: published by the broker when we vanish (retained).
  std::string will_topic;
  std::string will_payload = "offline";
  // Reconnect backoff: doubles from min to max.
  std::chrono::milliseconds min_backoff{500};
  // A broker restart takes seconds; the cap keeps the bridge from sleeping long after it.
  std::chrono::milliseconds max_backoff{5000};
  // Non-retained QoS 1 messages published while disconnected are held (the oldest dropped
  // beyond this many) and sent after the next connect, unless older than the max age.
  std::size_t offline_queue = 100;
  std::chrono::milliseconds offline_queue_max_age{300000};
  // QoS 1/2 publishes awaiting their acknowledgement at most, and fewer when the broker's
  // Receive Maximum says so (MQTT 5 3.2.2.3.3; Mosquitto's default is 20). What is over waits
  // in the link's outbox and goes out as acknowledgements arrive.
  std::size_t max_in_flight = 1000;
};

struct link_stats {
  std::uint64_t connects = 0;
  std::uint64_t connection_losses = 0;
  std::uint64_t published = 0;
  std::uint64_t dropped_while_offline = 0;
  std::uint64_t held_while_offline = 0;
  std::uint64_t received = 0;
  // QoS 1/2 publishes the broker acknowledged.
  std::uint64_t acknowledged = 0;
  // Retained messages that replaced a queued one for the same topic before it went out.
  std::uint64_t coalesced = 0;
  // QoS 1/2 publishes the broker answered with a failure (MQTT 5 PUBACK reason >= 0x80), or
  // that the library gave up on.
  std::uint64_t not_acknowledged = 0;
};

class link {
 public:
  using message_handler = std::function<void(const message&)>;
  // true on every (re)connect, false on every loss; subscriptions are restored before true.
  using connection_handler = std::function<void(bool connected)>;

  link(asio::any_io_executor executor, link_options options);
  ~link();
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  void on_message(message_handler handler);
  void on_connection(connection_handler handler);

  // Connects in the background and keeps reconnecting with backoff; never blocks.
  void start();

  // Remembered and restored after every reconnect.
  void subscribe(const std::string& filter, int qos);
  void unsubscribe(const std::string& filter);

  // Goes out at once while the broker's window has room, else waits in the outbox (urgent
  // before bulk; a queued retained message is replaced by a newer one for its topic).
  // While disconnected: retained messages are dropped (the bridge re-publishes its state on
  // connect), others held for the next connect (see link_options::offline_queue).
  void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               priority p = priority::urgent);

  // Publishes nothing by itself; sends what is queued and waits for its acknowledgements for
  // up to `grace`, then disconnects.
  void stop(std::chrono::milliseconds grace);

  bool connected() const noexcept;
  const link_stats& stats() const noexcept;
  // "5" or "3.1.1": the version of the current (or last) connection; "" before the first.
  std::string_view protocol_in_use() const noexcept;
  // How many QoS 1/2 publishes may be unacknowledged on this connection (min of max_in_flight
  // and the broker's Receive Maximum), and how many messages wait in the outbox.
  std::size_t window() const noexcept;
  std::size_t queued() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pdu2mqtt::mqtt
