// libFuzzer target: arbitrary bytes through ber::reader, descending into every constructed
// TLV (to max_nesting) and decoding every TLV as a value. A value that decodes must
// re-encode and decode to itself.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "pdu2mqtt/snmp/ber.hpp"

namespace snmp = pdu2mqtt::snmp;
namespace ber = pdu2mqtt::snmp::ber;

namespace {

void check_value(const ber::tlv& t) {
  const auto v = ber::decode_value(t);
  if (!v) return;
  std::vector<std::uint8_t> out;
  ber::writer w(out);
  w.value(*v);
  ber::reader r(out);
  const auto back = r.next();
  if (!back || !r.empty()) std::abort();
  const auto again = ber::decode_value(*back);
  if (!again || !(*again == *v)) std::abort();
  (void)snmp::to_display_string(*v, 32);
}

void walk(ber::reader r) {
  while (!r.empty()) {
    const auto t = r.next();
    if (!t) {
      (void)t.err().to_string();
      return;
    }
    // Bounds the reader promised: content inside the buffer, offsets consistent.
    if (t->content_offset < t->offset || t->depth == 0) std::abort();
    check_value(*t);
    (void)ber::decode_signed(t->content, 8);
    (void)ber::decode_unsigned(t->content, 64);
    if (t->tag & 0x20) walk(ber::reader::inside(*t));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  walk(ber::reader(std::span<const std::uint8_t>(data, size)));
  return 0;
}
