// The link's outgoing queue: lanes, coalescing of retained states, the broker's window.
#include "pdu2mqtt/mqtt/outbox.hpp"

#include <iterator>
#include <utility>

namespace pdu2mqtt::mqtt {

void outbox::push(outgoing message, priority p) {
  if (!message.retain) {
    lane_of(p).push_back(std::move(message));
    ++events_;
    return;
  }
  if (const auto found = retained_.find(message.topic); found != retained_.end()) {
    ++coalesced_;
    place& queued = found->second;
    if (p == priority::urgent && queued.in == &bulk_) {
      // Moved whole (splice keeps the node, so the map's key still views its topic).
      urgent_.splice(urgent_.end(), bulk_, queued.at);
      queued.in = &urgent_;
    }
    queued.at->payload = std::move(message.payload);
    queued.at->qos = message.qos;
    queued.at->queued_at = message.queued_at;
    return;
  }
  lane& into = lane_of(p);
  const auto at = into.insert(into.end(), std::move(message));
  retained_.emplace(std::string_view(at->topic), place{&into, at});
}

std::optional<outgoing> outbox::pop(std::size_t in_flight, std::size_t window) {
  lane& from = !urgent_.empty() ? urgent_ : bulk_;
  if (from.empty()) return std::nullopt;
  if (from.front().qos > 0 && in_flight >= window) return std::nullopt;
  // Unindexed before the move: the map's key views the topic being moved out.
  if (from.front().retain) {
    retained_.erase(std::string_view(from.front().topic));
  } else {
    --events_;
  }
  outgoing next = std::move(from.front());
  from.pop_front();
  return next;
}

void outbox::erase(lane& from, lane::iterator at) {
  if (at->retain) {
    retained_.erase(std::string_view(at->topic));
  } else {
    --events_;
  }
  from.erase(at);
}

std::size_t outbox::drop_retained() {
  const std::size_t dropped = retained_.size();
  retained_.clear();  // first: its keys view the topics about to be freed
  for (auto* l : {&urgent_, &bulk_}) {
    l->remove_if([](const outgoing& m) { return m.retain; });
  }
  return dropped;
}

bool outbox::drop_oldest_event() {
  // Events are pushed in time order within a lane; the older of the two lanes' first events.
  lane::iterator oldest;
  lane* in = nullptr;
  for (auto* l : {&urgent_, &bulk_}) {
    for (auto it = l->begin(); it != l->end(); ++it) {
      if (it->retain) continue;
      if (!in || it->queued_at < oldest->queued_at) {
        oldest = it;
        in = l;
      }
      break;
    }
  }
  if (!in) return false;
  erase(*in, oldest);
  return true;
}

std::size_t outbox::drop_events_queued_before(std::chrono::steady_clock::time_point cutoff) {
  std::size_t dropped = 0;
  for (auto* l : {&urgent_, &bulk_}) {
    for (auto it = l->begin(); it != l->end();) {
      const auto next = std::next(it);
      if (!it->retain && it->queued_at < cutoff) {
        erase(*l, it);
        ++dropped;
      }
      it = next;
    }
  }
  return dropped;
}

}  // namespace pdu2mqtt::mqtt
