// Known units the simulator can pose as, by name or model number (`simulate --model NAME`).
#include <algorithm>
#include <array>

#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/sim/simulator.hpp"

namespace pdu2mqtt::sim {

namespace {

struct preset_entry {
  std::string_view name;
  std::string_view model;
  sim::family family;
  std::size_t outlets;
  std::size_t banks;
  std::int32_t rating_a;
};

constexpr std::array<preset_entry, 4> presets{{
    {"switched", "PDU41004", family::switched, 8, 2, 15},
    {"metered", "PDU81004", family::metered, 8, 2, 15},
    {"ats", "PDU44005", family::ats, 10, 1, 16},
    // Not a real CyberPower model number: no three-phase unit has been walked, so the name
    // says that this one is made up.
    {"three-phase", "PDU3PH-SIM", family::three_phase, 24, 6, 32},
}};

}  // namespace

std::string_view family_name(family f) noexcept {
  switch (f) {
    case family::switched:
      return "switched";
    case family::metered:
      return "metered";
    case family::ats:
      return "ats";
    case family::three_phase:
      return "three-phase";
  }
  return "unknown";
}

std::optional<simulator_options> preset(std::string_view name) {
  const auto found = std::find_if(presets.begin(), presets.end(), [name](const preset_entry& p) {
    return equals_ignoring_ascii_case(name, p.name) || equals_ignoring_ascii_case(name, p.model);
  });
  if (found == presets.end()) return std::nullopt;
  simulator_options o;
  o.family = found->family;
  o.outlets = found->outlets;
  o.banks = found->banks;
  o.rating_a = found->rating_a;
  o.model = std::string(found->model);
  switch (found->family) {
    case family::metered:
      // A meter that has been counting for a while, so readers see a non-zero total at once.
      o.start_energy_kwh = 12.3;
      break;
    case family::ats:
      o.input_voltage_v = 217.9;  // the walk's input A
      break;
    case family::switched:
    case family::three_phase:
      break;
  }
  return o;
}

}  // namespace pdu2mqtt::sim
