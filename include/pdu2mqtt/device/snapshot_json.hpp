// The JSON form of a snapshot: `probe --json` prints it, and the bridge's state topic uses it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "pdu2mqtt/device/model.hpp"

namespace pdu2mqtt::device {

nlohmann::json to_json(const snapshot& s);

// "2026-11-25T18:00:00+00:00": Unix seconds as Home Assistant's timestamp sensors take them.
std::string iso8601_utc(std::int64_t unix_seconds);

}  // namespace pdu2mqtt::device
