// The web page's request checks: the basic-auth value (RFC 7617's own example), constant-time
// comparison, the Host check against DNS rebinding, and PDU id suggestions for the form.
#include <gtest/gtest.h>

#include "pdu2mqtt/app/config.hpp"
#include "pdu2mqtt/web/request_guard.hpp"

namespace pdu2mqtt::web {
namespace {

TEST(request_guard, basic_authorization_is_rfc_7617) {
  EXPECT_EQ(basic_authorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic_authorization("a", ""), "Basic YTo=");
}

TEST(request_guard, same_secret_compares_whole_values) {
  EXPECT_TRUE(same_secret("Basic abc", "Basic abc"));
  EXPECT_FALSE(same_secret("Basic abd", "Basic abc"));
  EXPECT_FALSE(same_secret("Basic ab", "Basic abc"));
  EXPECT_FALSE(same_secret("", "Basic abc"));
}

TEST(request_guard, host_allowed_takes_addresses_localhost_and_listed_names) {
  const std::vector<std::string> allowed = {"pdu-bridge.lan"};
  for (const char* ok :
       {"127.0.0.1:8080", "127.0.0.1", "[::1]:8080", "localhost:8080", "LOCALHOST",
        "192.168.1.20:80", "pdu-bridge.lan:8080", "PDU-Bridge.LAN", "localhost.:8080"}) {
    EXPECT_TRUE(host_allowed(ok, allowed)) << ok;
  }
  for (const char* refused : {"evil.example:8080", "", ":8080", "[::1", "::1:80",
                              "pdu-bridge.lan.evil.example", "127.0.0.1.nip.io:8080"}) {
    EXPECT_FALSE(host_allowed(refused, allowed)) << refused;
  }
}

TEST(suggest_pdu_id, from_the_name_else_the_address_never_a_taken_one) {
  using app::suggest_pdu_id;
  EXPECT_EQ(suggest_pdu_id("Rack A (top)", "10.0.0.5", {}), "rack-a-top");
  EXPECT_EQ(suggest_pdu_id("", "10.0.0.5", {}), "pdu-10-0-0-5");
  EXPECT_EQ(suggest_pdu_id("***", "pdu.lan", {}), "pdu-pdu-lan");
  EXPECT_EQ(suggest_pdu_id("rack", "x", {"RACK", "rack-2"}), "rack-3");
}

}  // namespace
}  // namespace pdu2mqtt::web
