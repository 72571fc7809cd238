// What to say about an unknown key: where it belongs, the known key it is a typo of, or the list.
#pragma once

#include <string>
#include <string_view>

#include "schema_keys.hpp"

namespace pdu2mqtt::app::config_detail {

std::string unknown_key_message(std::string_view key, key_list known);

}  // namespace pdu2mqtt::app::config_detail
