// Hostile datagrams against the SNMP decoder: lies about lengths, absurd sizes, deep
// nesting, huge OID arcs. Each must fail with its own error code, quickly and cleanly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "unit/codec/codec_test_support.hpp"

namespace {

using namespace pdu2mqtt::snmp;
using codec_test::ascii;
using codec_test::bytes;
using codec_test::cat;
using codec_test::repeat;

using codec_test::wrap;

// A v2c GetRequest around the given varbind-list content.
bytes v2c_get(const bytes& varbind_list_content) {
  const bytes fields = {0x02, 0x01, 0x01,     // request-id 1
                        0x02, 0x01, 0x00,     // error-status
                        0x02, 0x01, 0x00};    // error-index
  return wrap(0x30, cat({{0x02, 0x01, 0x01},  // version v2c
                         {0x04, 0x06},
                         ascii("public"),
                         wrap(0xA0, cat({fields, wrap(0x30, varbind_list_content)}))}));
}

// One varbind .1.3.6.1 = value (a complete TLV).
bytes varbind(const bytes& value_tlv) {
  return wrap(0x30, cat({{0x06, 0x03, 0x2B, 0x06, 0x01}, value_tlv}));
}

errc code_of(const bytes& datagram) {
  return errc(decode(datagram).code().value());
}

TEST(codec_hostile, lengths_larger_than_the_packet) {
  // Outer SEQUENCE claims 200 bytes; 3 follow.
  EXPECT_EQ(code_of({0x30, 0x81, 0xC8, 0x02, 0x01, 0x01}), errc::truncated);
  // A varbind value claiming 60 000 bytes inside an honest message.
  auto m = decode(v2c_get(varbind({0x04, 0x82, 0xEA, 0x60, 'x'})));
  EXPECT_EQ(m.code(), errc::truncated);
  EXPECT_NE(m.err().detail.find("varbind 1"), std::string::npos) << m.err().detail;
  // The community claiming more than the message holds.
  EXPECT_EQ(code_of(wrap(0x30, {0x02, 0x01, 0x01, 0x04, 0x7F, 'p'})), errc::truncated);
}

TEST(codec_hostile, huge_and_negative_lengths) {
  // 0x84 FF FF FF FF: 4 GB. Must be compared, never allocated or added to a pointer.
  EXPECT_EQ(code_of({0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x01}), errc::truncated);
  EXPECT_EQ(code_of(v2c_get(varbind({0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}))), errc::truncated);
  EXPECT_EQ(code_of(v2c_get(varbind({0x04, 0x84, 0x80, 0x00, 0x00, 0x00}))), errc::truncated);
  // 8 length octets, all ones: -1 to a signed 64-bit reader. More than 4 octets is refused.
  EXPECT_EQ(code_of(cat({{0x30, 0x88}, repeat(0xFF, 8), {0x02, 0x01, 0x01}})), errc::bad_length);
  EXPECT_EQ(code_of({0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01}),
            errc::bad_length);
  // 0xFF is reserved (X.690 8.1.3.5 c); 0x80 is indefinite (X.690 8.1.3.6).
  EXPECT_EQ(code_of({0x30, 0xFF, 0x02, 0x01, 0x01}), errc::bad_length);
  EXPECT_EQ(code_of({0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00}), errc::indefinite_length);
  // Length octets cut off by the end of the packet.
  EXPECT_EQ(code_of({0x30, 0x84, 0x00, 0x00}), errc::truncated);
}

TEST(codec_hostile, one_megabyte_string) {
  // An honest 1 MB string: the datagram itself is over the limit, refused unread.
  const bytes big = v2c_get(varbind(cat({{0x04, 0x83, 0x10, 0x00, 0x00}, repeat('A', 1 << 20)})));
  EXPECT_EQ(code_of(big), errc::message_too_large);
  // A small packet that claims a 1 MB string.
  EXPECT_EQ(code_of(v2c_get(varbind({0x04, 0x83, 0x10, 0x00, 0x00, 'A', 'A'}))), errc::truncated);
  // Just under the limit, a single 65 000-byte string decodes.
  const bytes fits = v2c_get(varbind(cat({{0x04, 0x82, 0xFD, 0xE8}, repeat('A', 65000)})));
  ASSERT_LE(fits.size(), max_message_size);
  auto m = decode(fits);
  ASSERT_TRUE(m) << m.err().to_string();
  EXPECT_EQ(std::get<std::string>(m->pdu.varbinds.at(0).value).size(), 65000u);
}

TEST(codec_hostile, ten_thousand_varbinds) {
  // The smallest varbind is 7 bytes (30 05 06 01 2B 05 00), so 10 000 cannot fit a UDP
  // datagram: refused on size before any parsing.
  const bytes tiny = {0x30, 0x05, 0x06, 0x01, 0x2B, 0x05, 0x00};
  bytes list;
  for (int i = 0; i < 10000; ++i)
    list.insert(list.end(), tiny.begin(), tiny.end());
  EXPECT_EQ(code_of(v2c_get(list)), errc::message_too_large);

  // As many as fit (9 300): refused at varbind max_varbinds + 1, counted while reading,
  // so the PDU never holds more than max_varbinds entries.
  list.resize(9300 * tiny.size());
  const bytes packed = v2c_get(list);
  ASSERT_LE(packed.size(), max_message_size);
  const auto start = std::chrono::steady_clock::now();
  auto m = decode(packed);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(m.code(), errc::too_many_varbinds);
  EXPECT_NE(m.err().detail.find("varbind " + std::to_string(max_varbinds + 1)), std::string::npos)
      << m.err().detail;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(codec_hostile, deeply_nested_sequences) {
  // 200 SEQUENCEs as a whole message: the decoder follows the SNMP layout, so it refuses
  // the second one where the version INTEGER belongs, without recursing.
  EXPECT_EQ(code_of(codec_test::nested_sequences(200)), errc::unexpected_tag);
  // The same nesting as a varbind value: not an SNMP value type.
  EXPECT_EQ(code_of(v2c_get(varbind(codec_test::nested_sequences(200)))), errc::unexpected_tag);
  // A generic walk over the raw TLVs stops at ber::max_nesting.
  EXPECT_EQ(codec_test::walk(ber::reader(codec_test::nested_sequences(200))).code(),
            errc::too_deeply_nested);
  // 200 levels of "constructed" PDU-like context tags, same answer.
  bytes contexts;
  for (int i = 0; i < 200; ++i)
    contexts = wrap(0xA0, contexts);
  EXPECT_EQ(codec_test::walk(ber::reader(contexts)).code(), errc::too_deeply_nested);
}

TEST(codec_hostile, oids_with_huge_arcs) {
  auto with_name = [](const bytes& oid_tlv) {
    return v2c_get(wrap(0x30, cat({oid_tlv, {0x05, 0x00}})));
  };
  // 2^32 as the third arc.
  EXPECT_EQ(code_of(with_name({0x06, 0x06, 0x2B, 0x90, 0x80, 0x80, 0x80, 0x00})), errc::bad_oid);
  // 1000 continuation octets: one endless arc, stopped at the first overflow.
  EXPECT_EQ(code_of(with_name(cat({{0x06, 0x82, 0x03, 0xE9, 0x2B}, repeat(0xFF, 999), {0x7F}}))),
            errc::bad_oid);
  // An endless arc that never ends (last octet still has bit 8 set).
  EXPECT_EQ(code_of(with_name({0x06, 0x03, 0x2B, 0x81, 0x81})), errc::bad_oid);
  // 0x80 padding to dodge the overflow check.
  EXPECT_EQ(code_of(with_name(cat({{0x06, 0x0A, 0x2B}, repeat(0x80, 8), {0x01}}))), errc::bad_oid);
  // Huge first sub-identifier: 2.(2^32) cannot be held.
  EXPECT_EQ(code_of(with_name({0x06, 0x05, 0x90, 0x80, 0x80, 0x80, 0x50})), errc::bad_oid);
  // 5000 arcs of 1.
  EXPECT_EQ(code_of(with_name(cat({{0x06, 0x82, 0x13, 0x89, 0x2B}, repeat(0x01, 5000)}))),
            errc::too_many_oid_arcs);
  // The same in a value position (sysObjectID-like).
  EXPECT_EQ(code_of(v2c_get(varbind({0x06, 0x06, 0x2B, 0x90, 0x80, 0x80, 0x80, 0x00}))),
            errc::bad_oid);
}

TEST(codec_hostile, junk_never_crashes) {
  // A cheap stand-in for the fuzzer in the regular suite: deterministic pseudo-random
  // bytes, and the golden GetRequest with random byte flips. Only clean failures allowed.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const bytes base = v2c_get(cat({varbind({0x02, 0x01, 0x05}), varbind({0x04, 0x02, 'h', 'i'}),
                                  varbind({0x41, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF})}));
  for (int i = 0; i < 20000; ++i) {
    bytes b = base;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f)
      b[next() % b.size()] = static_cast<std::uint8_t>(next());
    if (auto m = decode(b)) {
      auto again = decode(encode(*m));
      ASSERT_TRUE(again) << again.err().to_string();
      EXPECT_EQ(*again, *m);
    }
    bytes junk(next() % 64);
    for (auto& c : junk)
      c = static_cast<std::uint8_t>(next());
    (void)decode(junk);
  }
}

}  // namespace
