// json_quoted: nlohmann's serializer does the escaping, so the quoting is JSON's exactly.
#include "pdu2mqtt/common/json_quoted.hpp"

#include <nlohmann/json.hpp>

namespace pdu2mqtt {

std::string json_quoted(std::string_view text, std::size_t max_bytes) {
  bool cut = false;
  if (text.size() > max_bytes) {
    std::size_t end = max_bytes;
    while (end > 0 && is_utf8_continuation_byte(text[end]))
      --end;
    text = text.substr(0, end);
    cut = true;
  }
  using ordered_json = nlohmann::ordered_json;
  std::string out =
      ordered_json(std::string(text)).dump(-1, ' ', true, ordered_json::error_handler_t::replace);
  if (cut) out.insert(out.size() - 1, "…");
  return out;
}

}  // namespace pdu2mqtt
