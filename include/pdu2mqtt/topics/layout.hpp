// The MQTT topic contract (public API, documented in the README). Pure string building and
// parsing; nothing here talks to a broker.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pdu2mqtt::topics {

// <base>/bridge/state            online|offline, retained, also the Last Will
// <base>/bridge/info             JSON, retained
// <base>/<id>/availability       online|offline, retained
// <base>/<id>/state              JSON snapshot, retained
// <base>/<id>/get                any payload: re-read now
// <base>/<id>/error              JSON, not retained
// <base>/<id>/outlet/<n>         ON|OFF, retained
// <base>/<id>/outlet/<n>/set     ON|OFF|REBOOT or {"state":"ON"}
// <base>/<id>/outlet/<n>/result  JSON, not retained
// <base>/<id>/outlet/<n>/name    the outlet's name on the PDU, retained
// <base>/<id>/outlet/<n>/name/set  a new name for the outlet
// <base>/<id>/set                {"outlets": {"3": "OFF", "4": "ON"}}: several outlets at once
// <base>/<id>/result             JSON summary of a whole-PDU command, not retained
// <base>/<id>/bank/<n>/current   amps, retained
// <base>/<id>/bank/<n>/load_state  normal|low|nearOverload|overload, retained
// <base>/<id>/<metric>           every other reading (device::topic_suffix), retained
// <base>/<id>/device/last_boot   when the PDU last started, ISO 8601 UTC, retained
// The levels below <base>/<id>/ that carry a PDU's state: the bridge records them per PDU, to
// clear them all when the PDU is removed.
namespace level {
inline constexpr std::string_view availability = "availability";
inline constexpr std::string_view state = "state";
inline constexpr std::string_view last_boot = "device/last_boot";
inline std::string outlet(int n) {
  return "outlet/" + std::to_string(n);
}
inline std::string outlet_name(int n) {
  return outlet(n) + "/name";
}
inline std::string bank(int n) {
  return "bank/" + std::to_string(n);
}
inline std::string bank_current(int n) {
  return bank(n) + "/current";
}
inline std::string bank_load_state(int n) {
  return bank(n) + "/load_state";
}
}  // namespace level

struct layout {
  std::string base = "pdu2mqtt";

  std::string bridge_state() const { return base + "/bridge/state"; }
  std::string bridge_info() const { return base + "/bridge/info"; }
  std::string availability(std::string_view id) const { return reading(id, level::availability); }
  std::string state(std::string_view id) const { return reading(id, level::state); }
  std::string get(std::string_view id) const { return pdu(id) + "/get"; }
  std::string error(std::string_view id) const { return pdu(id) + "/error"; }
  std::string outlet(std::string_view id, int n) const { return reading(id, level::outlet(n)); }
  std::string outlet_set(std::string_view id, int n) const { return outlet(id, n) + "/set"; }
  std::string outlet_result(std::string_view id, int n) const { return outlet(id, n) + "/result"; }
  std::string outlet_name(std::string_view id, int n) const {
    return reading(id, level::outlet_name(n));
  }
  std::string outlet_name_set(std::string_view id, int n) const {
    return outlet(id, n) + "/name/set";
  }
  std::string pdu_set(std::string_view id) const { return pdu(id) + "/set"; }
  std::string last_boot(std::string_view id) const { return reading(id, level::last_boot); }
  // A state topic from its level below the PDU (level::..., device::topic_suffix).
  std::string reading(std::string_view id, std::string_view suffix) const {
    return pdu(id) + "/" + std::string(suffix);
  }
  std::string pdu_result(std::string_view id) const { return pdu(id) + "/result"; }
  std::string outlet_name_set_filter(std::string_view id) const {
    return pdu(id) + "/outlet/+/name/set";
  }
  std::string bank_current(std::string_view id, int n) const {
    return reading(id, level::bank_current(n));
  }
  std::string bank_load_state(std::string_view id, int n) const {
    return reading(id, level::bank_load_state(n));
  }
  // Subscriptions: every outlet's set topic of one PDU, and its get topic.
  std::string outlet_set_filter(std::string_view id) const { return pdu(id) + "/outlet/+/set"; }

  std::string pdu(std::string_view id) const { return base + "/" + std::string(id); }
};

// A command topic, taken apart. outlet_text is the raw segment (may be junk: "+", "x", "0").
struct command_topic {
  std::string pdu_id;
  enum class kind { outlet_set, outlet_name_set, pdu_set, get } what = kind::get;
  std::string outlet_text;
};
// nullopt when the topic is not one of ours.
std::optional<command_topic> parse_command_topic(const layout& l, std::string_view topic);
// The topic parse_command_topic takes apart into c.
std::string topic_of(const layout& l, const command_topic& c);

// ids and topic segments we generate: [A-Za-z0-9_-]+ (also what HA accepts in discovery ids).
bool is_topic_safe_id(std::string_view id) noexcept;

}  // namespace pdu2mqtt::topics
