// Snapshot → JSON. Absent readings are null or left out, never a made-up zero.
#include "pdu2mqtt/device/snapshot_json.hpp"

#include <ctime>

namespace pdu2mqtt::device {

namespace {

using nlohmann::json;

json value_json(const metric_value& v) {
  if (v.number) return *v.number;
  return v.word;
}

// The metrics of one scope and index as {"voltage": 217.9, ...}.
json metrics_of(const snapshot& s, scope where, int index) {
  json out = json::object();
  for (const auto& [id, v] : s.metrics) {
    if (id.scope == where && id.index == index)
      out[std::string(to_string(id.quantity))] = value_json(v);
  }
  return out;
}

// Numbered items of a scope ("phases", "sensors", "contacts") as an array by number.
json numbered(const snapshot& s, scope where) {
  std::map<int, json> items;
  for (const auto& [id, v] : s.metrics) {
    if (id.scope != where) continue;
    auto& item = items[id.index];
    if (item.is_null()) item = json{{"number", id.index}};
    item[std::string(to_string(id.quantity))] = value_json(v);
  }
  for (const auto& m : s.caps.metrics) {
    if (m.id.scope == where && !m.label.empty() && where == scope::contact) {
      auto& item = items[m.id.index];
      if (item.is_null()) item = json{{"number", m.id.index}};
      item["name"] = m.label;
    }
  }
  json out = json::array();
  for (auto& [n, item] : items)
    out.push_back(std::move(item));
  return out;
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+00:00", &utc);
  return text;
}

nlohmann::json to_json(const snapshot& s) {
  json identity = {{"name", s.id.name},
                   {"model", s.id.model},
                   {"serial", s.id.serial},
                   {"firmware", s.id.firmware},
                   {"hardware", s.id.hardware},
                   {"sys_descr", s.id.sys_descr},
                   {"sys_object_id", s.id.sys_object_id},
                   {"sys_name", s.id.sys_name},
                   {"sys_location", s.id.sys_location},
                   {"sys_contact", s.id.sys_contact},
                   {"uptime_s", s.id.uptime_ticks ? json(*s.id.uptime_ticks / 100) : json()},
                   {"booted_at", s.id.booted_at ? json(iso8601_utc(*s.id.booted_at)) : json()},
                   {"rating_a", s.id.rating_a ? json(*s.id.rating_a) : json()}};
  json outlets = json::array();
  for (const auto& o : s.outlets) {
    json item = {{"number", o.number},
                 {"name", o.name},
                 {"state", to_string(o.state)},
                 {"command_pending", o.command_pending},
                 {"bank", o.bank ? json(*o.bank) : json()}};
    item.update(metrics_of(s, scope::outlet, o.number));
    outlets.push_back(std::move(item));
  }
  json banks = json::array();
  for (const auto& b : s.banks) {
    json item = {{"number", b.number},
                 {"current_a", b.current_a ? json(*b.current_a) : json()},
                 {"load_state", to_string(b.load)}};
    item.update(metrics_of(s, scope::bank, b.number));
    banks.push_back(std::move(item));
  }
  json out = {{"identity", identity},
              {"outlet_count", s.size.outlets},
              {"bank_count", s.size.banks},
              {"outlets", outlets},
              {"banks", banks}};
  out["device"] = metrics_of(s, scope::device, 0);
  out["input"] = metrics_of(s, scope::input, 0);
  out["total"] = metrics_of(s, scope::total, 0);
  out["phases"] = numbered(s, scope::phase);
  if (s.caps.ats) {
    json ats = metrics_of(s, scope::ats, 0);
    ats["source_a"] = metrics_of(s, scope::source_a, 0);
    ats["source_b"] = metrics_of(s, scope::source_b, 0);
    out["ats"] = std::move(ats);
  }
  if (s.caps.environment) {
    out["sensors"] = numbered(s, scope::sensor);
    out["contacts"] = numbered(s, scope::contact);
  }
  out["capabilities"] = {{"phases", s.caps.phases},
                         {"outlet_metering", s.caps.outlet_metering},
                         {"ats", s.caps.ats},
                         {"environment", s.caps.environment},
                         {"delayed_commands", s.caps.delayed_commands},
                         {"metrics", s.caps.metrics.size()}};
  return out;
}

}  // namespace pdu2mqtt::device
