// The bridge's MQTT connection on Paho's async_client: Paho's threads only post into our
// executor; reconnecting (with capped exponential backoff) is driven by a steady_timer there.
#include "pdu2mqtt/mqtt/link.hpp"

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "pdu2mqtt/mqtt/tcp_nodelay.hpp"
#include "tls_probe.hpp"

namespace pdu2mqtt::mqtt {
namespace {

namespace paho = ::mqtt;

// Paho's default connect timeout is 30 s; a broker that does not answer a CONNECT within this
// is treated like a refused connection, so the backoff schedule keeps its pace.
constexpr std::chrono::seconds connect_timeout{10};
// After the grace for in-flight publishes, how long stop() waits for Paho to send DISCONNECT.
constexpr std::chrono::milliseconds disconnect_slack{250};
constexpr std::chrono::milliseconds destructor_grace{250};
constexpr std::chrono::milliseconds tls_probe_timeout{3000};
constexpr int max_queued_publishes = 1 << 20;
// MQTT 5 3.2.2.3.3: a CONNACK without Receive Maximum means 65535.
constexpr std::size_t default_receive_maximum = 65535;

// CONNACK return codes of MQTT 3.1.1 (3.2.2.3) and the reason codes 0x80 and up of MQTT 5
// (3.2.2.2): a refused CONNECT. 1 and 0x84 also arrive on an MQTT 5 connection (a broker that
// only speaks 3.1.1 answers with the 3.1.1 code).
constexpr int connack_unacceptable_protocol_version = 1;
constexpr int reason_unsupported_protocol_version = 0x84;

std::string_view connack_reason(int rc) {
  switch (rc) {
    case connack_unacceptable_protocol_version:
    case reason_unsupported_protocol_version:
      return "unacceptable protocol version";
    case 2:
    case 0x85:
      return "client identifier rejected";
    case 3:
    case 0x88:
      return "server unavailable";
    case 4:
    case 0x86:
      return "bad user name or password";
    case 5:
    case 0x87:
      // Mosquitto's answer to a wrong password as well.
      return "not authorized (or a wrong user name or password)";
    case 0x80:
      return "unspecified error";
    case 0x81:
      return "malformed packet";
    case 0x82:
      return "protocol error";
    case 0x83:
      return "implementation specific error";
    case 0x89:
      return "server busy";
    case 0x8A:
      return "banned";
    case 0x8C:
      return "bad authentication method";
    case 0x95:
      return "packet too large";
    case 0x97:
      return "quota exceeded";
    case 0x9C:
      return "use another server";
    case 0x9D:
      return "server moved";
    case 0x9F:
      return "connection rate exceeded";
    default:
      return {};
  }
}

bool refuses_protocol_version(int rc) {
  return rc == connack_unacceptable_protocol_version || rc == reason_unsupported_protocol_version;
}

// Paho reports a refused CONNECT with the broker's code, and its own failures with negative ones.
std::string connect_failure(int rc) {
  if (const auto reason = connack_reason(rc); !reason.empty()) {
    return "broker refused the connection: " + std::string(reason);
  }
  if (rc > 0) return "broker refused the connection (code " + std::to_string(rc) + ")";
  return paho::exception::error_str(rc) + " (Paho code " + std::to_string(rc) + ")";
}

constexpr std::string_view version_name(int mqtt_version) {
  return to_string(mqtt_version == MQTTVERSION_5 ? protocol::v5 : protocol::v3_1_1);
}

// Everything the link owns. It lives in a shared_ptr so that work posted from Paho's threads
// and timer handlers hold only a weak_ptr and find out on our thread whether it still exists.
// All members are touched on the executor's thread only, except `paho_side_` (immutable after
// init()) which Paho's threads read.
class link_state : public std::enable_shared_from_this<link_state> {
 public:
  link_state(asio::any_io_executor executor, link_options options)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        backoff_(options_.min_backoff),
        timer_(executor_) {}

  // Two-phase because Paho's callbacks need weak_from_this().
  void init() {
    paho_side_ = {executor_, weak_from_this()};
    connect_listener_.paho_side = &paho_side_;
    subscribe_listener_.paho_side = &paho_side_;
    publish_listener_.paho_side = &paho_side_;
    mqtt_version_ = options_.version == protocol::v3_1_1 ? MQTTVERSION_3_1_1 : MQTTVERSION_5;
    make_client();
  }

  // Paho C fixes a client's MQTT version family when it is created (MQTTAsync_createOptions):
  // a client made for 3.1.1 cannot send an MQTT 5 CONNECT, and the v5 callbacks differ. Falling
  // back to 3.1.1 therefore means a new client.
  void make_client() {
    client_.reset();
    // Paho C refuses a publish once this many are queued for its sending thread, connected
    // or not (default 100): a bridge with 1000 PDUs publishes some 30 000 states and
    // discovery messages in its first second, and most would be dropped.
    client_ = std::make_unique<paho::async_client>(
        options_.broker.uri(), options_.client_id,
        paho::create_options(mqtt_version_, max_queued_publishes), nullptr);
    const poster post = paho_side_;
    client_->set_connected_handler([post](const std::string&) {
      never_throw([&] { post([](link_state& self) { self.on_connected(); }); });
    });
    client_->set_connection_lost_handler([post](const std::string& cause) {
      never_throw([&] { post([cause](link_state& self) { self.on_connection_lost(cause); }); });
    });
    client_->set_message_callback([post](paho::const_message_ptr received) {
      if (!received) return;
      never_throw([&] {
        // The retain flag exactly as the broker set it (MQTT 3.1.1 3.3.1.3): 1 for a message
        // from the retained store, 0 for a live one; the bridge ignores retained commands.
        message delivered{received->get_topic(), received->to_string(), received->get_qos(),
                          received->is_retained()};
        post([delivered = std::move(delivered)](link_state& self) mutable {
          self.on_message(std::move(delivered));
        });
      });
    });

    connect_options_ = paho::connect_options();
    connect_options_.set_mqtt_version(mqtt_version_);
    // Clean session (MQTT 3.1.1 3.1.2.4), clean start with no session expiry (MQTT 5 3.1.2.4,
    // 3.1.2.11.2): the bridge re-subscribes and re-publishes its state on every connect, so
    // nothing from an earlier session is wanted. Paho C refuses a v5 CONNECT with the 3.1.1 flag.
    const bool v5 = mqtt_version_ == MQTTVERSION_5;
    connect_options_.set_clean_session(!v5);
    connect_options_.set_clean_start(v5);
    connect_options_.set_keep_alive_interval(options_.keepalive);
    connect_options_.set_connect_timeout(connect_timeout);
    // Our timer reconnects: Paho's automatic reconnect works in whole seconds and does not
    // retry a first connect that failed.
    connect_options_.set_automatic_reconnect(false);
    // Paho holds back what exceeds min(this, the broker's Receive Maximum) and only retries on
    // its next polling round, a second later (Paho C 1.3.12: an acknowledgement does not wake
    // its sending thread). The outbox releases no more than that, so Paho never holds any.
    connect_options_.set_max_inflight(static_cast<int>(options_.max_in_flight));
    if (!options_.will_topic.empty()) {
      // Retained, so a subscriber that arrives later still sees that we are gone
      // (MQTT 3.1.1 3.1.2.5-3.1.2.7); QoS 1 so the broker's delivery is acknowledged.
      connect_options_.set_will(
          paho::will_options(options_.will_topic, options_.will_payload, 1, true));
    }
    if (!options_.username.empty()) connect_options_.set_user_name(options_.username);
    if (!options_.password.empty()) connect_options_.set_password(options_.password);
    if (options_.broker.tls) connect_options_.set_ssl(make_ssl_options());
  }

  // Paho C refuses an ssl:// connect without SSL options. The broker's certificate is always
  // verified against ca_file (or the system's CAs when it is empty); verify_hostname adds
  // Paho's post-handshake check of the URL's host against the certificate. No error handler:
  // Paho C++ 1.2.0 calls it through a dangling pointer (tls_probe.hpp).
  paho::ssl_options make_ssl_options() const {
    const auto& tls = options_.tls;
    paho::ssl_options ssl;
    if (!tls.ca_file.empty()) ssl.set_trust_store(tls.ca_file);
    if (!tls.cert_file.empty()) ssl.set_key_store(tls.cert_file);
    if (!tls.key_file.empty()) ssl.set_private_key(tls.key_file);
    if (!tls.key_password.empty()) ssl.set_private_key_password(tls.key_password);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(tls.verify_hostname);
    return ssl;
  }

  ~link_state() {
    // The client first: once MQTTAsync_destroy returns no Paho thread uses the listeners.
    client_.reset();
  }

  void start() {
    if (started_ || stopped_) return;
    started_ = true;
    // A started link is outstanding work, like a pending read on a socket: the io_context's
    // run() keeps waiting for broker events until stop().
    work_ = asio::prefer(executor_, asio::execution::outstanding_work.tracked);
    spdlog::info("MQTT: connecting to {} as \"{}\" ({})", options_.broker.url(), options_.client_id,
                 options_.version == protocol::automatic
                     ? std::string("MQTT 5, or 3.1.1 if the broker refuses 5")
                     : "MQTT " + std::string(version_name(mqtt_version_)));
    if (options_.broker.tls && !options_.tls.verify_hostname) {
      spdlog::warn(
          "MQTT: TLS host name verification is off: any certificate signed by a trusted CA is "
          "accepted for {}, so whoever holds one can pose as the broker",
          options_.broker.host);
    }
    connect();
  }

  void stop(std::chrono::milliseconds grace) {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (const auto cancel = std::exchange(cancel_probe_, nullptr)) cancel();
    work_ = asio::any_io_executor();
    const bool was_started = std::exchange(started_, false);
    const bool was_connected = std::exchange(connected_, false);
    connecting_ = false;
    if (!was_started) return;
    if (was_connected) drain(grace);
    try {
      // Timeout 0: in-flight publishes were waited for above. Paho's own disconnect timeout
      // is not used because Paho C 1.3.11 only notices the last PUBACK on its next polling
      // round, so DISCONNECT would go out at timeout + ~250 ms even when nothing is pending.
      // After a DISCONNECT the broker discards the will (MQTT 3.1.1 3.1.2.5).
      const auto token = client_->disconnect(0);
      if (token->wait_for(disconnect_slack)) {
        spdlog::info("MQTT: disconnected from {}", options_.broker.url());
      } else {
        spdlog::warn("MQTT: DISCONNECT not confirmed within {} ms; closing anyway",
                     disconnect_slack.count());
      }
    } catch (const paho::exception& ex) {
      // MQTTASYNC_DISCONNECTED: there was no connection to close.
      spdlog::debug("MQTT: disconnect: {}", ex.what());
    }
  }

  void subscribe(const std::string& filter, int qos) {
    subscriptions_[filter] = qos;
    if (connected_) send_subscribe(filter, qos);
  }

  void unsubscribe(const std::string& filter) {
    if (subscriptions_.erase(filter) == 0 || !connected_) return;
    try {
      client_->unsubscribe(filter);
    } catch (const std::exception& ex) {
      spdlog::warn("MQTT: unsubscribe {}: {}", filter, ex.what());
    }
  }

  void publish(const std::string& topic, const std::string& payload, int qos, bool retain,
               priority p) {
    outgoing message{topic, payload, qos, retain, std::chrono::steady_clock::now()};
    if (!connected_) {
      hold_while_offline(std::move(message));
      return;
    }
    // Nothing queued ahead and room in the window: straight out, no copy kept.
    if (outbox_.empty() && (qos == 0 || in_flight_.size() < window_)) {
      send(std::move(message));
      return;
    }
    outbox_.push(std::move(message), p);
    stats_.coalesced = outbox_.coalesced();
    pump();
  }

  std::size_t window() const noexcept { return window_; }
  std::size_t queued() const noexcept { return outbox_.size(); }

  link::message_handler message_handler_;
  link::connection_handler connection_handler_;
  link_stats stats_;
  bool connected_ = false;
  std::string_view protocol_in_use_;

 private:
  // Copied into every Paho callback; the only state Paho's threads read.
  struct poster {
    asio::any_io_executor executor;
    std::weak_ptr<link_state> state;

    template <class F>
    void operator()(F&& work) const {
      asio::post(executor, [state = state, work = std::forward<F>(work)]() mutable {
        if (const auto self = state.lock()) work(*self);
      });
    }
  };

  // Wraps everything Paho calls: an exception must not unwind into Paho's C code. The only
  // candidate is bad_alloc, and losing one event is the lesser harm.
  template <class F>
  static void never_throw(F&& body) noexcept {
    try {
      body();
    } catch (...) {
    }
  }

  struct connect_listener final : paho::iaction_listener {
    const poster* paho_side = nullptr;
    // Success is reported by the connected handler, which Paho calls right after this: here
    // only the broker's Receive Maximum is taken from the CONNACK, posted ahead of it.
    void on_success(const paho::token& token) override {
      never_throw([&] {
        std::size_t receive_maximum = default_receive_maximum;
        const auto response = token.get_connect_response();
        const auto& properties = response.get_properties();
        if (properties.contains(paho::property::RECEIVE_MAXIMUM)) {
          receive_maximum = paho::get<std::uint16_t>(properties, paho::property::RECEIVE_MAXIMUM);
        }
        (*paho_side)([receive_maximum](link_state& self) { self.on_connack(receive_maximum); });
      });
    }
    void on_failure(const paho::token& token) override {
      never_throw([&] {
        (*paho_side)(
            [rc = token.get_return_code()](link_state& self) { self.on_connect_failed(rc); });
      });
    }
  };

  // A QoS 1/2 publish finished: acknowledged (PUBACK/PUBCOMP), refused, or given up on.
  struct publish_listener final : paho::iaction_listener {
    const poster* paho_side = nullptr;
    void on_success(const paho::token& token) override {
      never_throw(
          [&] { (*paho_side)([t = &token](link_state& self) { self.on_delivered(t, true); }); });
    }
    void on_failure(const paho::token& token) override {
      never_throw(
          [&] { (*paho_side)([t = &token](link_state& self) { self.on_delivered(t, false); }); });
    }
  };

  struct subscribe_listener final : paho::iaction_listener {
    const poster* paho_side = nullptr;
    void on_success(const paho::token&) override {}
    // MQTT 3.1.1 3.9.3: a SUBACK return code 0x80 means the broker refused the filter.
    void on_failure(const paho::token& token) override {
      never_throw([&] {
        std::string filters;
        if (const auto topics = token.get_topics()) {
          for (std::size_t i = 0; i < topics->size(); ++i) {
            filters += (i ? " " : "") + (*topics)[i];
          }
        }
        (*paho_side)([filters = std::move(filters), rc = token.get_return_code()](link_state&) {
          spdlog::warn("MQTT: subscription to {} refused: {}", filters,
                       paho::exception::error_str(rc));
        });
      });
    }
  };

  // Sends what the outbox holds and waits for the acknowledgements, within `grace`. The
  // acknowledgements' posted handlers cannot run while this blocks the executor, so the tokens
  // are waited on here directly (QoS 0 messages are queued ahead of the DISCONNECT).
  void drain(std::chrono::milliseconds grace) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      std::erase_if(in_flight_, [this](const auto& entry) {
        if (!entry.second->is_complete()) return false;
        ++(entry.second->get_return_code() == MQTTASYNC_SUCCESS ? stats_.acknowledged
                                                                : stats_.not_acknowledged);
        return true;
      });
      while (auto next = outbox_.pop(in_flight_.size(), window_)) {
        if (!send(std::move(*next))) break;
      }
      if (in_flight_.empty() && outbox_.empty()) return;
      // Paho's wait_for() takes whole milliseconds.
      const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      // Nothing in flight with messages left: the connection is gone.
      if (remaining <= std::chrono::milliseconds::zero() || in_flight_.empty()) break;
      try {
        // Completed ones are counted on the next round.
        if (!in_flight_.begin()->second->wait_for(remaining)) break;
      } catch (const paho::exception&) {
        // That publish failed: it is complete as well.
      }
    }
    spdlog::warn("MQTT: stopping with {} publishes unacknowledged and {} not sent after {} ms",
                 in_flight_.size(), outbox_.size(), grace.count());
  }

  void connect() {
    if (stopped_ || connected_ || connecting_) return;
    connecting_ = true;
    try {
      client_->connect(connect_options_, nullptr, connect_listener_);
    } catch (const paho::exception& ex) {
      connecting_ = false;
      spdlog::warn("MQTT: cannot start connecting to {}: {}", options_.broker.url(), ex.what());
      schedule_reconnect();
    }
  }

  void schedule_reconnect() {
    if (stopped_) return;
    timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    timer_.async_wait([weak = weak_from_this()](std::error_code ec) {
      if (ec) return;
      if (const auto self = weak.lock()) self->connect();
    });
  }

  void on_connected() {
    if (stopped_) return;
    connecting_ = false;
    connected_ = true;
    backoff_ = options_.min_backoff;
    ++stats_.connects;
    protocol_in_use_ = version_name(mqtt_version_);
    spdlog::info("MQTT: connected to {} as \"{}\" (MQTT {}{})", options_.broker.url(),
                 options_.client_id, protocol_in_use_, options_.broker.tls ? ", TLS" : "");
    if (disable_nagle_to_port(options_.broker.port) == 0) {
      spdlog::debug("MQTT: no socket to port {} found to set TCP_NODELAY on", options_.broker.port);
    }
    // Held messages older than the max age are news no one waits for any more.
    stats_.dropped_while_offline += outbox_.drop_events_queued_before(
        std::chrono::steady_clock::now() - options_.offline_queue_max_age);
    // Clean session: the broker has forgotten every subscription (MQTT 3.1.1 3.1.2.4).
    for (const auto& [filter, qos] : subscriptions_) {
      send_subscribe(filter, qos);
    }
    // What the handler publishes queues behind the held messages, in its lane.
    if (connection_handler_) connection_handler_(true);
    pump();
  }

  void on_connack(std::size_t receive_maximum) {
    window_ = std::max<std::size_t>(1, std::min(options_.max_in_flight, receive_maximum));
    if (window_ < options_.max_in_flight) {
      spdlog::debug("MQTT: the broker takes {} unacknowledged publishes at a time", window_);
    }
  }

  void on_delivered(const paho::token* token, bool acknowledged) {
    if (stopped_) return;
    const auto found = in_flight_.find(token);
    if (found == in_flight_.end()) return;  // sent on an earlier connection
    if (acknowledged) {
      ++stats_.acknowledged;
    } else {
      ++stats_.not_acknowledged;
      spdlog::debug("MQTT: publish to {} not acknowledged: {}",
                    found->second->get_message() ? found->second->get_message()->get_topic()
                                                 : std::string("?"),
                    paho::exception::error_str(token->get_return_code()));
    }
    in_flight_.erase(found);
    pump();
  }

  // Hands the outbox to Paho as far as the window allows.
  void pump() {
    while (connected_) {
      auto next = outbox_.pop(in_flight_.size(), window_);
      if (!next || !send(std::move(*next))) return;
    }
  }

  // false: the connection is gone (the message was held or dropped as while offline).
  bool send(outgoing message) {
    try {
      if (message.qos > 0) {
        auto token = client_->publish(message.topic, message.payload.data(), message.payload.size(),
                                      message.qos, message.retain, nullptr, publish_listener_);
        in_flight_.emplace(token.get(), std::move(token));
      } else {
        client_->publish(message.topic, message.payload.data(), message.payload.size(), 0,
                         message.retain);
      }
      ++stats_.published;
    } catch (const paho::exception& ex) {
      // The loss has happened in Paho but its callback is still on the way to us.
      if (ex.get_return_code() == MQTTASYNC_DISCONNECTED) {
        hold_while_offline(std::move(message));
        return false;
      }
      spdlog::warn("MQTT: publish to {} failed: {}", message.topic, ex.what());
    } catch (const std::exception& ex) {
      spdlog::warn("MQTT: publish to {} failed: {}", message.topic, ex.what());
    }
    return true;
  }

  // Retained messages are states the bridge publishes afresh on every connect; the others are
  // events (a command's result, an error) that would otherwise be lost in an outage.
  void hold_while_offline(outgoing message) {
    if (message.retain || message.qos == 0 || options_.offline_queue == 0) {
      ++stats_.dropped_while_offline;
      return;
    }
    while (outbox_.events() >= options_.offline_queue && outbox_.drop_oldest_event()) {
      ++stats_.dropped_while_offline;
    }
    outbox_.push(std::move(message), priority::urgent);
    ++stats_.held_while_offline;
  }

  void on_connect_failed(int rc) {
    if (stopped_) return;
    connecting_ = false;
    if (options_.version == protocol::automatic && mqtt_version_ == MQTTVERSION_5 &&
        refuses_protocol_version(rc)) {
      // Said once: from now on this link speaks 3.1.1 (until the bridge restarts).
      spdlog::info("MQTT: {} refused MQTT 5 ({}); using MQTT 3.1.1 from now on",
                   options_.broker.url(), connect_failure(rc));
      mqtt_version_ = MQTTVERSION_3_1_1;
      make_client();
      // Not an outage: the broker answered, so the next attempt goes out at once.
      connect();
      return;
    }
    if (options_.broker.tls && rc < 0) {
      // Paho says "TCP/TLS connect failure" whatever went wrong; one handshake of our own finds
      // out what (certificate, host name, unreachable) before the retry is announced.
      cancel_probe_ = detail::async_probe_tls(
          executor_, {options_.broker.host, options_.broker.port, options_.tls}, tls_probe_timeout,
          [weak = weak_from_this(), rc](std::string why) {
            if (const auto self = weak.lock()) self->announce_retry(rc, why);
          });
      return;
    }
    announce_retry(rc, {});
  }

  // probe_found: what the TLS probe found; "" when there was none or its handshake worked.
  void announce_retry(int rc, const std::string& probe_found) {
    cancel_probe_ = nullptr;
    if (stopped_) return;
    const std::string why = probe_found.empty() ? connect_failure(rc) : probe_found;
    spdlog::warn("MQTT: cannot connect to {}: {}; retrying in {} ms", options_.broker.url(), why,
                 backoff_.count());
    schedule_reconnect();
  }

  void on_connection_lost(const std::string& cause) {
    if (stopped_ || !connected_) return;
    connected_ = false;
    ++stats_.connection_losses;
    // Paho fails what was in flight when the clean session starts; none of it is counted.
    in_flight_.clear();
    stats_.dropped_while_offline += outbox_.drop_retained();
    spdlog::warn("MQTT: connection to {} lost{}{}; reconnecting in {} ms", options_.broker.url(),
                 cause.empty() ? "" : ": ", cause, backoff_.count());
    schedule_reconnect();
    if (connection_handler_) connection_handler_(false);
  }

  void on_message(message delivered) {
    if (stopped_) return;
    ++stats_.received;
    if (message_handler_) message_handler_(delivered);
  }

  void send_subscribe(const std::string& filter, int qos) {
    try {
      client_->subscribe(filter, qos, nullptr, subscribe_listener_);
    } catch (const std::exception& ex) {
      // Disconnected meanwhile: the next connect subscribes again.
      spdlog::warn("MQTT: subscribe {}: {}", filter, ex.what());
    }
  }

  asio::any_io_executor executor_;
  asio::any_io_executor work_;
  link_options options_;
  std::chrono::milliseconds backoff_;
  asio::steady_timer timer_;
  std::map<std::string, int> subscriptions_;
  outbox outbox_;
  // QoS 1/2 publishes handed to Paho and not yet finished, by their token (which the map's
  // value keeps alive, so an address is not reused while it is a key here).
  std::unordered_map<const paho::token*, paho::delivery_token_ptr> in_flight_;
  std::size_t window_ = options_.max_in_flight;
  bool started_ = false;
  bool stopped_ = false;
  bool connecting_ = false;
  int mqtt_version_ = MQTTVERSION_5;
  std::function<void()> cancel_probe_;  // set while a TLS probe runs
  paho::connect_options connect_options_;
  // Paho refers to these until client_ is destroyed (first, see ~link_state).
  poster paho_side_;
  connect_listener connect_listener_;
  subscribe_listener subscribe_listener_;
  publish_listener publish_listener_;
  std::unique_ptr<paho::async_client> client_;
};

}  // namespace

struct link::impl {
  std::shared_ptr<link_state> state;
};

link::link(asio::any_io_executor executor, link_options options) : impl_(std::make_unique<impl>()) {
  impl_->state = std::make_shared<link_state>(std::move(executor), std::move(options));
  impl_->state->init();
}

link::~link() {
  if (impl_) impl_->state->stop(destructor_grace);
}

void link::on_message(message_handler handler) {
  impl_->state->message_handler_ = std::move(handler);
}

void link::on_connection(connection_handler handler) {
  impl_->state->connection_handler_ = std::move(handler);
}

void link::start() {
  impl_->state->start();
}

void link::subscribe(const std::string& filter, int qos) {
  impl_->state->subscribe(filter, qos);
}

void link::unsubscribe(const std::string& filter) {
  impl_->state->unsubscribe(filter);
}

void link::publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                   priority p) {
  impl_->state->publish(topic, payload, qos, retain, p);
}

void link::stop(std::chrono::milliseconds grace) {
  impl_->state->stop(grace);
}

bool link::connected() const noexcept {
  return impl_->state->connected_;
}

const link_stats& link::stats() const noexcept {
  return impl_->state->stats_;
}

std::string_view link::protocol_in_use() const noexcept {
  return impl_->state->protocol_in_use_;
}

std::size_t link::window() const noexcept {
  return impl_->state->window();
}

std::size_t link::queued() const noexcept {
  return impl_->state->queued();
}

}  // namespace pdu2mqtt::mqtt
