// How Home Assistant discovery is shaped, as the config names it. Pure, for the config.
#pragma once

#include <string_view>

#include "pdu2mqtt/common/name_table.hpp"

namespace pdu2mqtt::ha {

// device: one `<prefix>/device/<object_id>/config` per PDU (HA >= 2024.11).
// entity: one `<prefix>/<platform>/<unique_id>/config` per entity (older HA).
enum class discovery_mode { device, entity };

inline constexpr name_table<discovery_mode, 2> discovery_mode_names = {
    {"device", discovery_mode::device}, {"entity", discovery_mode::entity}};

constexpr std::string_view to_string(discovery_mode m) noexcept {
  return name_in(discovery_mode_names, m);
}

}  // namespace pdu2mqtt::ha
