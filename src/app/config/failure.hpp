// How a config problem travels: thrown where it is found, caught at the API, printed as one line.
#pragma once

#include <string>
#include <string_view>

#include "pdu2mqtt/app/config.hpp"

namespace pdu2mqtt::app::config_detail {

// Thrown while validating, caught in parse_config: the first problem ends the walk.
struct config_failure {
  config_errc code;
  std::string path;  // empty: about the whole file
  std::string message;
};

[[noreturn]] void fail(std::string path, std::string message,
                       config_errc code = config_errc::invalid);

// "<file>: <key path>: <message>", or "<file>:<line>:<col>: <message>" for syntax errors.
std::string format_failure(std::string_view file_name, const config_failure& f);

}  // namespace pdu2mqtt::app::config_detail
