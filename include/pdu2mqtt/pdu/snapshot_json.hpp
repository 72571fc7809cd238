// The JSON form of a snapshot: `probe --json` prints it, and the bridge's state topic uses it.
#pragma once

#include <nlohmann/json.hpp>

#include "pdu2mqtt/pdu/model.hpp"

namespace pdu2mqtt::device {

nlohmann::json to_json(const snapshot& s);

}  // namespace pdu2mqtt::device
