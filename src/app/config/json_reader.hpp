// The config file's JSON: comments allowed, syntax errors at line:column, duplicate keys found.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace pdu2mqtt::app::config_detail {

using ordered_json = nlohmann::ordered_json;

struct json_document {
  ordered_json root;
  std::set<std::string> duplicates;  // key paths given twice in one object (the last one wins)
};

// Throws config_failure (syntax) with "line:column" as its path, or for nesting deeper than
// max_config_nesting.
json_document read_json(std::string_view text);

}  // namespace pdu2mqtt::app::config_detail
