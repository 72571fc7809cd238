// Recording MQTT client for tests (see mqtt_observer.hpp).
#include "support/mqtt_observer.hpp"

#include <atomic>
#include <random>

namespace pdu2mqtt::test {

namespace {
std::string unique_client_id() {
  static std::atomic<int> counter{0};
  return "pdu2mqtt-test-observer-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}
}  // namespace

mqtt_observer::mqtt_observer(const std::string& uri, const std::string& filter)
    : mqtt_observer(mqtt::link_options{.broker = *mqtt::parse_broker_url(uri)}, filter) {}

mqtt_observer::mqtt_observer(mqtt::link_options o, const std::string& filter) {
  o.client_id = unique_client_id();
  o.min_backoff = std::chrono::milliseconds(100);
  o.max_backoff = std::chrono::milliseconds(500);
  link_ = std::make_unique<mqtt::link>(io_.get_executor(), o);
  link_->on_message([this](const mqtt::message& m) { received_.push_back(m); });
  link_->subscribe(filter, 1);
  link_->start();
}

mqtt_observer::~mqtt_observer() {
  link_->stop(std::chrono::milliseconds(200));
  link_.reset();
}

bool mqtt_observer::wait_connected(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!link_->connected() && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(5));
  }
  // The subscription is made right after the connection; give the SUBACK a moment.
  pump(std::chrono::milliseconds(100));
  return link_->connected();
}

std::optional<mqtt::message> mqtt_observer::wait_for(
    const std::string& topic, const std::function<bool(const std::string&)>& accept,
    std::chrono::milliseconds timeout, std::size_t from) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t next = from;
  for (;;) {
    for (; next < received_.size(); ++next) {
      const auto& m = received_[next];
      if (m.topic == topic && (!accept || accept(m.payload))) return m;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    io_.restart();
    io_.run_for(std::chrono::milliseconds(5));
  }
}

bool mqtt_observer::wait_for_payload(const std::string& topic, const std::string& payload,
                                     std::chrono::milliseconds timeout, std::size_t from) {
  return wait_for(
             topic, [&](const std::string& p) { return p == payload; }, timeout, from)
      .has_value();
}

void mqtt_observer::publish(const std::string& topic, const std::string& payload, bool retain,
                            int qos) {
  link_->publish(topic, payload, qos, retain);
  pump(std::chrono::milliseconds(20));
}

void mqtt_observer::pump(std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(5));
  }
}

std::vector<mqtt::message> mqtt_observer::on_topic(const std::string& topic,
                                                   std::size_t from) const {
  std::vector<mqtt::message> out;
  for (std::size_t i = from; i < received_.size(); ++i) {
    if (received_[i].topic == topic) out.push_back(received_[i]);
  }
  return out;
}

std::optional<std::string> mqtt_observer::last_payload(const std::string& topic) const {
  for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
    if (it->topic == topic) return it->payload;
  }
  return std::nullopt;
}

}  // namespace pdu2mqtt::test
