// Wiring of pollers to MQTT: what each poller event publishes, what each incoming message
// does. Everything runs on the one executor; the link posts Paho's callbacks onto it.
#include "pdu2mqtt/app/bridge.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/common/untrusted_text.hpp"
#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/device/snapshot_json.hpp"
#include "pdu2mqtt/version.hpp"

namespace pdu2mqtt::app {

using nlohmann::json;

namespace {

constexpr std::string_view online_payload = "online";

// Text from the PDU (outlet names, contact names) need not be UTF-8: a name typed as Latin-1
// on the PDU's web page must not make serialization throw. Bad bytes become U+FFFD.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
constexpr std::string_view offline_payload = "offline";

std::string amps(double a) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", a);
  return text;
}

mqtt::link_options link_options_from(const mqtt_config& c, const topics::layout& layout) {
  return {.broker = c.broker,
          .client_id = c.client_id,
          .username = c.username,
          .password = c.password,
          .version = c.protocol,
          .tls = c.tls,
          .keepalive = c.keepalive,
          .will_topic = layout.bridge_state(),
          .will_payload = std::string(offline_payload)};
}

ha::pdu_entry entry_from(const pdu_config& c) {
  ha::pdu_entry e;
  e.id = c.id;
  e.display_name = c.name;
  e.host = c.host;
  e.protected_outlets = c.protected_outlets;
  e.read_only = c.read_only;
  e.confirm_reboot = c.confirm_reboot;
  return e;
}

ha::discovery_settings discovery_from(const mqtt_config& c, const topics::layout& layout) {
  ha::discovery_settings s;
  s.discovery_prefix = c.discovery_prefix;
  s.layout = layout;
  s.mode = c.discovery_mode;
  s.origin_sw_version = version_string;
  s.status_topic = c.discovery_prefix + "/status";
  return s;
}

// The poller's options are the config's own (device::pdu_options); what differs is how to
// reach the PDU, which needs its resolved address.
device::poller_settings poller_settings_from(const pdu_config& c,
                                             const asio::ip::udp::endpoint& endpoint) {
  device::poller_settings s;
  static_cast<device::pdu_options&>(s) = c;
  s.id = c.id;
  s.read.endpoint = endpoint;
  s.read.version = c.snmp.version;
  s.read.community = c.snmp.community;
  if (c.snmp.version == snmp::version::v3) {
    s.read.user = std::make_shared<const snmp::v3::user>(c.snmp.user);
  }
  s.read.timeout = c.snmp.timeout;
  s.read.retries = c.snmp.retries;
  s.read.max_varbinds = c.max_varbinds;
  s.write_community = c.snmp.write_community;
  return s;
}

}  // namespace

std::shared_ptr<bridge> bridge::create(asio::any_io_executor executor, bridge_config config,
                                       bridge_timing timing) {
  return std::shared_ptr<bridge>(new bridge(executor, std::move(config), timing));
}

bridge::pdu_slot::pdu_slot(const asio::any_io_executor& executor, pdu_config c,
                           const bridge_timing& timing)
    : config(std::move(c)),
      entry(entry_from(config)),
      resolve_timer(executor),
      command_budget(config.max_commands_per_s, config.max_commands_per_s),
      error_budget(timing.error_reports_per_s, timing.error_reports_per_s),
      // A PDU owns these two from the start: a previous run may have left them retained.
      state_topics{std::string(topics::level::availability), std::string(topics::level::state)} {}

bridge::bridge(asio::any_io_executor executor, bridge_config config, bridge_timing timing)
    : executor_(executor),
      config_(std::move(config)),
      timing_(timing),
      layout_{config_.mqtt.base_topic},
      discovery_(discovery_from(config_.mqtt, layout_)),
      snmp_(snmp::client::create(executor)),
      link_(std::make_unique<mqtt::link>(executor, link_options_from(config_.mqtt, layout_))),
      birth_timer_(executor),
      info_timer_(executor),
      error_summary_timer_(executor) {
  for (const auto& pdu : config_.pdus)
    slots_.push_back(make_slot(pdu));
}

bridge::slot_ptr bridge::make_slot(const pdu_config& c) {
  return std::make_shared<pdu_slot>(executor_, c, timing_);
}

void bridge::start() {
  started_ = true;
  link_->on_connection(guarded([](bridge& b, bool connected) { b.on_connection(connected); }));
  link_->on_message(guarded([](bridge& b, const mqtt::message& m) { b.on_message(m); }));
  link_->start();
  spdlog::info("pdu2mqtt {} bridging {} PDU(s) to {} (base topic '{}')", version_string,
               slots_.size(), config_.mqtt.broker.uri(), layout_.base);
  for (const auto& slot : slots_)
    start_slot(slot);
}

void bridge::start_slot(const slot_ptr& slot) {
  std::error_code ec;
  const auto address = asio::ip::make_address(slot->config.host, ec);
  if (!ec) {
    create_poller(slot, address);
    return;
  }
  // A name is resolved off the event loop (getaddrinfo may take seconds when DNS is down). One
  // that does not resolve leaves this PDU offline, says so, and is tried again later: in a
  // compose stack the PDU's container may simply not be up yet.
  // IPv4 or IPv6 (IPv4 preferred: snmp::preferred_endpoint); without AI_ADDRCONFIG, so a name
  // for ::1 alone resolves where loopback is the only IPv6 address.
  auto resolver = std::make_shared<asio::ip::udp::resolver>(executor_);
  resolver->async_resolve(
      slot->config.host, std::to_string(slot->config.port),
      asio::ip::udp::resolver::numeric_service,
      guarded(slot, [resolver](bridge& b, pdu_slot& s, std::error_code error,
                               const asio::ip::udp::resolver::results_type& found) {
        if (b.stopped_) return;
        const auto endpoint = error ? std::nullopt : snmp::preferred_endpoint(found);
        if (endpoint) {
          b.create_poller(s.shared_from_this(), endpoint->address());
          return;
        }
        spdlog::error("[{}] cannot resolve host '{}': {}; trying again in {} s", s.config.id,
                      s.config.host, error ? error.message() : "no address",
                      b.timing_.resolve_retry.count() / 1000);
        s.resolve_timer.expires_after(b.timing_.resolve_retry);
        s.resolve_timer.async_wait(b.guarded(
            s.shared_from_this(), [](bridge& again, pdu_slot& retry, std::error_code timer_error) {
              if (!timer_error && !again.stopped_) again.start_slot(retry.shared_from_this());
            }));
      }));
}

void bridge::create_poller(const slot_ptr& slot, const asio::ip::address& address) {
  auto settings = poller_settings_from(slot->config, {address, slot->config.port});
  // The k-th of n PDUs starts k/n of its interval late: polls spread evenly over time.
  const auto position = std::find(slots_.begin(), slots_.end(), slot) - slots_.begin();
  settings.start_delay =
      slot->added_at_run_time
          ? std::chrono::milliseconds(0)  // someone is watching the page for it
          : settings.poll_interval * position / std::max<std::ptrdiff_t>(1, std::ssize(slots_));
  slot->poller = device::poller::create(executor_, snmp_, std::move(settings), callbacks_for(slot));
  slot->poller->start();
  tell_pdu_changed(*slot);
}

void bridge::stop() {
  if (stopped_) return;
  stopped_ = true;
  birth_timer_.cancel();
  info_timer_.cancel();
  error_summary_timer_.cancel();
  for (auto& slot : slots_) {
    slot->resolve_timer.cancel();
    if (slot->poller) slot->poller->stop();
  }
  if (link_->connected()) {
    link_->publish(layout_.bridge_state(), std::string(offline_payload), 1, true);
  }
  link_->stop(timing_.stop_grace);
  snmp_->close();
  spdlog::info("pdu2mqtt stopped");
}

void bridge::retire_slot(const slot_ptr& slot, bool remove_from_mqtt) {
  slot->retired = true;
  slot->resolve_timer.cancel();
  if (slot->poller) slot->poller->stop();
  const auto& id = slot->config.id;
  if (slot->subscribed) {
    link_->unsubscribe(layout_.outlet_set_filter(id));
    link_->unsubscribe(layout_.outlet_name_set_filter(id));
    link_->unsubscribe(layout_.pdu_set(id));
    link_->unsubscribe(layout_.get(id));
  }
  if (!remove_from_mqtt) return;
  const bulk_publishing clearing(*this);
  // Everything retained under this PDU is cleared (an empty retained message deletes the
  // broker's copy), so neither Home Assistant nor a new subscriber sees a PDU that is gone.
  if (slot->announced && config_.mqtt.discovery) {
    for (auto& p : ha::removal_messages(discovery_, slot->announced_entry, *slot->announced)) {
      publish(p.topic, p.payload, p.retain);
    }
  }
  for (const auto& level : slot->state_topics) {
    publish_retained(layout_.reading(id, level), "");
  }
  if (events_.pdu_removed) events_.pdu_removed(id);
}

void bridge::reload(bridge_config next) {
  if (stopped_) return;
  if (next.mqtt != config_.mqtt) {
    spdlog::warn("reload: the mqtt section changed; restart pdu2mqtt to apply it (kept as is)");
  }
  next.mqtt = config_.mqtt;
  std::vector<slot_ptr> kept;
  int added = 0, removed = 0, restarted = 0, unchanged = 0;
  for (const auto& slot : slots_) {
    const auto found = std::find_if(next.pdus.begin(), next.pdus.end(),
                                    [&](const pdu_config& p) { return p.id == slot->config.id; });
    if (found == next.pdus.end()) {
      spdlog::info("[{}] removed from the configuration: stopped, and cleared from MQTT",
                   slot->config.id);
      retire_slot(slot, true);
      ++removed;
    } else if (*found == slot->config) {
      kept.push_back(slot);
      ++unchanged;
    }
  }
  for (const auto& pdu : next.pdus) {
    const auto old = std::find_if(slots_.begin(), slots_.end(),
                                  [&](const slot_ptr& s) { return s->config.id == pdu.id; });
    if (old != slots_.end() && (*old)->config == pdu) continue;
    auto slot = make_slot(pdu);
    if (old != slots_.end()) {
      // Same id, new settings: a fresh poller; discovery then replaces what was announced
      // (removing, say, the reboot button of an outlet that became protected).
      spdlog::info("[{}] settings changed: restarting this PDU only", pdu.id);
      slot->announced = (*old)->announced;
      slot->announced_entry = (*old)->announced_entry;
      slot->state_topics = (*old)->state_topics;
      retire_slot(*old, false);
      ++restarted;
    } else {
      spdlog::info("[{}] added to the configuration", pdu.id);
      ++added;
    }
    kept.push_back(slot);
  }
  // Configuration order, for bridge/info and the status file.
  std::vector<slot_ptr> ordered;
  for (const auto& pdu : next.pdus) {
    for (const auto& s : kept) {
      if (s->config.id == pdu.id) ordered.push_back(s);
    }
  }
  slots_ = std::move(ordered);
  config_ = std::move(next);
  for (const auto& slot : slots_) {
    if (!slot->poller && !slot->retired && started_) start_slot(slot);
  }
  spdlog::info("reload: {} PDU(s) added, {} removed, {} restarted, {} unchanged", added, removed,
               restarted, unchanged);
  schedule_info();
}

device::poller_callbacks bridge::callbacks_for(const slot_ptr& slot) {
  device::poller_callbacks cb;
  cb.availability = guarded(slot, [](bridge& b, pdu_slot& s, bool online) {
    spdlog::info("[{}] PDU is {}", s.config.id, online ? "online" : "offline");
    b.publish_availability(s);
    // <id>/state carries "available" too: it must not keep saying false (or true) until some
    // reading happens to change.
    if (s.poller && s.poller->current()) b.publish_snapshot(s, *s.poller->current());
    b.schedule_info();
  });
  cb.discovered = guarded(slot, [](bridge& b, pdu_slot& s, const device::snapshot& now,
                                   const std::optional<device::snapshot>&) {
    b.announce(s, now);
    // Commands are accepted only once the PDU's real state is known (and published).
    b.subscribe_commands(s);
  });
  cb.outlet_changed = guarded(
      slot, [](bridge& b, pdu_slot& s, const device::outlet& o) { b.publish_outlet(s, o); });
  cb.bank_changed = guarded(
      slot, [](bridge& b, pdu_slot& s, const device::bank& bank) { b.publish_bank(s, bank); });
  cb.state_changed = guarded(slot, [](bridge& b, pdu_slot& s, const device::snapshot& snap) {
    b.publish_readings(s, snap);
    b.publish_snapshot(s, snap);
  });
  cb.command_done = guarded(slot, [](bridge& b, pdu_slot& s, const device::command_report& r) {
    b.publish_command_report(s, r);
  });
  return cb;
}

bridge_status bridge::status() const {
  bridge_status s;
  s.mqtt_connected = link_->connected();
  for (const auto& slot : slots_) {
    auto& p = s.pdus.emplace_back();
    p.id = slot->config.id;
    if (const auto& poller = slot->poller) {
      p.online = poller->online();
      p.polls_ok = poller->polls_ok();
      p.polls_failed = poller->polls_failed();
      p.polls_missed = poller->polls_missed();
    }
  }
  return s;
}

void bridge::on_status_change(std::function<void()> handler) {
  status_changed_ = std::move(handler);
}

// bridge/info and the status file describe every PDU: rebuilding them for each PDU that comes
// online made a start with 1000 PDUs quadratic (a million PDU entries serialized, 300 MB of
// retained info published). Changes within info_batch_delay share one update.
void bridge::schedule_info() {
  if (info_pending_ || stopped_) return;
  info_pending_ = true;
  info_timer_.expires_after(info_batch_delay);
  info_timer_.async_wait(guarded([](bridge& b, std::error_code ec) {
    b.info_pending_ = false;
    if (ec || b.stopped_) return;
    b.publish_info();
    b.notify_status();
  }));
}

void bridge::notify_status() {
  if (status_changed_) status_changed_();
}

void bridge::on_connection(bool connected) {
  notify_status();
  if (events_.mqtt_changed) events_.mqtt_changed(connected);
  if (!connected) {
    spdlog::warn("MQTT connection lost; reconnecting");
    return;
  }
  spdlog::info("MQTT connected to {} (MQTT {})", config_.mqtt.broker.uri(),
               link_->protocol_in_use());
  // The broker may have lost its retained messages (restart without persistence): everything
  // we stand for is published again.
  publish_retained(layout_.bridge_state(), std::string(online_payload));
  if (config_.mqtt.discovery) link_->subscribe(discovery_.status_topic, config_.mqtt.qos);
  const bulk_publishing republishing(*this);
  for (auto& slot : slots_) {
    if (slot->poller && slot->poller->current()) {
      announce(*slot, *slot->poller->current());
      publish_states(*slot);
    }
    publish_availability(*slot);
  }
  publish_info();
}

void bridge::on_message(const mqtt::message& m) {
  if (stopped_) return;
  if (config_.mqtt.discovery && m.topic == discovery_.status_topic) {
    if (m.payload == ha::status_online) republish_after_birth();
    return;
  }
  auto where = topics::parse_command_topic(layout_, m.topic);
  if (!where) return;
  for (auto& slot : slots_) {
    if (slot->config.id == where->pdu_id) {
      on_command(*slot,
                 {.where = *where, .topic = m.topic, .payload = m.payload, .retained = m.retained});
      return;
    }
  }
}

void bridge::on_command(pdu_slot& slot, const inbound_command& in) {
  using kind = topics::command_topic::kind;
  const auto excerpt = printable_excerpt(in.payload);
  const auto* current = slot.poller && slot.poller->current() ? &*slot.poller->current() : nullptr;
  const int outlets = current ? current->size.outlets : 0;
  // A refusal of a command aimed at an outlet the PDU has, or at the whole PDU, also gets a
  // result there: a program waiting on `result` hears of every command it sent.
  std::optional<int> outlet;
  json command_word = nullptr;  // what the result says was asked, once known
  if (in.where.what == kind::outlet_set || in.where.what == kind::outlet_name_set) {
    if (auto named = device::parse_outlet_number(in.where.outlet_text, outlets)) outlet = *named;
    if (in.where.what == kind::outlet_name_set) command_word = device::rename_name;
  }
  if (in.where.what == kind::pdu_set) command_word = device::pdu_set_name;
  const auto refuse = [&](const std::string& why) {
    spdlog::debug("[{}] command refused: {}", slot.config.id, why);
    publish_refusal(slot, {.topic = in.topic, .payload = excerpt, .why = why},
                    in.where.what == kind::pdu_set, outlet, std::move(command_word));
  };
  if (in.retained) {
    // A retained command replays on every reconnect and would switch the outlet by itself.
    const std::string why =
        "retained command ignored: publish commands without the retain flag (clear it with an "
        "empty retained message on this topic)";
    spdlog::warn("[{}] {} on {}", slot.config.id, why, printable_excerpt(in.topic));
    return refuse(why);
  }
  if (!slot.poller) return;
  if (in.where.what == kind::get) {
    slot.poller->refresh();
    return;
  }
  auto made = device::make_command(in.where, in.payload, outlets);
  if (!made) return refuse(made.err().detail);
  command_word = device::command_name(*made);
  // Only well-formed commands use the budget: junk never reaches the PDU anyway, and must not
  // crowd out the real commands that arrive with it.
  if (!slot.command_budget.try_take(std::chrono::steady_clock::now())) {
    return refuse("rate limit: more than " + std::to_string(slot.config.max_commands_per_s) +
                  " commands per second for this PDU (max_commands_per_s); refused");
  }
  slot.poller->submit({.command = std::move(*made), .topic = in.topic, .payload = excerpt});
}

// One result per outlet on its result topic, whatever the command came from; a whole-PDU
// command also gets one summary on <id>/result. Refusals and failures go to <id>/error too.
void bridge::publish_command_report(pdu_slot& slot, const device::command_report& r) {
  const auto& req = r.request;
  const auto state_json = [](device::power_state st) {
    return st == device::power_state::unknown ? json() : json(device::to_string(st));
  };
  const auto* rename = std::get_if<device::outlet_rename>(&req.command);
  json outlets = json::object();
  for (const auto& step : r.steps) {
    json result = {
        {"command", step.action ? device::action_name(*step.action) : device::rename_name},
        {"ok", step.ok},
        {"state", state_json(step.state)},
        {"pending", step.pending},
        {"error", step.error ? json(*step.error) : json()},
        {"latency_ms", r.latency.count()}};
    if (rename) {
      result["name"] = rename->name;
      result["reported_name"] = r.name ? json(*r.name) : json();
    }
    if (step.outlet >= 1) publish_outlet_result(slot, step.outlet, result);
    outlets[std::to_string(step.outlet)] = std::move(result);
  }
  if (std::holds_alternative<device::pdu_command>(req.command)) {
    json summary = {{"command", device::pdu_set_name},
                    {"ok", r.ok},
                    {"error", r.error ? json(*r.error) : json()},
                    {"latency_ms", r.latency.count()},
                    {"outlets", std::move(outlets)}};
    publish(layout_.pdu_result(slot.config.id), dump(summary), false);
  }
  const std::string what = device::describe(req);
  if (r.error) {
    spdlog::warn("[{}] {}: {}", slot.config.id, what, *r.error);
    publish_error(slot, {.topic = req.topic, .payload = req.payload, .why = *r.error});
  } else {
    spdlog::info("[{}] {} confirmed in {} ms", slot.config.id, what, r.latency.count());
  }
}

void bridge::publish_outlet_result(const pdu_slot& slot, int outlet, const json& result) {
  publish(layout_.outlet_result(slot.config.id, outlet), dump(result), false);
  if (events_.outlet_result) {
    json seen = result;
    seen["pdu"] = slot.config.id;
    seen["outlet"] = outlet;
    events_.outlet_result(seen);
  }
}

void bridge::publish_refusal(pdu_slot& slot, const refused& what, bool whole_pdu,
                             std::optional<int> outlet, json command_word) {
  // Within the error reports' budget: a flood of junk floods neither `error` nor `result`.
  if (!publish_error(slot, what)) return;
  if (whole_pdu) {
    const json summary = {{"command", device::pdu_set_name},
                          {"ok", false},
                          {"error", what.why},
                          {"latency_ms", 0},
                          {"outlets", json::object()}};
    publish(layout_.pdu_result(slot.config.id), dump(summary), false);
    return;
  }
  if (!outlet) return;
  json state = nullptr;
  bool pending = false;
  if (slot.poller && slot.poller->current()) {
    for (const auto& o : slot.poller->current()->outlets) {
      if (o.number != *outlet) continue;
      if (o.state != device::power_state::unknown) state = device::to_string(o.state);
      pending = o.command_pending;
    }
  }
  publish_outlet_result(slot, *outlet,
                        {{"command", std::move(command_word)},
                         {"ok", false},
                         {"state", std::move(state)},
                         {"pending", pending},
                         {"error", what.why},
                         {"latency_ms", 0}});
}

void bridge::announce(pdu_slot& slot, const device::snapshot& now) {
  if (!config_.mqtt.discovery) return;
  const bulk_publishing announcing(*this);
  if (slot.announced) {
    for (auto& p :
         ha::removal_messages(discovery_, slot.announced_entry, *slot.announced, slot.entry, now)) {
      publish(p.topic, p.payload, p.retain);
    }
  }
  for (auto& p : ha::discovery_messages(discovery_, slot.entry, now)) {
    publish(p.topic, p.payload, p.retain);
  }
  slot.announced = now;
  slot.announced_entry = slot.entry;
}

void bridge::publish_states(pdu_slot& slot) {
  const auto& s = *slot.poller->current();
  for (const auto& o : s.outlets)
    publish_outlet(slot, o);
  for (const auto& b : s.banks)
    publish_bank(slot, b);
  slot.published_readings.clear();  // the broker may have lost them: all of them again
  publish_readings(slot, s);
  publish_snapshot(slot, s);
}

void bridge::publish_readings(pdu_slot& slot, const device::snapshot& s) {
  auto publish_if_changed = [&](const std::string& level, std::string payload) {
    auto& last = slot.published_readings[level];
    if (last == payload) return;
    last = std::move(payload);
    publish_state(slot, level, last, config_.mqtt.retain_state);
  };
  for (const auto& o : s.outlets)
    publish_if_changed(topics::level::outlet_name(o.number), o.name);
  if (s.id.booted_at) {
    publish_if_changed(std::string(topics::level::last_boot), device::iso8601_utc(*s.id.booted_at));
  }
  for (const auto& b : s.banks) {
    if (b.load != device::load_state::unknown) {
      publish_if_changed(topics::level::bank_load_state(b.number),
                         std::string(device::to_string(b.load)));
    }
  }
  // A metric the unit did not answer this time keeps its last value on the broker: the
  // entity shows the last reading rather than flapping to unknown for one lost poll.
  for (const auto& [metric, value] : s.metrics) {
    publish_if_changed(std::string(device::topic_suffix(metric)),
                       device::payload_text(metric.quantity, value));
  }
}

void bridge::publish_outlet(pdu_slot& slot, const device::outlet& o) {
  if (o.state == device::power_state::unknown) return;  // never publish what was not reported
  publish_state(slot, topics::level::outlet(o.number), std::string(device::to_string(o.state)),
                config_.mqtt.retain_state);
}

void bridge::publish_bank(pdu_slot& slot, const device::bank& b) {
  if (!b.current_a) return;
  publish_state(slot, topics::level::bank_current(b.number), amps(*b.current_a),
                config_.mqtt.retain_state);
}

void bridge::publish_state(pdu_slot& slot, std::string_view level, const std::string& payload,
                           bool retain) {
  auto& known = slot.state_topics;
  const auto at = std::lower_bound(known.begin(), known.end(), level);
  if (at == known.end() || *at != level) known.emplace(at, level);
  publish(layout_.reading(slot.config.id, level), payload, retain);
}

json bridge::state_json(const pdu_slot& slot, const device::snapshot& s) const {
  auto state = device::to_json(s);
  state["id"] = slot.config.id;
  state["available"] = slot.poller && slot.poller->online();
  return state;
}

void bridge::publish_snapshot(pdu_slot& slot, const device::snapshot& s) {
  auto state = state_json(slot, s);
  publish_state(slot, topics::level::state, dump(state), config_.mqtt.retain_state);
  // The page gets the very JSON just published, not a second rendering of the snapshot.
  tell_pdu_changed(slot, std::move(state));
}

void bridge::publish_availability(pdu_slot& slot) {
  const bool online = slot.poller && slot.poller->online();
  publish_state(slot, topics::level::availability,
                std::string(online ? online_payload : offline_payload), true);
  tell_pdu_changed(slot);
}

void bridge::publish_info() {
  json pdus = json::array();
  for (const auto& slot_ptr : slots_) {
    const auto& slot = *slot_ptr;
    json p = {{"id", slot.config.id},
              {"name", slot.config.name},
              {"host", slot.config.host},
              {"online", slot.poller && slot.poller->online()}};
    if (slot.poller) {
      p["polls_ok"] = slot.poller->polls_ok();
      p["polls_failed"] = slot.poller->polls_failed();
      p["polls_missed"] = slot.poller->polls_missed();
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
  // The link as negotiated: the MQTT version ("5" or "3.1.1") and whether it is encrypted.
  const json link = {{"protocol", std::string(link_->protocol_in_use())},
                     {"tls", config_.mqtt.broker.tls}};
  const bulk_publishing informing(*this);
  json info = {{"version", version_string},
               {"mqtt", link},
               {"pdus", pdus},
               {"config", redacted_json(config_)}};
  publish_retained(layout_.bridge_info(), dump(info));
}

bool bridge::publish_error(pdu_slot& slot, const refused& what) {
  // A flood of junk must not turn into a flood of error reports: over budget, they are counted
  // and summed up once a second.
  if (!slot.error_budget.try_take(std::chrono::steady_clock::now())) {
    ++slot.errors_suppressed;
    if (!error_summary_armed_) {
      error_summary_armed_ = true;
      error_summary_timer_.expires_after(std::chrono::seconds(1));
      error_summary_timer_.async_wait(guarded([](bridge& b, std::error_code ec) {
        b.error_summary_armed_ = false;
        if (!ec && !b.stopped_) b.publish_error_summaries();
      }));
    }
    return false;
  }
  nlohmann::ordered_json e = {{"topic", printable_excerpt(what.topic, 256)},
                              {"payload", what.payload},
                              {"error", what.why}};
  publish(layout_.error(slot.config.id), dump(e), false);
  if (events_.error) {
    e["pdu"] = slot.config.id;
    // Parsed back rather than built twice: the page sees the published text, replacements
    // of bad UTF-8 included.
    events_.error(json::parse(dump(e)));
  }
  return true;
}

void bridge::publish_error_summaries() {
  for (auto& slot : slots_) {
    if (slot->errors_suppressed == 0) continue;
    const auto n = slot->errors_suppressed;
    slot->errors_suppressed = 0;
    spdlog::warn("[{}] {} more refused commands in the last second, not reported one by one",
                 slot->config.id, n);
    nlohmann::ordered_json e = {
        {"topic", layout_.outlet_set_filter(slot->config.id)},
        {"payload", ""},
        {"error", std::to_string(n) +
                      " more commands refused in the last second (not reported "
                      "one by one: over " +
                      std::to_string(timing_.error_reports_per_s) + " error reports per second)"},
        {"suppressed", n}};
    publish(layout_.error(slot->config.id), dump(e), false);
  }
}

json bridge::pdu_view(const pdu_slot& slot, json state) const {
  // Not checked for UTF-8 here: every dump of it on the web side replaces bad bytes.
  if (state.is_null() && slot.poller && slot.poller->current()) {
    state = state_json(slot, *slot.poller->current());
  }
  return {{"id", slot.config.id},
          {"name", slot.config.name},
          {"host", slot.config.host},
          {"available", slot.poller && slot.poller->online()},
          {"read_only", slot.config.read_only},
          {"confirm_reboot", slot.config.confirm_reboot},
          {"protected_outlets", slot.config.protected_outlets},
          {"state", std::move(state)}};
}

void bridge::tell_pdu_changed(const pdu_slot& slot, json state) {
  if (events_.pdu_changed && !slot.retired) {
    events_.pdu_changed(pdu_view(slot, std::move(state)));
  }
}

void bridge::observe(bridge_events events) {
  events_ = std::move(events);
  if (events_.mqtt_changed) events_.mqtt_changed(link_->connected());
  for (const auto& slot : slots_)
    tell_pdu_changed(*slot);
}

submit_outcome bridge::submit(const topics::command_topic& command, const std::string& payload) {
  if (stopped_) return submit_outcome::unknown_pdu;
  for (auto& slot : slots_) {
    if (slot->config.id == command.pdu_id) {
      const auto topic = topics::topic_of(layout_, command);
      on_command(*slot, {.where = command, .topic = topic, .payload = payload, .retained = false});
      return submit_outcome::accepted;
    }
  }
  return submit_outcome::unknown_pdu;
}

std::optional<std::string> bridge::add_pdu(pdu_config pdu) {
  if (stopped_) return "the bridge is stopping";
  for (const auto& slot : slots_) {
    if (equals_ignoring_ascii_case(slot->config.id, pdu.id)) {
      return "the id \"" + pdu.id + "\" is in use (ids are compared ignoring case)";
    }
  }
  spdlog::info("[{}] added at run time ({}:{}); it lasts until the next reload or restart", pdu.id,
               pdu.host, pdu.port);
  config_.pdus.push_back(pdu);
  auto slot = make_slot(pdu);
  slot->added_at_run_time = true;
  slots_.push_back(slot);
  if (started_) start_slot(slot);
  schedule_info();
  return std::nullopt;
}

std::vector<std::string> bridge::pdu_ids() const {
  std::vector<std::string> ids;
  for (const auto& slot : slots_)
    ids.push_back(slot->config.id);
  return ids;
}

bridge::bulk_publishing::bulk_publishing(bridge& b)
    : bridge_(b), was_(std::exchange(b.priority_, mqtt::priority::bulk)) {}

bridge::bulk_publishing::~bulk_publishing() {
  bridge_.priority_ = was_;
}

void bridge::publish(const std::string& topic, const std::string& payload, bool retain) {
  link_->publish(topic, payload, config_.mqtt.qos, retain, priority_);
}

void bridge::publish_retained(const std::string& topic, const std::string& payload) {
  publish(topic, payload, true);
}

void bridge::subscribe_commands(pdu_slot& slot) {
  if (slot.subscribed) return;
  slot.subscribed = true;
  link_->subscribe(layout_.outlet_set_filter(slot.config.id), config_.mqtt.qos);
  link_->subscribe(layout_.outlet_name_set_filter(slot.config.id), config_.mqtt.qos);
  link_->subscribe(layout_.pdu_set(slot.config.id), config_.mqtt.qos);
  link_->subscribe(layout_.get(slot.config.id), config_.mqtt.qos);
}

void bridge::republish_after_birth() {
  static thread_local std::minstd_rand jitter(std::random_device{}());
  const auto delay = timing_.birth_republish_delay + std::chrono::milliseconds(jitter() % 500);
  spdlog::info("Home Assistant came online; re-publishing discovery in {} ms", delay.count());
  birth_timer_.expires_after(delay);
  birth_timer_.async_wait(guarded([](bridge& b, std::error_code ec) {
    if (ec || b.stopped_) return;
    const bulk_publishing republishing(b);
    for (auto& slot : b.slots_) {
      if (slot->poller && slot->poller->current()) {
        b.announce(*slot, *slot->poller->current());
        b.publish_states(*slot);
      }
      b.publish_availability(*slot);
    }
  }));
}

}  // namespace pdu2mqtt::app
