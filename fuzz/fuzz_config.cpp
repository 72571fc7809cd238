// libFuzzer target: arbitrary bytes as a config file. Each input must give a config or one
// error line that starts with the file name and holds no control character; an accepted
// config must survive redacted_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pdu2mqtt/app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace app = pdu2mqtt::app;
  static const app::environment env = app::empty_environment();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = app::parse_config(text, "fuzz.json", env);
  if (config) {
    (void)app::redacted_json(*config).dump();
    return 0;
  }
  const std::string& detail = config.err().detail;
  if (!detail.starts_with("fuzz.json")) std::abort();
  for (const char c : detail) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) std::abort();
  }
  return 0;
}
