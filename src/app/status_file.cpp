// Status file: written by `run`, judged by `health`.
#include "pdu2mqtt/app/status_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace pdu2mqtt::app {

using nlohmann::json;

namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Small on purpose: the status file holds a few hundred bytes; anything larger is not ours.
constexpr std::size_t max_status_size = 1024 * 1024;

}  // namespace

std::string status_json(const bridge_status& status, std::chrono::system_clock::time_point now) {
  json pdus = json::object();
  for (const auto& p : status.pdus)
    pdus[p.id] = {{"online", p.online},
                  {"polls_ok", p.polls_ok},
                  {"polls_failed", p.polls_failed},
                  {"polls_missed", p.polls_missed}};
  json j = {{"pid", static_cast<long>(::getpid())},
            {"updated_at", unix_seconds(now)},
            {"mqtt_connected", status.mqtt_connected},
            {"pdus", std::move(pdus)}};
  return j.dump() + "\n";
}

status write_status_file(const std::filesystem::path& path, const std::string& contents) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) {
      return error{std::make_error_code(std::errc::io_error),
                   "cannot write status file " + temporary.string()};
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return error{ec, "cannot replace status file " + path.string() + ": " + ec.message()};
  return ok;
}

health_verdict judge_status(const std::string& contents, std::chrono::system_clock::time_point now,
                            std::chrono::seconds max_age) {
  const auto j = json::parse(contents, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("updated_at") ||
      !j["updated_at"].is_number_integer() || !j.contains("mqtt_connected") ||
      !j["mqtt_connected"].is_boolean()) {
    return {false, "status file is not a pdu2mqtt status (damaged or foreign)"};
  }
  const auto age = unix_seconds(now) - j["updated_at"].get<std::int64_t>();
  if (age > max_age.count()) {
    return {false, "status is " + std::to_string(age) + " s old (limit " +
                       std::to_string(max_age.count()) +
                       " s): the bridge is stopped or its event loop is stuck"};
  }
  int online = 0;
  int total = 0;
  std::string offline;
  if (j.contains("pdus") && j["pdus"].is_object()) {
    for (const auto& [id, p] : j["pdus"].items()) {
      ++total;
      if (p.is_object() && p.value("online", false)) {
        ++online;
      } else {
        offline += (offline.empty() ? "" : ", ") + id;
      }
    }
  }
  std::string pdus = std::to_string(online) + "/" + std::to_string(total) + " PDU(s) online";
  if (!offline.empty()) pdus += " (offline: " + offline + ")";
  if (!j["mqtt_connected"].get<bool>()) {
    return {false, "not connected to the MQTT broker; " + pdus};
  }
  return {true, "connected to the MQTT broker; " + pdus};
}

health_verdict check_status_file(const std::filesystem::path& path,
                                 std::chrono::system_clock::time_point now,
                                 std::chrono::seconds max_age) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {false, "no status file at " + path.string() +
                       " (the bridge is not running, or runs without --status-file)"};
  }
  std::string contents(max_status_size + 1, '\0');
  in.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  contents.resize(static_cast<std::size_t>(in.gcount()));
  if (contents.size() > max_status_size) {
    return {false, "status file " + path.string() + " is too large to be ours"};
  }
  return judge_status(contents, now, max_age);
}

}  // namespace pdu2mqtt::app
