// Commands as they arrive over MQTT (or from the web page): the topic taken apart and the
// payload, parsed to one command model. Sans-I/O; anything unexpected is refused with a message
// safe to publish.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::device {

// ON, OFF, REBOOT act at once. DELAYON / DELAYOFF act after the outlet's power-on / power-off
// delay set on the PDU; CANCEL drops a delayed command still pending (MIB command values 4, 5,
// 7: delayedOn, delayedOff, cancelPendingCommand).
enum class outlet_action { on, off, reboot, delayed_on, delayed_off, cancel };

// Each action's word: payloads spell it in any case (the CLI in lower case), results and logs
// show it as here.
struct outlet_action_word {
  outlet_action action;
  std::string_view word;
};
inline constexpr outlet_action_word outlet_action_words[] = {
    {outlet_action::on, "ON"},
    {outlet_action::off, "OFF"},
    {outlet_action::reboot, "REBOOT"},
    {outlet_action::delayed_on, "DELAYON"},
    {outlet_action::delayed_off, "DELAYOFF"},
    {outlet_action::cancel, "CANCEL"},
};

// OFF, REBOOT and DELAYOFF take an outlet's power away: refused on protected outlets.
constexpr bool cuts_power(outlet_action a) noexcept {
  return a == outlet_action::off || a == outlet_action::reboot || a == outlet_action::delayed_off;
}

// DELAYON and DELAYOFF act later, after the outlet's delay: done once the PDU shows them pending.
constexpr bool is_delayed(outlet_action a) noexcept {
  return a == outlet_action::delayed_on || a == outlet_action::delayed_off;
}

// A parsed payload: the action, and whether the sender confirmed it explicitly
// ({"state": "REBOOT", "confirm": true}), which PDUs with confirm_reboot require for REBOOT.
struct outlet_command {
  outlet_action action = outlet_action::on;
  bool confirmed = false;
  friend bool operator==(const outlet_command&, const outlet_command&) = default;
};

enum class command_errc {
  empty_payload = 1,
  payload_too_large,  // more than max_command_payload bytes
  invalid_utf8,
  malformed_json,     // JSON, but not {"state": "<word>"}
  unknown_command,    // a word other than ON, OFF, REBOOT, DELAYON, DELAYOFF, CANCEL
  bad_outlet_number,  // the topic segment is not a plain decimal number
  no_such_outlet,     // a number, but not an outlet of this PDU
  bad_name,           // an outlet name the PDU cannot store
};

const std::error_category& command_category() noexcept;

inline std::error_code make_error_code(command_errc e) noexcept {
  return {static_cast<int>(e), command_category()};
}

inline constexpr std::size_t max_command_payload = 256;

// "ON", "OFF", "REBOOT", "DELAYON", "DELAYOFF", "CANCEL" in any case, surrounding whitespace
// ignored; or a JSON object with the key "state" holding one of those words as a string, and
// optionally "confirm": true/false. Nothing else.
result<outlet_command> parse_outlet_command_payload(std::string_view payload);
// The action alone.
result<outlet_action> parse_outlet_command(std::string_view payload);

// The <n> of .../outlet/<n>/set: ASCII digits without sign or leading zero, 1..outlet_count.
result<int> parse_outlet_number(std::string_view topic_segment, int outlet_count);

// A whole-PDU command (<base>/<id>/set): {"outlets": {"3": "OFF", "4": "ON"}} with any of the
// words above per outlet, optionally "confirm": true (for REBOOT on confirm_reboot PDUs).
// Outlet keys as parse_outlet_number; at least one, no outlet twice.
struct outlet_step {
  int outlet = 0;
  outlet_action action = outlet_action::on;
  friend bool operator==(const outlet_step&, const outlet_step&) = default;
};
struct pdu_command {
  std::vector<outlet_step> steps;  // ascending outlet numbers
  bool confirmed = false;
  friend bool operator==(const pdu_command&, const pdu_command&) = default;
};
inline constexpr std::size_t max_pdu_command_payload = 4096;
result<pdu_command> parse_pdu_command_payload(std::string_view payload, int outlet_count);

// A new outlet name (.../outlet/<n>/name/set): the payload as text, surrounding whitespace
// removed; 1..max_outlet_name characters of printable ASCII (the PDU stores a DisplayString).
inline constexpr std::size_t max_outlet_name = 31;
result<std::string> parse_outlet_name_payload(std::string_view payload);

// "ON", "OFF", "REBOOT", "DELAYON", "DELAYOFF", "CANCEL": as in payloads and results.
std::string_view action_name(outlet_action a) noexcept;

// <id>/outlet/<n>/set: one outlet switched.
struct outlet_set {
  int outlet = 0;
  outlet_command command;
  friend bool operator==(const outlet_set&, const outlet_set&) = default;
};
// <id>/outlet/<n>/name/set: one outlet renamed.
struct outlet_rename {
  int outlet = 0;
  std::string name;  // as parse_outlet_name_payload returns it
  friend bool operator==(const outlet_rename&, const outlet_rename&) = default;
};
// What a PDU is asked to do: switch one outlet, switch several at once (<id>/set), or rename one.
using command = std::variant<outlet_set, pdu_command, outlet_rename>;

// The payload of a command topic, parsed for a PDU with outlet_count outlets. A refusal names
// the outlet ("outlet 3: unknown command ...") unless the topic's outlet is itself the fault.
// The get topic carries no command: refused.
result<command> make_command(const topics::command_topic& topic, std::string_view payload,
                             int outlet_count);

// The outlets a command switches, as a whole-PDU command holds them: an outlet's set is one
// step; a rename switches none.
pdu_command switching(const command& c);

// What results and logs call a command: a switch of one outlet by its action_name, a whole-PDU
// command "SET", a rename "RENAME".
inline constexpr std::string_view pdu_set_name = "SET";
inline constexpr std::string_view rename_name = "RENAME";
std::string_view command_name(const command& c) noexcept;

}  // namespace pdu2mqtt::device

template <>
struct std::is_error_code_enum<pdu2mqtt::device::command_errc> : std::true_type {};
