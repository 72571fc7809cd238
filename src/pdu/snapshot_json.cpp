// Snapshot → JSON. Absent readings are null, never a made-up zero.
#include "pdu2mqtt/pdu/snapshot_json.hpp"

namespace pdu2mqtt::device {

nlohmann::json to_json(const snapshot& s) {
  using nlohmann::json;
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
                   {"rating_a", s.id.rating_a ? json(*s.id.rating_a) : json()}};
  json outlets = json::array();
  for (const auto& o : s.outlets) {
    outlets.push_back({{"number", o.number},
                       {"name", o.name},
                       {"state", to_string(o.state)},
                       {"command_pending", o.command_pending},
                       {"bank", o.bank ? json(*o.bank) : json()}});
  }
  json banks = json::array();
  for (const auto& b : s.banks) {
    banks.push_back({{"number", b.number},
                     {"current_a", b.current_a ? json(*b.current_a) : json()},
                     {"load_state", to_string(b.load)}});
  }
  return {{"identity", identity},
          {"outlet_count", s.size.outlets},
          {"bank_count", s.size.banks},
          {"outlets", outlets},
          {"banks", banks}};
}

}  // namespace pdu2mqtt::device
