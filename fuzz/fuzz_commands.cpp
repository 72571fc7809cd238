// libFuzzer target: arbitrary bytes as what arrives on the command topics (an outlet command,
// a whole-PDU command, a new outlet name), as a topic's outlet segment, and as a topic. A
// refusal's text goes to MQTT and the logs: it must hold no control character. What is accepted
// must be something the bridge can send: outlets in range, ascending and unique; names of
// printable ASCII within the limit. make_command, the bridge's one entry, holds to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace {

constexpr int outlets = 24;

void require_printable(const std::string& text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) std::abort();
  }
}

template <class T>
void check_refusal(const pdu2mqtt::result<T>& r) {
  if (!r) require_printable(r.err().detail);
}

void check_outlet(int outlet) {
  if (outlet < 1 || outlet > outlets) std::abort();
}

void check_steps(const pdu2mqtt::device::pdu_command& c) {
  if (c.steps.empty()) std::abort();
  int previous = 0;
  for (const auto& step : c.steps) {
    if (step.outlet <= previous) std::abort();
    check_outlet(step.outlet);
    previous = step.outlet;
  }
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > pdu2mqtt::device::max_outlet_name) std::abort();
  require_printable(name);
}

// Every kind of command topic, with text as the payload and then as the outlet segment.
void check_make_command(std::string_view text) {
  namespace device = pdu2mqtt::device;
  using kind = pdu2mqtt::topics::command_topic::kind;
  for (const auto what : {kind::outlet_set, kind::outlet_name_set, kind::pdu_set, kind::get}) {
    const pdu2mqtt::topics::command_topic with_payload{"rack", what, "3"};
    const pdu2mqtt::topics::command_topic with_segment{"rack", what, std::string(text)};
    for (const auto& made : {device::make_command(with_payload, text, outlets),
                             device::make_command(with_segment, "ON", outlets)}) {
      check_refusal(made);
      if (!made) continue;
      if (what == kind::get) std::abort();
      if (const auto* rename = std::get_if<device::outlet_rename>(&*made)) {
        check_outlet(rename->outlet);
        check_name(rename->name);
      } else {
        check_steps(device::switching(*made));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace device = pdu2mqtt::device;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  check_refusal(device::parse_outlet_command_payload(text));

  const auto pdu = device::parse_pdu_command_payload(text, outlets);
  check_refusal(pdu);
  if (pdu) check_steps(*pdu);

  const auto name = device::parse_outlet_name_payload(text);
  check_refusal(name);
  if (name) check_name(*name);

  const auto number = device::parse_outlet_number(text, outlets);
  check_refusal(number);
  if (number) check_outlet(*number);

  check_make_command(text);

  const pdu2mqtt::topics::layout layout{"pdu2mqtt"};
  if (auto topic = pdu2mqtt::topics::parse_command_topic(layout, text)) {
    if (!text.starts_with("pdu2mqtt/")) std::abort();
    // The web page's commands are handled as the topic topic_of gives back.
    if (pdu2mqtt::topics::topic_of(layout, *topic) != text) std::abort();
  }
  return 0;
}
