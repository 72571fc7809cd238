// What the link has yet to hand to the MQTT library: two lanes (urgent first), retained states
// coalesced by topic, QoS 1/2 messages released only while the broker's window has room. Pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pdu2mqtt::mqtt {

// urgent: what a person or program waits for (a command's result, a state that changed,
// availability). bulk: what may trail it (discovery, the re-announce after a Home Assistant or
// broker restart, bridge/info).
enum class priority { urgent, bulk };

struct outgoing {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = false;
  std::chrono::steady_clock::time_point queued_at{};
};

class outbox {
 public:
  // A retained message replaces the queued retained message of its topic, if any: only the
  // newest state matters, and the queue stays bounded by the number of topics. It keeps the
  // older one's place (a topic that changes often is not starved), unless it is urgent and the
  // older one was bulk: then it joins the urgent lane. Other messages are events, queued in
  // order.
  void push(outgoing message, priority p);

  // The next message to send, urgent lane first; nullopt when nothing may go: the queue is
  // empty, or the head is QoS 1/2 and `in_flight` has reached `window` (MQTT 5 3.3.4.9: a
  // client sends no more unacknowledged QoS 1/2 PUBLISHes than the broker's Receive Maximum).
  // QoS 0 messages take no part in the window, but wait behind the head like everything else
  // (order is kept within a lane).
  std::optional<outgoing> pop(std::size_t in_flight, std::size_t window);

  // On a lost connection: retained states are published afresh on the next connect, so the
  // queued ones are dropped. Returns how many.
  std::size_t drop_retained();
  // Drops the oldest event (non-retained message); false if there is none.
  bool drop_oldest_event();
  // Drops events queued before `cutoff`; returns how many.
  std::size_t drop_events_queued_before(std::chrono::steady_clock::time_point cutoff);

  std::size_t size() const noexcept { return urgent_.size() + bulk_.size(); }
  bool empty() const noexcept { return size() == 0; }
  std::size_t events() const noexcept { return events_; }
  // Retained messages that replaced a queued one for the same topic, since construction.
  std::uint64_t coalesced() const noexcept { return coalesced_; }

 private:
  using lane = std::list<outgoing>;
  struct place {
    lane* in;
    lane::iterator at;
  };
  lane& lane_of(priority p) noexcept { return p == priority::urgent ? urgent_ : bulk_; }
  void erase(lane& from, lane::iterator at);

  lane urgent_;
  lane bulk_;
  // Queued retained messages by topic. The key views the entry's own topic (list nodes are
  // stable), so a topic is stored once.
  std::unordered_map<std::string_view, place> retained_;
  std::size_t events_ = 0;
  std::uint64_t coalesced_ = 0;
};

}  // namespace pdu2mqtt::mqtt
