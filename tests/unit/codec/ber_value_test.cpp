// Golden BER encodings of every SNMP value type (X.690, RFC 2578), both directions, and
// the content-level rejections of the value decoder.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "codec_test_support.hpp"
#include "pdu2mqtt/snmp/ber.hpp"

namespace {

using namespace pdu2mqtt::snmp;
using codec_test::ascii;
using codec_test::bytes;
using codec_test::cat;
using codec_test::repeat;

struct golden {
  value v;
  bytes expected;
};

// Encodes to exactly `expected`, and `expected` decodes back to the same value.
void check(const golden& g) {
  SCOPED_TRACE(to_display_string(g.v));
  EXPECT_EQ(codec_test::encode_value(g.v), g.expected);
  auto back = codec_test::decode_value(g.expected);
  ASSERT_TRUE(back) << back.err().to_string();
  EXPECT_EQ(*back, g.v);
}

TEST(BerInteger, Golden) {
  const golden cases[] = {
      {0, {0x02, 0x01, 0x00}},                    // INTEGER, 1 octet: zero still needs one
      {-1, {0x02, 0x01, 0xFF}},                   // all ones
      {127, {0x02, 0x01, 0x7F}},                  // largest one-octet positive
      {128, {0x02, 0x02, 0x00, 0x80}},            // 0x00 keeps the sign bit clear
      {-128, {0x02, 0x01, 0x80}},                 // smallest one-octet negative
      {-129, {0x02, 0x02, 0xFF, 0x7F}},           // sign octet 0xFF
      {256, {0x02, 0x02, 0x01, 0x00}},            //
      {std::numeric_limits<std::int32_t>::min(),  //
       {0x02, 0x04, 0x80, 0x00, 0x00, 0x00}},     // -2^31
      {std::numeric_limits<std::int32_t>::max(),  //
       {0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF}},     // 2^31-1
  };
  for (const golden& g : cases)
    check(g);
}

TEST(BerInteger, AcceptsRedundantSignOctetWhenTheValueFits) {
  // 5 octets: 00 7F FF FF FF is 2^31-1 with a needless 0x00; 4-octet 00 00 00 01 is 1.
  auto a = codec_test::decode_value(bytes{0x02, 0x05, 0x00, 0x7F, 0xFF, 0xFF, 0xFF});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, value{std::numeric_limits<std::int32_t>::max()});
  auto b = codec_test::decode_value(bytes{0x02, 0x04, 0x00, 0x00, 0x00, 0x01});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, value{1});
  auto c = codec_test::decode_value(bytes{0x02, 0x05, 0xFF, 0x80, 0x00, 0x00, 0x00});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, value{std::numeric_limits<std::int32_t>::min()});
}

TEST(BerInteger, Rejects) {
  // 2^31 needs 5 octets and does not fit 32-bit signed.
  EXPECT_EQ(codec_test::decode_value(bytes{0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00}).code(),
            errc::integer_overflow);
  // -2^31-1
  EXPECT_EQ(codec_test::decode_value(bytes{0x02, 0x05, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF}).code(),
            errc::integer_overflow);
  // 6 content octets, even if the value would be small.
  EXPECT_EQ(codec_test::decode_value(bytes{0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}).code(),
            errc::integer_overflow);
  // X.690 8.3.1: at least one content octet.
  EXPECT_EQ(codec_test::decode_value(bytes{0x02, 0x00}).code(), errc::bad_length);
}

TEST(BerInteger, SignedAndUnsignedContentDecoders) {
  const bytes minus_two{0xFE};
  EXPECT_EQ(*ber::decode_signed(minus_two, 8), -2);
  const bytes int64_min{0x80, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(*ber::decode_signed(int64_min, 8), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(ber::decode_signed(bytes(9, 0), 9).code(), errc::integer_overflow);
  const bytes u{0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(*ber::decode_unsigned(u, 32), 0xFFFFFFFFu);
  EXPECT_EQ(ber::decode_unsigned(bytes{0x01, 0x00, 0x00, 0x00, 0x00}, 32).code(),
            errc::integer_overflow);
  // Widths that are not whole octets are checked bit by bit.
  EXPECT_EQ(*ber::decode_unsigned(bytes{0x0F, 0xFF}, 12), 0xFFFu);
  EXPECT_EQ(ber::decode_unsigned(bytes{0x1F, 0xFF}, 12).code(), errc::integer_overflow);
}

TEST(BerOctetString, Golden) {
  check({std::string{}, {0x04, 0x00}});  // OCTET STRING, empty
  check({std::string("public"), cat({{0x04, 0x06}, ascii("public")})});
  // 127 bytes: the last length that fits the short form (X.690 8.1.3.4).
  check({std::string(127, 'a'), cat({{0x04, 0x7F}, repeat('a', 127)})});
  // 128 bytes: long form, one length octet (X.690 8.1.3.5).
  check({std::string(128, 'b'), cat({{0x04, 0x81, 0x80}, repeat('b', 128)})});
  // 300 bytes: two length octets 0x01 0x2C.
  check({std::string(300, 'c'), cat({{0x04, 0x82, 0x01, 0x2C}, repeat('c', 300)})});
  // Bytes, not text: NULs and high bytes survive.
  check({std::string("\x00\xFF", 2), {0x04, 0x02, 0x00, 0xFF}});
}

TEST(BerOctetString, AcceptsNonMinimalLongFormLength) {
  // net-snmp and real agents send 0x81 0x05 for 5: BER allows it (X.690 8.1.3.5).
  auto v = codec_test::decode_value(cat({{0x04, 0x81, 0x05}, ascii("hello")}));
  ASSERT_TRUE(v) << v.err().to_string();
  EXPECT_EQ(*v, value{std::string("hello")});
  auto w = codec_test::decode_value(cat({{0x04, 0x84, 0x00, 0x00, 0x00, 0x02}, ascii("hi")}));
  ASSERT_TRUE(w) << w.err().to_string();
  EXPECT_EQ(*w, value{std::string("hi")});
}

TEST(BerNull, Golden) {
  check({null_value{}, {0x05, 0x00}});  // NULL, no content (X.690 8.8.2)
  EXPECT_EQ(codec_test::decode_value(bytes{0x05, 0x01, 0x00}).code(), errc::bad_length);
}

TEST(BerOid, Golden) {
  // .1.3.6.1.4.1.3808.1.1.3 (CyberPower ePDU): 1.3 -> 40*1+3 = 43 = 0x2B; 3808 = 29*128 + 96
  // -> 0x9D 0x60.
  // clang-format off
  check({oid{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3},
         {0x06, 0x0A,               // OBJECT IDENTIFIER, 10 octets
          0x2B,                     //   1.3
          0x06, 0x01, 0x04, 0x01,   //   6.1.4.1
          0x9D, 0x60,               //   3808
          0x01, 0x01, 0x03}});      //   1.1.3
  check({oid{1, 3, 127},   {0x06, 0x02, 0x2B, 0x7F}});              // 127: one octet
  check({oid{1, 3, 128},   {0x06, 0x03, 0x2B, 0x81, 0x00}});        // 128: 0x81 0x00
  check({oid{1, 3, 16383}, {0x06, 0x03, 0x2B, 0xFF, 0x7F}});        // 2^14-1: two octets
  check({oid{1, 3, 16384}, {0x06, 0x04, 0x2B, 0x81, 0x80, 0x00}});  // 2^14: three
  check({oid{1, 3, 0xFFFFFFFF},
         {0x06, 0x06, 0x2B, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F}});        // 2^32-1: five octets
  check({oid{0, 0},  {0x06, 0x01, 0x00}});                          // 0.0 -> 0
  check({oid{1, 39}, {0x06, 0x01, 0x4F}});                          // 1.39 -> 79
  // clang-format on
  // X.690 8.19.4: with X = 2, Y may pass 39; 2.999 -> 80 + 999 = 1079 = 8*128 + 55.
  check({oid{2, 999, 3}, {0x06, 0x03, 0x88, 0x37, 0x03}});
  // 2.(2^32-1): first sub-identifier 2^32+79 is still accepted.
  check({oid{2, 0xFFFFFFFF}, {0x06, 0x05, 0x90, 0x80, 0x80, 0x80, 0x4F}});
}

TEST(BerOid, Rejects) {
  auto code = [](bytes b) { return codec_test::decode_value(b).code(); };
  EXPECT_EQ(code({0x06, 0x00}), errc::bad_oid);                    // empty
  EXPECT_EQ(code({0x06, 0x03, 0x2B, 0x80, 0x01}), errc::bad_oid);  // 0x80 padding
  EXPECT_EQ(code({0x06, 0x02, 0x2B, 0x81}), errc::bad_oid);        // last octet continues
  EXPECT_EQ(code({0x06, 0x06, 0x2B, 0x90, 0x80, 0x80, 0x80, 0x00}), errc::bad_oid);  // 2^32
  // 2.(2^32): first sub-identifier 2^32+80 overflows the second arc.
  EXPECT_EQ(code({0x06, 0x05, 0x90, 0x80, 0x80, 0x80, 0x50}), errc::bad_oid);
  // Ten 0xFF octets: must stop at the overflow, not wrap around.
  EXPECT_EQ(code(cat({{0x06, 0x0B, 0x2B}, repeat(0xFF, 9), {0x7F}})), errc::bad_oid);
  // 128 arcs are fine (1.3 + 126 more), 129 are not (RFC 2578 3.5).
  EXPECT_TRUE(codec_test::decode_value(cat({{0x06, 0x7F, 0x2B}, repeat(0x01, 126)})));
  EXPECT_EQ(code(cat({{0x06, 0x80 | 1, 0x80, 0x2B}, repeat(0x01, 127)})), errc::too_many_oid_arcs);
}

TEST(BerOid, EncoderRefusesOidsWithoutAnEncoding) {
  bytes out;
  ber::writer w(out);
  EXPECT_THROW(w.object_identifier(oid{}), std::invalid_argument);
  EXPECT_THROW(w.object_identifier(oid{1}), std::invalid_argument);
  EXPECT_THROW(w.object_identifier(oid{3, 1}), std::invalid_argument);
  EXPECT_THROW(w.object_identifier(oid{1, 40}), std::invalid_argument);
  EXPECT_NO_THROW(w.object_identifier(oid{2, 40}));
}

TEST(BerIpAddress, Golden) {
  check({ip_address{{192, 168, 1, 20}}, {0x40, 0x04, 0xC0, 0xA8, 0x01, 0x14}});  // [APP 0], 4
  EXPECT_EQ(codec_test::decode_value(bytes{0x40, 0x03, 1, 2, 3}).code(), errc::bad_length);
  EXPECT_EQ(codec_test::decode_value(bytes{0x40, 0x05, 1, 2, 3, 4, 5}).code(), errc::bad_length);
}

TEST(BerUnsigned, Golden) {
  check({counter32{0}, {0x41, 0x01, 0x00}});  // Counter32 [APP 1], one octet
  // 2^32-1 needs the 0x00 in front, else it would read as -1.
  check({counter32{0xFFFFFFFF}, {0x41, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}});
  check({gauge32{1234}, {0x42, 0x02, 0x04, 0xD2}});  // Gauge32 [APP 2]
  check({gauge32{0x80000000}, {0x42, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00}});
  check({time_ticks{360000}, {0x43, 0x03, 0x05, 0x7E, 0x40}});  // TimeTicks [APP 3], 1 hour
  check({counter64{0}, {0x46, 0x01, 0x00}});                    // Counter64 [APP 6]
  // 2^64-1: 0x00 then eight 0xFF.
  check({counter64{std::numeric_limits<std::uint64_t>::max()},
         cat({{0x46, 0x09, 0x00}, repeat(0xFF, 8)})});
}

TEST(BerUnsigned, AcceptsHighBitWithoutLeadingZero) {
  // Some firmware writes Gauge32 3000000000 as four octets B2 D0 5E 00: take the bits.
  auto v = codec_test::decode_value(bytes{0x42, 0x04, 0xB2, 0xD0, 0x5E, 0x00});
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, value{gauge32{3000000000u}});
  auto c = codec_test::decode_value(bytes{0x41, 0x01, 0xC8});  // 200, not -56
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, value{counter32{200}});
  auto big = codec_test::decode_value(cat({{0x46, 0x08}, repeat(0xFF, 8)}));
  ASSERT_TRUE(big);
  EXPECT_EQ(*big, value{counter64{std::numeric_limits<std::uint64_t>::max()}});
}

TEST(BerUnsigned, Rejects) {
  auto code = [](bytes b) { return codec_test::decode_value(b).code(); };
  EXPECT_EQ(code({0x41, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00}), errc::integer_overflow);  // 2^32
  EXPECT_EQ(code({0x42, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}), errc::integer_overflow);
  EXPECT_EQ(code(cat({{0x46, 0x09, 0x01}, repeat(0x00, 8)})), errc::integer_overflow);  // 2^64
  EXPECT_EQ(code(cat({{0x46, 0x0A}, repeat(0x00, 10)})), errc::integer_overflow);
  EXPECT_EQ(code({0x43, 0x00}), errc::bad_length);
}

TEST(BerOpaque, Golden) {
  // Opaque [APP 4]: bytes kept as they are (net-snmp wraps floats in it; we do not look).
  check({opaque{std::string("\x9F\x78\x04\x3F\x80\x00\x00", 7)},
         {0x44, 0x07, 0x9F, 0x78, 0x04, 0x3F, 0x80, 0x00, 0x00}});
}

TEST(BerExceptions, Golden) {
  check({no_such_object{}, {0x80, 0x00}});    // [CONTEXT 0] IMPLICIT NULL
  check({no_such_instance{}, {0x81, 0x00}});  // [CONTEXT 1]
  check({end_of_mib_view{}, {0x82, 0x00}});   // [CONTEXT 2]
  EXPECT_EQ(codec_test::decode_value(bytes{0x81, 0x01, 0x00}).code(), errc::bad_length);
}

TEST(BerValue, RejectsTypesThatAreNotValues) {
  auto code = [](bytes b) { return codec_test::decode_value(b).code(); };
  EXPECT_EQ(code({0x30, 0x00}), errc::unexpected_tag);  // SEQUENCE
  EXPECT_EQ(code({0x24, 0x00}), errc::unexpected_tag);  // constructed OCTET STRING
  EXPECT_EQ(code({0x45, 0x00}), errc::unexpected_tag);  // NsapAddress (RFC 1442), never used
  EXPECT_EQ(code({0x83, 0x00}), errc::unexpected_tag);
  EXPECT_EQ(code({0x1F, 0x81, 0x00, 0x00}), errc::unexpected_tag);  // high-tag-number form
}

TEST(BerReader, Lengths) {
  auto code = [](bytes b) {
    ber::reader r(b);
    return r.next().code();
  };
  EXPECT_EQ(code({}), errc::truncated);
  EXPECT_EQ(code({0x04}), errc::truncated);                            // tag only
  EXPECT_EQ(code({0x04, 0x80, 0x00, 0x00}), errc::indefinite_length);  // X.690 8.1.3.6
  EXPECT_EQ(code({0x04, 0xFF, 0x00}), errc::bad_length);               // reserved 0xFF
  EXPECT_EQ(code({0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}), errc::bad_length);  // 5 octets
  EXPECT_EQ(code({0x04, 0x82, 0x01}), errc::truncated);        // length octets cut off
  EXPECT_EQ(code({0x04, 0x03, 0x61, 0x62}), errc::truncated);  // content cut off
  EXPECT_EQ(code({0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}), errc::truncated);  // 4 GB
}

TEST(BerReader, ErrorDetailSaysWhatAndWhere) {
  const bytes b{0x30, 0x04, 0x04, 0x09, 0x61, 0x62};
  ber::reader outer(b);
  auto seq = outer.next();
  ASSERT_TRUE(seq);
  ber::reader inner = ber::reader::inside(*seq);
  EXPECT_EQ(inner.offset(), 2u);
  auto s = inner.next();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.err().detail, "OCTET STRING (0x04): length 9 exceeds the 2 bytes left at offset 4");

  ber::reader again(b);
  auto wrong = again.expect(ber::tag::integer);
  EXPECT_EQ(wrong.code(), errc::unexpected_tag);
  EXPECT_EQ(wrong.err().detail, "expected INTEGER (0x02) at offset 0, found SEQUENCE (0x30)");
}

TEST(BerReader, OffsetsStayRelativeToTheOuterBuffer) {
  // SEQUENCE with a long-form length, so the header is 3 octets, around NULL.
  const bytes b = cat({{0x30, 0x81, 0x02}, {0x05, 0x00}});
  ber::reader r(b);
  auto seq = r.next();
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->offset, 0u);
  EXPECT_EQ(seq->content_offset, 3u);
  EXPECT_EQ(seq->depth, 1u);
  ber::reader in = ber::reader::inside(*seq);
  auto n = in.next();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->offset, 3u);
  EXPECT_EQ(n->depth, 2u);
  EXPECT_TRUE(in.empty());
}

TEST(BerReader, NestingLimit) {
  // max_nesting levels are walked; one more is refused.
  EXPECT_TRUE(codec_test::walk(ber::reader(codec_test::nested_sequences(ber::max_nesting))));
  EXPECT_EQ(
      codec_test::walk(ber::reader(codec_test::nested_sequences(ber::max_nesting + 1))).code(),
      errc::too_deeply_nested);
}

TEST(BerWriter, EndConstructedPatchesLongFormLengths) {
  for (const std::size_t n : {0, 1, 125, 126, 127, 128, 253, 254, 255, 256, 65531, 65532, 70000}) {
    SCOPED_TRACE(n);
    bytes out{0xEE};  // something already in the buffer must stay put
    ber::writer w(out);
    const auto mark = w.begin_constructed(ber::tag::sequence);
    w.octets(std::string(n, 'x'));
    w.end_constructed(mark);
    ASSERT_EQ(out[0], 0xEE);
    ber::reader r(std::span<const std::uint8_t>(out).subspan(1));
    auto seq = r.expect(ber::tag::sequence);
    ASSERT_TRUE(seq) << seq.err().to_string();
    EXPECT_TRUE(r.empty());
    ber::reader in = ber::reader::inside(*seq);
    auto s = in.expect(ber::tag::octet_string);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->content.size(), n);
    // Minimal length octets: content length L of the SEQUENCE decides 1, 2, 3 or 4 octets.
    const std::size_t len = seq->content.size();
    const std::size_t header = len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
    EXPECT_EQ(seq->content_offset, header);  // the reader starts after the 0xEE
  }
}

TEST(BerWriter, Int64Minimal) {
  bytes out;
  ber::writer w(out);
  w.integer(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(out, cat({{0x02, 0x08, 0x80}, repeat(0x00, 7)}));
}

}  // namespace
