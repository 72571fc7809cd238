// The bridge: one poller per configured PDU on one side, one MQTT link on the other, and the
// topic contract between them (states, discovery, availability, commands, results).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/app/status_file.hpp"
#include "pdu2mqtt/common/token_bucket.hpp"
#include "pdu2mqtt/device/poller.hpp"
#include "pdu2mqtt/ha/discovery.hpp"
#include "pdu2mqtt/mqtt/link.hpp"

namespace pdu2mqtt::app {

struct bridge_timing {
  // HA wants a moment after its birth message before discovery arrives (HA docs, "Birth and
  // last will messages"); a little jitter keeps many bridges from answering at once.
  std::chrono::milliseconds birth_republish_delay{1500};
  std::chrono::milliseconds stop_grace{1500};
  // A PDU host name that does not resolve is tried again after this.
  std::chrono::milliseconds resolve_retry{30000};
  // Error reports per PDU: a burst of this many, then this many per second; what is over is
  // summed up in one report per second.
  int error_reports_per_s = 10;
};

// What another face of the bridge (the web page) sees, as it happens: every call comes on the
// bridge's executor, right where the same news is published to MQTT.
struct bridge_events {
  // A PDU appeared or changed (state, availability): its whole view, see pdu_view().
  std::function<void(const nlohmann::json& pdu)> pdu_changed;
  std::function<void(const std::string& id)> pdu_removed;
  // As published on <id>/outlet/<n>/result, plus "pdu" and "outlet".
  std::function<void(const nlohmann::json& result)> outlet_result;
  // As published on <id>/error, plus "pdu".
  std::function<void(const nlohmann::json& error)> error;
  std::function<void(bool connected)> mqtt_changed;
};

enum class submit_outcome { accepted, unknown_pdu };

class bridge : public std::enable_shared_from_this<bridge> {
 public:
  static std::shared_ptr<bridge> create(asio::any_io_executor executor, bridge_config config,
                                        bridge_timing timing = {});

  // Connects to the broker and starts polling; returns at once (neither side may block).
  void start();

  // Publishes "offline", disconnects (bounded by timing.stop_grace) and stops every poller.
  void stop();

  // SIGHUP: PDUs that left the configuration are stopped and removed from MQTT (discovery and
  // retained states cleared), new ones start, changed ones restart; the others carry on
  // untouched. The MQTT section needs a restart: a change there is reported and ignored.
  void reload(bridge_config next);

  // Another face of the bridge: told of every PDU at once, then of every change.
  void observe(bridge_events events);

  // A command from another face, handled exactly as the same payload on the command's topic
  // (topics::topic_of) would be on MQTT: same checks, rate limit, results and errors, which are
  // also published. Never retained.
  submit_outcome submit(const topics::command_topic& command, const std::string& payload);

  // Starts polling a PDU that is not in the file (until the next reload or restart). The error
  // names what is wrong (an id in use); the config itself is validated by parse_pdu_entry.
  std::optional<std::string> add_pdu(pdu_config pdu);
  std::vector<std::string> pdu_ids() const;

  const topics::layout& layout() const noexcept { return layout_; }
  const std::shared_ptr<snmp::client>& snmp_client() const noexcept { return snmp_; }
  bool mqtt_connected() const { return link_->connected(); }

  // Broker connection and each PDU's availability, for the status file (`pdu2mqtt health`).
  bridge_status status() const;
  // Called (on the bridge's executor) whenever status() may have changed.
  void on_status_change(std::function<void()> handler);

 private:
  // Shared so that callbacks can hold it weakly and hand it back to the bridge.
  struct pdu_slot : std::enable_shared_from_this<pdu_slot> {
    pdu_slot(const asio::any_io_executor& executor, pdu_config c, const bridge_timing& timing);
    pdu_config config;
    ha::pdu_entry entry;
    std::shared_ptr<device::poller> poller;
    std::optional<device::snapshot> announced;  // what the last discovery described
    ha::pdu_entry announced_entry;              // ... and for which configuration
    bool subscribed = false;
    bool retired = false;            // removed or replaced by a reload: its callbacks are ignored
    bool added_at_run_time = false;  // by the web page: polled at once, not spread out
    asio::steady_timer resolve_timer;
    token_bucket command_budget;
    token_bucket error_budget;
    std::uint64_t errors_suppressed = 0;
    // Metric topics as last published: a poll re-publishes only what changed.
    std::map<std::string, std::string> published_readings;
    // Every state topic published for this PDU, as its level below the PDU's topic ("state",
    // "outlet/3"), sorted: what retire_slot clears when the PDU leaves the configuration.
    std::vector<std::string> state_topics;
  };
  using slot_ptr = std::shared_ptr<pdu_slot>;

  bridge(asio::any_io_executor executor, bridge_config config, bridge_timing timing);
  slot_ptr make_slot(const pdu_config& c);
  void start_slot(const slot_ptr& slot);
  void create_poller(const slot_ptr& slot, const asio::ip::address& address);
  void retire_slot(const slot_ptr& slot, bool remove_from_mqtt);
  device::poller_callbacks callbacks_for(const slot_ptr& slot);
  void on_connection(bool connected);
  void on_message(const mqtt::message& m);
  // A message on one of the PDU's command topics, from MQTT or from submit().
  struct inbound_command {
    const topics::command_topic& where;
    const std::string& topic;
    const std::string& payload;
    bool retained = false;
  };
  void on_command(pdu_slot& slot, const inbound_command& in);
  void announce(pdu_slot& slot, const device::snapshot& now);
  void publish_command_report(pdu_slot& slot, const device::command_report& r);
  void publish_states(pdu_slot& slot);
  void publish_outlet(pdu_slot& slot, const device::outlet& o);
  void publish_bank(pdu_slot& slot, const device::bank& b);
  void publish_readings(pdu_slot& slot, const device::snapshot& s);
  void publish_snapshot(pdu_slot& slot, const device::snapshot& s);
  void publish_availability(pdu_slot& slot);
  // A state topic of slot's PDU (layout_.reading(id, level)): published, and recorded in
  // slot.state_topics.
  void publish_state(pdu_slot& slot, std::string_view level, const std::string& payload,
                     bool retain);
  void publish_info();
  // A command that was refused or failed: where it came from (a printable excerpt of the
  // payload) and why.
  struct refused {
    const std::string& topic;
    const std::string& payload;
    const std::string& why;
  };
  // On <id>/error, within the PDU's error budget; false when over it (counted for the summary).
  bool publish_error(pdu_slot& slot, const refused& what);
  // The error, and a result on the outlet's (or the whole PDU's) result topic when the command
  // was aimed at an outlet the PDU has (or at the whole PDU).
  void publish_refusal(pdu_slot& slot, const refused& what, bool whole_pdu,
                       std::optional<int> outlet, nlohmann::json command_word);
  void publish_outlet_result(const pdu_slot& slot, int outlet, const nlohmann::json& result);
  void publish_error_summaries();
  // Every message the bridge publishes goes through these: QoS from the config, the lane from
  // priority_.
  void publish(const std::string& topic, const std::string& payload, bool retain);
  void publish_retained(const std::string& topic, const std::string& payload);
  // While one exists, what the bridge publishes takes the link's bulk lane: announcements and
  // re-announcements, which may trail the states and results that people and programs wait for.
  class bulk_publishing {
   public:
    explicit bulk_publishing(bridge& b);
    ~bulk_publishing();
    bulk_publishing(const bulk_publishing&) = delete;
    bulk_publishing& operator=(const bulk_publishing&) = delete;

   private:
    bridge& bridge_;
    mqtt::priority was_;
  };
  // What <id>/state carries: the snapshot with the PDU's id and availability.
  nlohmann::json state_json(const pdu_slot& slot, const device::snapshot& s) const;
  // The page's view of a PDU; state null means "render the current snapshot, if any".
  nlohmann::json pdu_view(const pdu_slot& slot, nlohmann::json state = {}) const;
  void tell_pdu_changed(const pdu_slot& slot, nlohmann::json state = {});
  void subscribe_commands(pdu_slot& slot);
  void republish_after_birth();
  void notify_status();
  void schedule_info();  // publish_info() and notify_status(), batched

  // Wraps a handler so it runs only while the bridge exists: pollers, the link and timers
  // hold these, and the bridge holds them, so a strong capture would be a cycle.
  template <class F>
  auto guarded(F f) {
    return [weak = weak_from_this(), f](auto&&... args) {
      if (auto self = weak.lock()) f(*self, std::forward<decltype(args)>(args)...);
    };
  }
  // The same for one PDU: runs only while the bridge exists and the slot is current.
  template <class F>
  auto guarded(const slot_ptr& slot, F f) {
    return [weak = weak_from_this(), weak_slot = std::weak_ptr<pdu_slot>(slot), f](auto&&... args) {
      auto self = weak.lock();
      auto s = weak_slot.lock();
      if (self && s && !s->retired) f(*self, *s, std::forward<decltype(args)>(args)...);
    };
  }

  asio::any_io_executor executor_;
  bridge_config config_;
  bridge_timing timing_;
  topics::layout layout_;
  ha::discovery_settings discovery_;
  std::shared_ptr<snmp::client> snmp_;
  std::unique_ptr<mqtt::link> link_;
  std::vector<slot_ptr> slots_;
  asio::steady_timer birth_timer_;
  asio::steady_timer info_timer_;
  bool info_pending_ = false;
  static constexpr std::chrono::milliseconds info_batch_delay{200};
  asio::steady_timer error_summary_timer_;
  bool error_summary_armed_ = false;
  std::function<void()> status_changed_;
  bridge_events events_;
  mqtt::priority priority_ = mqtt::priority::urgent;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace pdu2mqtt::app
