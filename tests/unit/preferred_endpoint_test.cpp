// Which of a PDU host name's addresses the bridge, the web page's probe and the CLI talk to:
// IPv4 when there is one, else IPv6.
#include <gtest/gtest.h>

#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::snmp {
namespace {

using asio::ip::make_address;
using asio::ip::udp;

TEST(preferred_endpoint, ipv4_first_else_the_first_ipv6_else_none) {
  const udp::endpoint v6a(make_address("fd00::5"), 161);
  const udp::endpoint v6b(make_address("::1"), 161);
  const udp::endpoint v4(make_address("10.0.0.5"), 161);
  EXPECT_EQ(preferred_endpoint(std::vector{v6a, v4, v6b}), v4);
  EXPECT_EQ(preferred_endpoint(std::vector{v6a, v6b}), v6a);
  EXPECT_EQ(preferred_endpoint(std::vector{v4}), v4);
  EXPECT_EQ(preferred_endpoint(std::vector<udp::endpoint>{}), std::nullopt);
}

TEST(preferred_endpoint, takes_resolver_results) {
  asio::io_context io;
  udp::resolver resolver(io);
  std::error_code ec;
  const auto found = resolver.resolve("::1", "161", udp::resolver::numeric_host, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(preferred_endpoint(found), udp::endpoint(make_address("::1"), 161));
}

}  // namespace
}  // namespace pdu2mqtt::snmp
