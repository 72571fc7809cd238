// The page's state between the bridge thread and the HTTP threads: latest views, numbered events.
#include "pdu2mqtt/web/event_hub.hpp"

#include <algorithm>

namespace pdu2mqtt::web {

using nlohmann::json;

namespace {

std::string one_line(const json& j) {
  // Text from a PDU need not be UTF-8; a bad byte must not throw on the bridge's thread.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

event_hub::event_hub(bool read_only, std::size_t backlog)
    : read_only_(read_only), backlog_(std::max<std::size_t>(1, backlog)) {}

void event_hub::append(std::string name, const json& data) {
  events_.push_back({++last_seq_, std::move(name), one_line(data)});
  while (events_.size() > backlog_)
    events_.pop_front();
  changed_.notify_all();
}

void event_hub::set_bridge(json bridge) {
  std::lock_guard lock(mutex_);
  bridge["read_only"] = read_only_;
  bridge_ = std::move(bridge);
  append("bridge", bridge_);
}

void event_hub::put_pdu(json pdu) {
  std::lock_guard lock(mutex_);
  pdu["read_only"] = read_only_ || pdu.value("read_only", false);
  const auto id = pdu.value("id", std::string());
  auto found = std::find_if(pdus_.begin(), pdus_.end(),
                            [&](const json& p) { return p.value("id", std::string()) == id; });
  if (found == pdus_.end()) {
    pdus_.push_back(pdu);
  } else {
    *found = pdu;
  }
  append("pdu", pdu);
}

void event_hub::remove_pdu(const std::string& id) {
  std::lock_guard lock(mutex_);
  std::erase_if(pdus_, [&](const json& p) { return p.value("id", std::string()) == id; });
  append("removed", json{{"id", id}});
}

void event_hub::publish(std::string name, const json& data) {
  std::lock_guard lock(mutex_);
  append(std::move(name), data);
}

std::pair<json, std::uint64_t> event_hub::snapshot() const {
  std::lock_guard lock(mutex_);
  return {json{{"bridge", bridge_}, {"pdus", pdus_}}, last_seq_};
}

bool event_hub::has_pdu(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return std::any_of(pdus_.begin(), pdus_.end(),
                     [&](const json& p) { return p.value("id", std::string()) == id; });
}

event_hub::batch event_hub::wait(std::uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || last_seq_ > after; });
  batch out;
  out.closed = closed_;
  if (closed_ || last_seq_ <= after) return out;
  // The oldest kept event must directly follow `after`, else some were dropped in between.
  if (events_.empty() || events_.front().seq > after + 1) {
    out.resync = true;
    return out;
  }
  for (const auto& e : events_) {
    if (e.seq > after) out.events.push_back(e);
  }
  return out;
}

void event_hub::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

std::string sse_frame(const sse_event& e) {
  return "id: " + std::to_string(e.seq) + "\nevent: " + e.name + "\ndata: " + e.data + "\n\n";
}

}  // namespace pdu2mqtt::web
