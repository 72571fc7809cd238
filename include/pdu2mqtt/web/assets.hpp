// The page's files (web/ in the source tree), compiled into the binary by
// cmake/embed_web_assets.cmake: the page works offline and cannot drift from the binary.
#pragma once

#include <span>
#include <string_view>

namespace pdu2mqtt::web {

struct asset {
  std::string_view path;  // "/", "/app.js", "/style.css"
  std::string_view content_type;
  std::string_view body;
};

std::span<const asset> assets();

}  // namespace pdu2mqtt::web
