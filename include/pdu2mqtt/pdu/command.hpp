// Outlet commands as they arrive over MQTT: the payload and the outlet segment of the topic,
// parsed to values. Sans-I/O; anything unexpected is refused with a message safe to publish.
#pragma once

#include <cstddef>
#include <string_view>
#include <system_error>

#include "pdu2mqtt/common/result.hpp"

namespace pdu2mqtt::device {

enum class outlet_action { on, off, reboot };

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
  unknown_command,    // a word other than ON, OFF, REBOOT
  bad_outlet_number,  // the topic segment is not a plain decimal number
  no_such_outlet,     // a number, but not an outlet of this PDU
};

const std::error_category& command_category() noexcept;

inline std::error_code make_error_code(command_errc e) noexcept {
  return {static_cast<int>(e), command_category()};
}

inline constexpr std::size_t max_command_payload = 256;

// "ON", "OFF", "REBOOT" in any case, surrounding whitespace ignored; or a JSON object with the
// key "state" holding one of those words as a string, and optionally "confirm": true/false.
// Nothing else.
result<outlet_command> parse_outlet_command_payload(std::string_view payload);
// The action alone.
result<outlet_action> parse_outlet_command(std::string_view payload);

// The <n> of .../outlet/<n>/set: ASCII digits without sign or leading zero, 1..outlet_count.
result<int> parse_outlet_number(std::string_view topic_segment, int outlet_count);

}  // namespace pdu2mqtt::device

template <>
struct std::is_error_code_enum<pdu2mqtt::device::command_errc> : std::true_type {};
