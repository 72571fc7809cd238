// Parsing of command payloads and outlet numbers from MQTT into the command model. Every refusal
// says what was wrong; the untrusted text it repeats goes through printable_excerpt.
#include "pdu2mqtt/device/command.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "pdu2mqtt/common/ascii.hpp"
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
      case command_errc::bad_name:
        return "invalid outlet name";
    }
    return "unknown command error";
  }
};

constexpr std::string_view json_shape =
    R"(expected {"state": "ON"}, "OFF", "REBOOT", "DELAYON", "DELAYOFF" or "CANCEL", optionally with "confirm": true)";
constexpr std::string_view words_expected = "expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL";

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

result<outlet_action> parse_word(std::string_view text) {
  const std::string_view word = trim(text);
  for (const auto& known : outlet_action_words) {
    if (equals_ignoring_ascii_case(word, known.word)) return known.action;
  }
  return result<outlet_action>(
      command_errc::unknown_command,
      "unknown command '" + printable_excerpt(word, 32) + "': " + std::string(words_expected));
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

std::string_view action_name(outlet_action a) noexcept {
  for (const auto& known : outlet_action_words) {
    if (known.action == a) return known.word;
  }
  return "?";
}

result<pdu_command> parse_pdu_command_payload(std::string_view payload, int outlet_count) {
  using json = nlohmann::json;
  constexpr std::string_view shape =
      R"(expected {"outlets": {"3": "OFF", "4": "ON"}}, optionally with "confirm": true)";
  const auto malformed = [&](std::string_view why) {
    return result<pdu_command>(command_errc::malformed_json,
                               std::string(why) + ": " + std::string(shape));
  };
  if (payload.size() > max_pdu_command_payload) {
    return result<pdu_command>(command_errc::payload_too_large,
                               "payload of " + std::to_string(payload.size()) +
                                   " bytes is larger than " +
                                   std::to_string(max_pdu_command_payload));
  }
  if (!is_valid_utf8(payload)) {
    return result<pdu_command>(command_errc::invalid_utf8, "payload is not valid UTF-8");
  }
  if (trim(payload).empty())
    return result<pdu_command>(command_errc::empty_payload, "payload is empty");
  // Duplicate keys at any level are ambiguous ({"3": "ON", "3": "OFF"}): refused.
  bool duplicate = false;
  std::vector<std::vector<std::string>> seen{{}};
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      seen.resize(static_cast<std::size_t>(depth) + 2);
      seen[static_cast<std::size_t>(depth) + 1].clear();
    } else if (event == json::parse_event_t::key) {
      auto& keys = seen[static_cast<std::size_t>(depth)];
      const auto key = parsed.get<std::string>();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = true;
      keys.push_back(key);
    }
    return true;
  };
  const json doc = json::parse(payload, check, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return malformed("payload is not valid JSON");
  if (duplicate) return malformed("a key appears twice");
  if (!doc.is_object()) return malformed("JSON payload is not an object");
  const auto outlets = doc.find("outlets");
  const auto confirm = doc.find("confirm");
  if (outlets == doc.end() || doc.size() != (confirm == doc.end() ? 1u : 2u)) {
    return malformed("JSON object must have the key \"outlets\" and may have \"confirm\"");
  }
  if (confirm != doc.end() && !confirm->is_boolean()) {
    return malformed("\"confirm\" is not true or false");
  }
  if (!outlets->is_object() || outlets->empty()) {
    return malformed("\"outlets\" is not an object naming at least one outlet");
  }
  pdu_command out;
  out.confirmed = confirm != doc.end() && confirm->get<bool>();
  for (const auto& [key, word] : outlets->items()) {
    auto number = parse_outlet_number(key, outlet_count);
    if (!number) return number.err();
    if (!word.is_string()) {
      return malformed("the command for outlet " + std::to_string(*number) + " is not a string");
    }
    auto action = parse_word(word.get_ref<const std::string&>());
    if (!action) {
      return error{action.code(), "outlet " + std::to_string(*number) + ": " + action.err().detail};
    }
    out.steps.push_back({*number, *action});
  }
  std::sort(out.steps.begin(), out.steps.end(),
            [](const outlet_step& a, const outlet_step& b) { return a.outlet < b.outlet; });
  return out;
}

result<std::string> parse_outlet_name_payload(std::string_view payload) {
  const auto name = trim(payload);
  if (name.empty()) return result<std::string>(command_errc::bad_name, "the new name is empty");
  if (name.size() > max_outlet_name) {
    return result<std::string>(command_errc::bad_name, "the new name has " +
                                                           std::to_string(name.size()) +
                                                           " characters; the PDU stores at most " +
                                                           std::to_string(max_outlet_name));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c > 0x7e) {
      return result<std::string>(
          command_errc::bad_name,
          "the new name '" + printable_excerpt(name, 40) +
              "' has a character the PDU cannot store (printable ASCII only)");
    }
  }
  return std::string(name);
}

namespace {

// An outlet's payload refused: the refusal says which outlet.
error for_outlet(int outlet, const error& e) {
  return {e.code, "outlet " + std::to_string(outlet) + ": " + e.detail};
}

}  // namespace

result<command> make_command(const topics::command_topic& topic, std::string_view payload,
                             int outlet_count) {
  using kind = topics::command_topic::kind;
  switch (topic.what) {
    case kind::pdu_set: {
      auto parsed = parse_pdu_command_payload(payload, outlet_count);
      if (!parsed) return parsed.err();
      return command{std::move(*parsed)};
    }
    case kind::outlet_set: {
      const auto outlet = parse_outlet_number(topic.outlet_text, outlet_count);
      if (!outlet) return outlet.err();
      const auto parsed = parse_outlet_command_payload(payload);
      if (!parsed) return for_outlet(*outlet, parsed.err());
      return command{outlet_set{*outlet, *parsed}};
    }
    case kind::outlet_name_set: {
      const auto outlet = parse_outlet_number(topic.outlet_text, outlet_count);
      if (!outlet) return outlet.err();
      auto name = parse_outlet_name_payload(payload);
      if (!name) return for_outlet(*outlet, name.err());
      return command{outlet_rename{*outlet, std::move(*name)}};
    }
    case kind::get:
      break;
  }
  return result<command>(command_errc::unknown_command,
                         "the get topic asks for a read, not a command");
}

pdu_command switching(const command& c) {
  if (const auto* one = std::get_if<outlet_set>(&c)) {
    return {{{one->outlet, one->command.action}}, one->command.confirmed};
  }
  if (const auto* several = std::get_if<pdu_command>(&c)) return *several;
  return {};
}

std::string_view command_name(const command& c) noexcept {
  if (const auto* one = std::get_if<outlet_set>(&c)) return action_name(one->command.action);
  return std::holds_alternative<pdu_command>(c) ? pdu_set_name : rename_name;
}

}  // namespace pdu2mqtt::device
