// oid text form, ordering and hashing; value helpers (numbers, bytes, names, display);
// the snmp error category's texts.
#include <gtest/gtest.h>

#include <limits>
#include <unordered_set>

#include "pdu2mqtt/snmp/error.hpp"
#include "pdu2mqtt/snmp/oid.hpp"
#include "pdu2mqtt/snmp/value.hpp"

namespace {

using namespace pdu2mqtt::snmp;

TEST(Oid, ParseAndPrint) {
  auto a = oid::parse("1.3.6.1.4.1.3808");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (oid{1, 3, 6, 1, 4, 1, 3808}));
  auto b = oid::parse(".1.3.6.1.4.1.3808");
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->to_string(), ".1.3.6.1.4.1.3808");
  auto max = oid::parse(".1.3.4294967295");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->back(), 4294967295u);
  EXPECT_EQ(oid{}.to_string(), "");
  auto single = oid::parse("0");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->size(), 1u);
}

TEST(Oid, ParseRejects) {
  for (const char* bad : {"", ".", "1..3", "1.3.", "..1", "1.3a", "1.-3", " 1.3", "1.3 ",
                          "1.3.4294967296", "1.3.99999999999999999999999", "1,3"}) {
    auto r = oid::parse(bad);
    EXPECT_EQ(r.code(), errc::bad_oid) << '"' << bad << '"';
  }
  std::string many = "1";
  for (std::size_t i = 1; i < max_oid_arcs; ++i)
    many += ".1";
  EXPECT_TRUE(oid::parse(many));
  EXPECT_EQ(oid::parse(many + ".1").code(), errc::too_many_oid_arcs);
}

TEST(Oid, OrderIsGetNextOrder) {
  EXPECT_LT((oid{1, 3, 6}), (oid{1, 3, 6, 1}));        // ancestor first
  EXPECT_LT((oid{1, 3, 6, 1, 9}), (oid{1, 3, 6, 2}));  // arc by arc, not by length
  EXPECT_LT((oid{1, 3, 9}), (oid{1, 3, 10}));          // numeric, not textual
}

TEST(Oid, PrefixAndChildren) {
  const oid table{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1};
  const oid cell = table.child({4, 8});
  EXPECT_EQ(cell.size(), table.size() + 2);
  EXPECT_TRUE(cell.starts_with(table));
  EXPECT_TRUE(cell.starts_with(cell));
  EXPECT_FALSE(table.starts_with(cell));
  EXPECT_FALSE(cell.starts_with(oid{1, 3, 6, 2}));
  EXPECT_TRUE(cell.starts_with(oid{}));
  EXPECT_EQ(table.child(4).back(), 4u);
}

TEST(Oid, HashSpreadsTableCells) {
  std::unordered_set<std::size_t> hashes;
  const oid column{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1, 4};
  for (std::uint32_t i = 1; i <= 1000; ++i)
    hashes.insert(oid_hash{}(column.child(i)));
  EXPECT_EQ(hashes.size(), 1000u);
  EXPECT_NE(oid_hash{}(oid{1, 2}), oid_hash{}(oid{2, 1}));
  EXPECT_EQ(
      oid_hash{}(column),
      oid_hash{}(oid(std::vector<std::uint32_t>(column.arcs().begin(), column.arcs().end()))));
}

TEST(Value, AsInteger) {
  EXPECT_EQ(as_integer(value{-5}), -5);
  EXPECT_EQ(as_integer(value{counter32{7}}), 7);
  EXPECT_EQ(as_integer(value{gauge32{4294967295u}}), 4294967295);
  EXPECT_EQ(as_integer(value{time_ticks{100}}), 100);
  EXPECT_EQ(as_integer(value{counter64{9223372036854775807ull}}), 9223372036854775807);
  EXPECT_EQ(as_integer(value{counter64{9223372036854775808ull}}), std::nullopt);
  EXPECT_EQ(as_integer(value{std::string("12")}), std::nullopt);
  EXPECT_EQ(as_integer(value{null_value{}}), std::nullopt);
}

TEST(Value, AsOctetsAndAbsence) {
  EXPECT_EQ(as_octets(value{std::string("abc")}), "abc");
  EXPECT_EQ(as_octets(value{opaque{"xy"}}), "xy");
  EXPECT_EQ(as_octets(value{1}), std::nullopt);
  for (const value& v : {value{null_value{}}, value{no_such_object{}}, value{no_such_instance{}},
                         value{end_of_mib_view{}}}) {
    EXPECT_TRUE(is_absent(v));
  }
  EXPECT_FALSE(is_exception(value{null_value{}}));
  EXPECT_TRUE(is_exception(value{end_of_mib_view{}}));
  EXPECT_FALSE(is_absent(value{0}));
  EXPECT_FALSE(is_absent(value{std::string()}));
}

TEST(Value, TypeNamesAsNetSnmp) {
  EXPECT_EQ(type_name(value{1}), "INTEGER");
  EXPECT_EQ(type_name(value{std::string()}), "STRING");
  EXPECT_EQ(type_name(value{null_value{}}), "NULL");
  EXPECT_EQ(type_name(value{oid{1, 3}}), "OID");
  EXPECT_EQ(type_name(value{ip_address{}}), "IpAddress");
  EXPECT_EQ(type_name(value{counter32{}}), "Counter32");
  EXPECT_EQ(type_name(value{gauge32{}}), "Gauge32");
  EXPECT_EQ(type_name(value{time_ticks{}}), "Timeticks");
  EXPECT_EQ(type_name(value{opaque{}}), "Opaque");
  EXPECT_EQ(type_name(value{counter64{}}), "Counter64");
  EXPECT_EQ(type_name(value{no_such_object{}}), "noSuchObject");
  EXPECT_EQ(type_name(value{no_such_instance{}}), "noSuchInstance");
  EXPECT_EQ(type_name(value{end_of_mib_view{}}), "endOfMibView");
}

TEST(Value, DisplayString) {
  EXPECT_EQ(to_display_string(value{std::string("PDU44005 rack A")}), "PDU44005 rack A");
  EXPECT_EQ(to_display_string(value{std::string("\x00\x1B\xAB", 3)}), "00 1B AB");
  EXPECT_EQ(to_display_string(value{std::string("a\nb")}), "61 0A 62");  // no log forging
  EXPECT_EQ(to_display_string(value{std::string()}), "");
  EXPECT_EQ(to_display_string(value{ip_address{{192, 168, 0, 254}}}), "192.168.0.254");
  EXPECT_EQ(to_display_string(value{oid{1, 3, 6, 1}}), ".1.3.6.1");
  EXPECT_EQ(to_display_string(value{-42}), "-42");
  EXPECT_EQ(to_display_string(value{counter64{18446744073709551615ull}}), "18446744073709551615");
  EXPECT_EQ(to_display_string(value{time_ticks{12345}}), "(12345) 0:02:03.45");
  EXPECT_EQ(to_display_string(value{time_ticks{2 * 8640000 + 360000 + 1}}),
            "(17640001) 2 days, 1:00:00.01");
  EXPECT_EQ(to_display_string(value{null_value{}}), "NULL");
  EXPECT_EQ(to_display_string(value{no_such_instance{}}), "noSuchInstance");
  EXPECT_EQ(to_display_string(value{opaque{"\x01\x02"}}), "01 02");
}

TEST(Value, DisplayStringIsBounded) {
  EXPECT_EQ(to_display_string(value{std::string(10, 'x')}, 10), std::string(10, 'x'));
  EXPECT_EQ(to_display_string(value{std::string(11, 'x')}, 10), std::string(10, 'x') + "\u2026");
  EXPECT_EQ(to_display_string(value{std::string(1000000, 'y')}, 256),
            std::string(256, 'y') + "\u2026");
  // Hex: "00 01 02 0" would be the raw cut; no dangling space before the marker.
  EXPECT_EQ(to_display_string(value{std::string("\x00\x01\x02\x03\x04", 5)}, 9), "00 01 02\u2026");
  EXPECT_EQ(to_display_string(value{std::string(1000000, '\x01')}, 8), "01 01 01\u2026");
  EXPECT_EQ(to_display_string(value{oid{1, 3, 6, 1, 4, 1, 3808}}, 6), ".1.3.6\u2026");
}

TEST(ErrorCategory, NamesAndMessages) {
  EXPECT_STREQ(snmp_category().name(), "snmp");
  const std::error_code ec = errc::not_writable;
  EXPECT_EQ(ec.category(), snmp_category());
  EXPECT_NE(ec.message().find("notWritable"), std::string::npos);
  EXPECT_TRUE(is_error_status(errc::not_writable));
  EXPECT_FALSE(is_error_status(errc::truncated));
  // Every code has its own text; none falls through to "unknown".
  std::unordered_set<std::string> seen;
  std::vector<int> codes;
  for (int i = 1; i <= 18; ++i)
    codes.push_back(i);
  for (int i = 100; i <= static_cast<int>(errc::too_deeply_nested); ++i)
    codes.push_back(i);
  for (int i = 200; i <= static_cast<int>(errc::invalid_request); ++i)
    codes.push_back(i);
  for (const int c : codes) {
    const std::string m = snmp_category().message(c);
    EXPECT_EQ(m.find("unknown"), std::string::npos) << c;
    EXPECT_TRUE(seen.insert(m).second) << c << " " << m;
  }
  EXPECT_NE(snmp_category().message(999).find("unknown"), std::string::npos);
}

}  // namespace
