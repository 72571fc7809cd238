// Text forms of model enums, as published on MQTT and printed by the CLI.
#include "pdu2mqtt/device/model.hpp"

namespace pdu2mqtt::device {

std::string_view to_string(power_state s) noexcept {
  switch (s) {
    case power_state::on:
      return "ON";
    case power_state::off:
      return "OFF";
    case power_state::unknown:
      break;
  }
  return "UNKNOWN";
}

std::string_view to_string(load_state s) noexcept {
  switch (s) {
    case load_state::normal:
      return "normal";
    case load_state::low:
      return "low";
    case load_state::near_overload:
      return "nearOverload";
    case load_state::overload:
      return "overload";
    case load_state::unknown:
      break;
  }
  return "unknown";
}

}  // namespace pdu2mqtt::device
