// Parsing of outlet command payloads and outlet numbers from MQTT. Every refusal says what was
// wrong; the untrusted text it repeats goes through printable_excerpt.
#include "pdu2mqtt/pdu/command.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "pdu2mqtt/common/untrusted_text.hpp"

namespace pdu2mqtt::device {
namespace {

class command_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "command"; }

  std::string message(int value) const override {
    switch (static_cast<command_errc>(value)) {
      case command_errc::empty_payload:
        return "empty command payload";
      case command_errc::payload_too_large:
        return "command payload too large";
      case command_errc::invalid_utf8:
        return "command payload is not UTF-8";
      case command_errc::malformed_json:
        return "malformed JSON command";
      case command_errc::unknown_command:
        return "unknown command";
      case command_errc::bad_outlet_number:
        return "invalid outlet number";
      case command_errc::no_such_outlet:
        return "no such outlet";
    }
    return "unknown command error";
  }
};

constexpr std::string_view json_shape =
    R"(expected {"state": "ON"}, "OFF" or "REBOOT", optionally with "confirm": true)";

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

result<outlet_action> parse_word(std::string_view text) {
  const std::string_view word = trim(text);
  if (equals_ignoring_case(word, "on")) return outlet_action::on;
  if (equals_ignoring_case(word, "off")) return outlet_action::off;
  if (equals_ignoring_case(word, "reboot")) return outlet_action::reboot;
  return result<outlet_action>(
      command_errc::unknown_command,
      "unknown command '" + printable_excerpt(word, 32) + "': expected ON, OFF or REBOOT");
}

result<outlet_command> parse_json_command(std::string_view text) {
  using json = nlohmann::json;
  const auto malformed = [](std::string_view why) {
    return result<outlet_command>(command_errc::malformed_json,
                                  std::string(why) + ": " + std::string(json_shape));
  };
  // nlohmann keeps the last of two equal keys; {"state":"ON","state":"OFF"} is ambiguous.
  int top_level_keys = 0;
  const json::parser_callback_t count_keys = [&top_level_keys](int depth, json::parse_event_t event,
                                                               json&) {
    if (event == json::parse_event_t::key && depth == 1) ++top_level_keys;
    return true;
  };
  const json doc = json::parse(text, count_keys, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return malformed("payload is not valid JSON");
  if (!doc.is_object()) return malformed("JSON payload is not an object");
  const auto state = doc.find("state");
  const auto confirm = doc.find("confirm");
  const int expected_keys = confirm == doc.end() ? 1 : 2;
  if (state == doc.end() || top_level_keys != expected_keys) {
    return malformed(
        "JSON object must have the key \"state\" and may have \"confirm\", nothing else");
  }
  if (!state->is_string()) return malformed("\"state\" is not a string");
  if (confirm != doc.end() && !confirm->is_boolean()) {
    return malformed("\"confirm\" is not true or false");
  }
  auto action = parse_word(state->get_ref<const std::string&>());
  if (!action) return action.err();
  return outlet_command{*action, confirm != doc.end() && confirm->get<bool>()};
}

std::string outlets_text(int count) {
  if (count <= 0) return "no outlets";
  return std::to_string(count) + (count == 1 ? " outlet" : " outlets");
}

}  // namespace

const std::error_category& command_category() noexcept {
  static const command_error_category category;
  return category;
}

result<outlet_command> parse_outlet_command_payload(std::string_view payload) {
  if (payload.size() > max_command_payload) {
    return result<outlet_command>(command_errc::payload_too_large,
                                  "payload of " + std::to_string(payload.size()) +
                                      " bytes is larger than " +
                                      std::to_string(max_command_payload));
  }
  if (!is_valid_utf8(payload)) {
    return result<outlet_command>(command_errc::invalid_utf8, "payload is not valid UTF-8");
  }
  const std::string_view text = trim(payload);
  if (text.empty()) {
    return result<outlet_command>(command_errc::empty_payload, payload.empty()
                                                                   ? "payload is empty"
                                                                   : "payload is only whitespace");
  }
  if (text.front() == '{') return parse_json_command(text);
  auto action = parse_word(text);
  if (!action) return action.err();
  return outlet_command{*action, false};
}

result<outlet_action> parse_outlet_command(std::string_view payload) {
  auto parsed = parse_outlet_command_payload(payload);
  if (!parsed) return parsed.err();
  return parsed->action;
}

result<int> parse_outlet_number(std::string_view segment, int outlet_count) {
  if (segment.empty())
    return result<int>(command_errc::bad_outlet_number, "outlet number is empty");
  const bool digits =
      std::all_of(segment.begin(), segment.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return result<int>(
        command_errc::bad_outlet_number,
        "outlet number '" + printable_excerpt(segment, 24) + "' is not a plain decimal number");
  }
  if (segment.size() > 1 && segment.front() == '0') {
    return result<int>(command_errc::bad_outlet_number,
                       "outlet number '" + printable_excerpt(segment, 24) + "' has a leading zero");
  }
  // Nine digits fit an int; anything longer is no outlet of any PDU.
  if (segment.size() > 9) {
    return result<int>(command_errc::no_such_outlet, "no outlet " + printable_excerpt(segment, 24) +
                                                         ": this PDU has " +
                                                         outlets_text(outlet_count));
  }
  int number = 0;
  for (const char c : segment)
    number = number * 10 + (c - '0');
  if (number == 0) {
    return result<int>(command_errc::no_such_outlet, "no outlet 0: outlets are numbered from 1");
  }
  if (number > outlet_count) {
    return result<int>(
        command_errc::no_such_outlet,
        "no outlet " + std::to_string(number) + ": this PDU has " + outlets_text(outlet_count));
  }
  return number;
}

}  // namespace pdu2mqtt::device
