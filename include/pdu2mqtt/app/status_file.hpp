// The bridge's health, kept in a small JSON file for `pdu2mqtt health` (Docker HEALTHCHECK,
// monitoring scripts): a separate process cannot ask the bridge, so the bridge writes down how
// it is and when it last said so. A hung event loop stops the heartbeat and the file goes stale.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pdu2mqtt/common/result.hpp"

namespace pdu2mqtt::app {

struct bridge_status {
  struct pdu {
    std::string id;
    bool online = false;
    // Counters since start, for monitoring and the scale benchmark (see poller).
    std::uint64_t polls_ok = 0;
    std::uint64_t polls_failed = 0;
    std::uint64_t polls_missed = 0;
    friend bool operator==(const pdu&, const pdu&) = default;
  };
  bool mqtt_connected = false;
  std::vector<pdu> pdus;
  friend bool operator==(const bridge_status&, const bridge_status&) = default;
};

// The bridge rewrites the file at least this often, even when nothing changed.
inline constexpr std::chrono::seconds status_heartbeat{10};
// `health` calls a file older than this stale: several missed heartbeats, not one slow write.
inline constexpr std::chrono::seconds default_status_max_age{60};

// {"pid":..., "updated_at": <unix seconds>, "mqtt_connected": ...,
//  "pdus": {"<id>": {"online": ..., "polls_ok": ..., "polls_failed": ..., "polls_missed": ...}}}
std::string status_json(const bridge_status& status, std::chrono::system_clock::time_point now);

// Writes a temporary file next to `path` and renames it over `path`: a reader never sees a
// half-written file.
status write_status_file(const std::filesystem::path& path, const std::string& contents);

struct health_verdict {
  bool healthy = false;
  std::string summary;  // one line for a human, e.g. "connected to the broker; 1/1 PDU online"
};

// Judges the file's contents (pure, for unit tests). PDUs being offline does not make the
// bridge unhealthy: restarting the bridge would not bring a PDU back.
health_verdict judge_status(const std::string& contents, std::chrono::system_clock::time_point now,
                            std::chrono::seconds max_age);

// Reads and judges the file; a missing or unreadable file is unhealthy, with the reason.
health_verdict check_status_file(const std::filesystem::path& path,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::seconds max_age);

}  // namespace pdu2mqtt::app
