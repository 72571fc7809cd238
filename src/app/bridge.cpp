// Wiring of pollers to MQTT: what each poller event publishes, what each incoming message
// does. Everything runs on the one executor; the link posts Paho's callbacks onto it.
#include "pdu2mqtt/app/bridge.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>

#include "pdu2mqtt/common/untrusted_text.hpp"
#include "pdu2mqtt/pdu/command.hpp"
#include "pdu2mqtt/pdu/snapshot_json.hpp"
#include "pdu2mqtt/version.hpp"

namespace pdu2mqtt::app {

using nlohmann::json;

namespace {

constexpr std::string_view online_payload = "online";
constexpr std::string_view offline_payload = "offline";

std::string amps(double a) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", a);
  return text;
}

mqtt::link_options link_options_from(const mqtt_config& c, const topics::layout& layout) {
  mqtt::link_options o;
  o.url = c.broker.uri();
  o.client_id = c.client_id;
  o.username = c.username;
  o.password = c.password;
  o.keepalive = c.keepalive;
  o.will_topic = layout.bridge_state();
  o.will_payload = std::string(offline_payload);
  return o;
}

ha::discovery_settings discovery_from(const mqtt_config& c, const topics::layout& layout) {
  ha::discovery_settings s;
  s.discovery_prefix = c.discovery_prefix;
  s.layout = layout;
  s.mode = c.discovery_mode == discovery_style::device ? ha::discovery_mode::device
                                                       : ha::discovery_mode::entity;
  s.origin_sw_version = version_string;
  s.status_topic = c.discovery_prefix + "/status";
  return s;
}

device::poller_settings poller_settings_from(const pdu_config& c,
                                             const asio::ip::udp::endpoint& endpoint) {
  device::poller_settings s;
  s.id = c.id;
  s.read.endpoint = endpoint;
  s.read.version = c.snmp.version;
  s.read.community = c.snmp.community;
  s.read.timeout = c.snmp.timeout;
  s.read.retries = c.snmp.retries;
  s.read.max_varbinds = c.max_varbinds;
  s.write_community = c.snmp.write_community;
  s.poll_interval = c.poll_interval;
  s.offline_after_failures = c.offline_after_failures;
  s.command_deadline = c.command_timeout;
  s.protected_outlets = {c.protected_outlets.begin(), c.protected_outlets.end()};
  s.read_only = c.read_only;
  return s;
}

}  // namespace

std::shared_ptr<bridge> bridge::create(asio::any_io_executor executor, bridge_config config,
                                       bridge_timing timing) {
  return std::shared_ptr<bridge>(new bridge(executor, std::move(config), timing));
}

bridge::bridge(asio::any_io_executor executor, bridge_config config, bridge_timing timing)
    : executor_(executor),
      config_(std::move(config)),
      timing_(timing),
      layout_{config_.mqtt.base_topic},
      discovery_(discovery_from(config_.mqtt, layout_)),
      snmp_(snmp::client::create(executor)),
      link_(std::make_unique<mqtt::link>(executor, link_options_from(config_.mqtt, layout_))),
      birth_timer_(executor) {
  for (const auto& pdu : config_.pdus) {
    pdu_slot slot;
    slot.config = pdu;
    slot.entry.id = pdu.id;
    slot.entry.display_name = pdu.name;
    slot.entry.host = pdu.host;
    slot.entry.protected_outlets = pdu.protected_outlets;
    slot.entry.read_only = pdu.read_only;
    slots_.push_back(std::move(slot));
  }
}

void bridge::start() {
  link_->on_connection(guarded([](bridge& b, bool connected) { b.on_connection(connected); }));
  link_->on_message(guarded([](bridge& b, const mqtt::message& m) { b.on_message(m); }));
  link_->start();
  spdlog::info("pdu2mqtt {} bridging {} PDU(s) to {} (base topic '{}')", version_string,
               slots_.size(), config_.mqtt.broker.uri(), layout_.base);

  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& slot = slots_[i];
    std::error_code ec;
    auto address = asio::ip::make_address(slot.config.host, ec);
    if (ec) {
      // Names are resolved once, here; a name that does not resolve leaves this PDU offline
      // (and says so) without holding up the others.
      asio::ip::udp::resolver resolver(executor_);
      auto found = resolver.resolve(asio::ip::udp::v4(), slot.config.host,
                                    std::to_string(slot.config.port), ec);
      if (ec || found.empty()) {
        spdlog::error("[{}] cannot resolve host '{}': {}", slot.config.id, slot.config.host,
                      ec ? ec.message() : "no IPv4 address");
        continue;
      }
      address = found.begin()->endpoint().address();
    }
    if (!address.is_v4()) {
      spdlog::error("[{}] '{}' is an IPv6 address; this version polls PDUs over IPv4 only",
                    slot.config.id, slot.config.host);
      continue;
    }
    slot.poller = device::poller::create(
        executor_, snmp_, poller_settings_from(slot.config, {address, slot.config.port}),
        callbacks_for(i));
    slot.poller->start();
  }
}

void bridge::stop() {
  if (stopped_) return;
  stopped_ = true;
  birth_timer_.cancel();
  for (auto& slot : slots_) {
    if (slot.poller) slot.poller->stop();
  }
  if (link_->connected()) {
    link_->publish(layout_.bridge_state(), std::string(offline_payload), 1, true);
  }
  link_->stop(timing_.stop_grace);
  snmp_->close();
  spdlog::info("pdu2mqtt stopped");
}

device::poller_callbacks bridge::callbacks_for(std::size_t index) {
  // Slots never move after start(): the vector is filled once in the constructor.
  device::poller_callbacks cb;
  cb.availability = guarded([index](bridge& b, bool online) {
    auto* self = &b;
    auto& slot = self->slots_[index];
    spdlog::info("[{}] PDU is {}", slot.config.id, online ? "online" : "offline");
    self->publish_availability(slot);
    self->publish_info();
    if (self->status_changed_) self->status_changed_();
  });
  cb.discovered = guarded(
      [index](bridge& b, const device::snapshot& now, const std::optional<device::snapshot>&) {
        auto* self = &b;
        auto& slot = self->slots_[index];
        self->announce(slot, now);
        // Commands are accepted only once the PDU's real state is known (and published).
        self->subscribe_commands(slot);
      });
  cb.outlet_changed = guarded(
      [index](bridge& b, const device::outlet& o) { b.publish_outlet(b.slots_[index], o); });
  cb.bank_changed = guarded(
      [index](bridge& b, const device::bank& bank) { b.publish_bank(b.slots_[index], bank); });
  cb.state_changed = guarded(
      [index](bridge& b, const device::snapshot& s) { b.publish_snapshot(b.slots_[index], s); });
  cb.command_done = guarded([index](bridge& b, const device::command_report& r) {
    auto* self = &b;
    auto& slot = self->slots_[index];
    const auto& req = r.request;
    json result = {
        {"command", device::command_name(req.action)},
        {"ok", r.ok},
        {"state",
         r.state == device::power_state::unknown ? json() : json(device::to_string(r.state))},
        {"error", r.error ? json(*r.error) : json()},
        {"latency_ms", r.latency.count()}};
    if (req.outlet >= 1) {
      self->link_->publish(self->layout_.outlet_result(slot.config.id, req.outlet), result.dump(),
                           self->config_.mqtt.qos, false);
    }
    if (r.error) {
      spdlog::warn("[{}] outlet {} {}: {}", slot.config.id, req.outlet,
                   device::command_name(req.action), *r.error);
      self->publish_error(slot, req.topic, req.payload, *r.error);
    } else {
      spdlog::info("[{}] outlet {} {} confirmed in {} ms", slot.config.id, req.outlet,
                   device::command_name(req.action), r.latency.count());
    }
  });
  return cb;
}

bridge_status bridge::status() const {
  bridge_status s;
  s.mqtt_connected = link_->connected();
  for (const auto& slot : slots_) {
    s.pdus.push_back({slot.config.id, slot.poller && slot.poller->online()});
  }
  return s;
}

void bridge::on_status_change(std::function<void()> handler) {
  status_changed_ = std::move(handler);
}

void bridge::on_connection(bool connected) {
  if (status_changed_) status_changed_();
  if (!connected) {
    spdlog::warn("MQTT connection lost; reconnecting");
    return;
  }
  spdlog::info("MQTT connected to {}", config_.mqtt.broker.uri());
  // The broker may have lost its retained messages (restart without persistence): everything
  // we stand for is published again.
  publish_retained(layout_.bridge_state(), std::string(online_payload));
  if (config_.mqtt.discovery) link_->subscribe(discovery_.status_topic, config_.mqtt.qos);
  for (auto& slot : slots_) {
    if (slot.poller && slot.poller->current()) {
      announce(slot, *slot.poller->current());
      publish_states(slot);
    }
    publish_availability(slot);
  }
  publish_info();
}

void bridge::on_message(const mqtt::message& m) {
  if (stopped_) return;
  if (config_.mqtt.discovery && m.topic == discovery_.status_topic) {
    if (m.payload == ha::status_online) republish_after_birth();
    return;
  }
  auto command = topics::parse_command_topic(layout_, m.topic);
  if (!command) return;
  for (auto& slot : slots_) {
    if (slot.config.id == command->pdu_id) {
      on_command(slot, *command, m);
      return;
    }
  }
}

void bridge::on_command(pdu_slot& slot, const topics::command_topic& command,
                        const mqtt::message& m) {
  const auto excerpt = printable_excerpt(m.payload);
  if (m.retained) {
    // A retained command replays on every reconnect and would switch the outlet by itself.
    const std::string why =
        "retained command ignored: publish commands without the retain flag (clear it with an "
        "empty retained message on this topic)";
    spdlog::warn("[{}] {} on {}", slot.config.id, why, printable_excerpt(m.topic));
    publish_error(slot, m.topic, excerpt, why);
    return;
  }
  if (!slot.poller) return;
  if (command.what == topics::command_topic::kind::get) {
    slot.poller->refresh();
    return;
  }
  const auto& current = slot.poller->current();
  const int outlets = current ? current->size.outlets : 0;
  auto outlet = device::parse_outlet_number(command.outlet_text, outlets);
  if (!outlet) {
    spdlog::warn("[{}] command refused: {}", slot.config.id, outlet.err().detail);
    publish_error(slot, m.topic, excerpt, outlet.err().detail);
    return;
  }
  auto action = device::parse_outlet_command(m.payload);
  if (!action) {
    spdlog::warn("[{}] outlet {}: command refused: {}", slot.config.id, *outlet,
                 action.err().detail);
    publish_error(slot, m.topic, excerpt, action.err().detail);
    return;
  }
  slot.poller->submit(device::command_request{
      .outlet = *outlet, .action = *action, .topic = m.topic, .payload = excerpt});
}

void bridge::announce(pdu_slot& slot, const device::snapshot& now) {
  if (!config_.mqtt.discovery) return;
  if (slot.announced) {
    for (auto& p : ha::removal_messages(discovery_, slot.entry, *slot.announced, now)) {
      link_->publish(p.topic, p.payload, config_.mqtt.qos, p.retain);
    }
  }
  for (auto& p : ha::discovery_messages(discovery_, slot.entry, now)) {
    link_->publish(p.topic, p.payload, config_.mqtt.qos, p.retain);
  }
  slot.announced = now;
}

void bridge::publish_states(const pdu_slot& slot) {
  const auto& s = *slot.poller->current();
  for (const auto& o : s.outlets)
    publish_outlet(slot, o);
  for (const auto& b : s.banks)
    publish_bank(slot, b);
  publish_snapshot(slot, s);
}

void bridge::publish_outlet(const pdu_slot& slot, const device::outlet& o) {
  if (o.state == device::power_state::unknown) return;  // never publish what was not reported
  link_->publish(layout_.outlet(slot.config.id, o.number), std::string(device::to_string(o.state)),
                 config_.mqtt.qos, config_.mqtt.retain_state);
}

void bridge::publish_bank(const pdu_slot& slot, const device::bank& b) {
  if (!b.current_a) return;
  link_->publish(layout_.bank_current(slot.config.id, b.number), amps(*b.current_a),
                 config_.mqtt.qos, config_.mqtt.retain_state);
}

void bridge::publish_snapshot(const pdu_slot& slot, const device::snapshot& s) {
  auto state = device::to_json(s);
  state["id"] = slot.config.id;
  state["available"] = slot.poller && slot.poller->online();
  link_->publish(layout_.state(slot.config.id), state.dump(), config_.mqtt.qos,
                 config_.mqtt.retain_state);
}

void bridge::publish_availability(const pdu_slot& slot) {
  const bool online = slot.poller && slot.poller->online();
  publish_retained(layout_.availability(slot.config.id),
                   std::string(online ? online_payload : offline_payload));
}

void bridge::publish_info() {
  json pdus = json::array();
  for (const auto& slot : slots_) {
    json p = {{"id", slot.config.id},
              {"name", slot.config.name},
              {"host", slot.config.host},
              {"online", slot.poller && slot.poller->online()}};
    if (slot.poller) {
      p["polls_ok"] = slot.poller->polls_ok();
      p["polls_failed"] = slot.poller->polls_failed();
      p["sets_sent"] = slot.poller->sets_sent();
      if (const auto& s = slot.poller->current()) {
        p["model"] = s->id.model;
        p["serial"] = s->id.serial;
        p["firmware"] = s->id.firmware;
        p["outlets"] = s->size.outlets;
        p["banks"] = s->size.banks;
      }
    }
    pdus.push_back(std::move(p));
  }
  json info = {{"version", version_string}, {"pdus", pdus}, {"config", redacted_json(config_)}};
  publish_retained(layout_.bridge_info(), info.dump());
}

void bridge::publish_error(const pdu_slot& slot, const std::string& topic,
                           const std::string& payload, const std::string& why) {
  nlohmann::ordered_json e = {
      {"topic", printable_excerpt(topic, 256)}, {"payload", payload}, {"error", why}};
  link_->publish(layout_.error(slot.config.id), e.dump(), config_.mqtt.qos, false);
}

void bridge::publish_retained(const std::string& topic, const std::string& payload) {
  link_->publish(topic, payload, config_.mqtt.qos, true);
}

void bridge::subscribe_commands(pdu_slot& slot) {
  if (slot.subscribed) return;
  slot.subscribed = true;
  link_->subscribe(layout_.outlet_set_filter(slot.config.id), config_.mqtt.qos);
  link_->subscribe(layout_.get(slot.config.id), config_.mqtt.qos);
}

void bridge::republish_after_birth() {
  static thread_local std::minstd_rand jitter(std::random_device{}());
  const auto delay = timing_.birth_republish_delay + std::chrono::milliseconds(jitter() % 500);
  spdlog::info("Home Assistant came online; re-publishing discovery in {} ms", delay.count());
  birth_timer_.expires_after(delay);
  birth_timer_.async_wait(guarded([](bridge& b, std::error_code ec) {
    auto* self = &b;
    if (ec || self->stopped_) return;
    for (auto& slot : self->slots_) {
      if (slot.poller && slot.poller->current()) {
        self->announce(slot, *slot.poller->current());
        self->publish_states(slot);
      }
      self->publish_availability(slot);
    }
  }));
}

}  // namespace pdu2mqtt::app
