// libFuzzer target: arbitrary bytes as what arrives on the command topics (an outlet command,
// a whole-PDU command, a new outlet name) and as a topic. A refusal's text goes to MQTT and the
// logs: it must hold no control character. What is accepted must be something the bridge can
// send: outlets in range, ascending and unique; names of printable ASCII within the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pdu2mqtt/topics/layout.hpp"
#include "pdu2mqtt/device/command.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace device = pdu2mqtt::device;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  check_refusal(device::parse_outlet_command_payload(text));

  const auto pdu = device::parse_pdu_command_payload(text, outlets);
  check_refusal(pdu);
  if (pdu) {
    if (pdu->steps.empty()) std::abort();
    int previous = 0;
    for (const auto& step : pdu->steps) {
      if (step.outlet <= previous || step.outlet > outlets) std::abort();
      previous = step.outlet;
    }
  }

  const auto name = device::parse_outlet_name_payload(text);
  check_refusal(name);
  if (name) {
    if (name->empty() || name->size() > device::max_outlet_name) std::abort();
    require_printable(*name);
  }

  const auto number = device::parse_outlet_number(text, outlets);
  check_refusal(number);
  if (number && (*number < 1 || *number > outlets)) std::abort();

  const pdu2mqtt::topics::layout layout{"pdu2mqtt"};
  if (auto topic = pdu2mqtt::topics::parse_command_topic(layout, text)) {
    if (!text.starts_with("pdu2mqtt/")) std::abort();
  }
  return 0;
}
