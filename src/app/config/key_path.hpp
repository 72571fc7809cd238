// Key paths as messages print them: mqtt.tls.ca_file, pdus[0].snmp, http["odd key"].
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pdu2mqtt::app::config_detail {

std::string child_path(std::string_view parent, std::string_view key);
std::string element_path(std::string_view parent, std::size_t index);

}  // namespace pdu2mqtt::app::config_detail
