// libFuzzer target: any datagram into snmp::decode. Whatever decodes must re-encode to
// bytes that decode to the same message, and the encoding must be stable (canonical).
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "pdu2mqtt/snmp/message.hpp"

namespace snmp = pdu2mqtt::snmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = snmp::decode(std::span<const std::uint8_t>(data, size));
  if (!decoded) {
    // The error must be printable: the detail is built from offsets and lengths.
    (void)decoded.err().to_string();
    return 0;
  }
  const std::vector<std::uint8_t> bytes = snmp::encode(*decoded);
  // Re-encoding adds the 0x00 that lenient input may omit (unsigned values with the top
  // bit set), so a message at the size limit can come back just over it.
  if (bytes.size() > snmp::max_message_size) return 0;
  const auto again = snmp::decode(bytes);
  if (!again || !(*again == *decoded)) std::abort();
  if (snmp::encode(*again) != bytes) std::abort();

  for (const snmp::varbind& vb : decoded->pdu.varbinds) {
    (void)snmp::to_display_string(vb.value, 64);
    (void)snmp::type_name(vb.value);
    (void)snmp::as_integer(vb.value);
    (void)vb.name.to_string();
  }
  return 0;
}
