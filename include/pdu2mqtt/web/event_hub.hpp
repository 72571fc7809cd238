// What the web page shows, kept between the bridge's thread (which writes) and the HTTP
// server's threads (which read and wait): the latest view of every PDU and of the bridge, and
// a numbered backlog of events for Server-Sent Events streams. Pure: no sockets.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pdu2mqtt::web {

struct sse_event {
  std::uint64_t seq = 0;
  std::string name;  // "pdu", "removed", "result", "error", "bridge"
  std::string data;  // one line of JSON
};

class event_hub {
 public:
  // read_only: the page may not switch anything, whatever the PDU allows; the views say so.
  explicit event_hub(bool read_only, std::size_t backlog = 1024);

  void set_bridge(nlohmann::json bridge);  // event "bridge"
  void put_pdu(nlohmann::json pdu);        // event "pdu"; by "id", new ones last
  void remove_pdu(const std::string& id);  // event "removed"
  void publish(std::string name, const nlohmann::json& data);

  // {"bridge": ..., "pdus": [...]} and the number of the last event it includes.
  std::pair<nlohmann::json, std::uint64_t> snapshot() const;
  bool has_pdu(const std::string& id) const;

  struct batch {
    std::vector<sse_event> events;
    bool resync = false;  // `after` fell out of the backlog: start again from a snapshot
    bool closed = false;
  };
  // The events after `after`, waiting up to `timeout` for the first one.
  batch wait(std::uint64_t after, std::chrono::milliseconds timeout) const;

  // Wakes every waiter; wait() returns at once from then on (the server is stopping).
  void close();

 private:
  void append(std::string name, const nlohmann::json& data);  // with mutex_ held

  const bool read_only_;
  const std::size_t backlog_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  nlohmann::json bridge_ = nlohmann::json::object();
  std::vector<nlohmann::json> pdus_;  // in the order they appeared
  std::deque<sse_event> events_;
  std::uint64_t last_seq_ = 0;
  bool closed_ = false;
};

// One event in the text/event-stream format (data has no newline: it is one line of JSON).
std::string sse_frame(const sse_event& e);

}  // namespace pdu2mqtt::web
