// The "http" section (the web page) and parse_pdu_entry (PDUs added from the page): defaults,
// refusals naming key and file, the password's sources, and that it never shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pdu2mqtt/app/config.hpp"

namespace pdu2mqtt::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

result<bridge_config> parse(std::string_view text, const environment& env = empty_environment()) {
  return parse_config(text, "/etc/pdu2mqtt/config.json", env);
}

std::string error_of(std::string_view text) {
  const auto parsed = parse(text);
  EXPECT_FALSE(parsed) << "accepted: " << text;
  return parsed ? std::string() : parsed.err().detail;
}

std::string with_http(std::string_view http) {
  return R"({"pdus": [], "http": )" + std::string(http) + "}";
}

TEST(config_http, is_off_unless_the_section_is_there) {
  const auto parsed = parse(R"({"pdus": []})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_FALSE(parsed->http.enabled);
}

TEST(config_http, an_empty_section_serves_loopback_port_8080) {
  const auto parsed = parse(with_http("{}"));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_TRUE(parsed->http.enabled);
  EXPECT_EQ(parsed->http.host, "127.0.0.1");
  EXPECT_EQ(parsed->http.port, 8080);
  EXPECT_EQ(parsed->http.username, "admin");
  EXPECT_TRUE(parsed->http.password.empty());
  EXPECT_FALSE(parsed->http.read_only);
}

TEST(config_http, listen_takes_a_port_an_address_and_port_or_bracketed_ipv6) {
  struct example {
    const char* listen;
    const char* host;
    std::uint16_t port;
  };
  for (const auto& e : {example{"9000", "127.0.0.1", 9000}, example{"0.0.0.0:80", "0.0.0.0", 80},
                        example{"[::1]:8081", "::1", 8081}, example{"localhost:0", "127.0.0.1", 0},
                        example{"192.168.1.4:8080", "192.168.1.4", 8080}}) {
    const auto parsed = parse(with_http(R"({"listen": ")" + std::string(e.listen) + R"("})"));
    ASSERT_TRUE(parsed) << e.listen << ": " << parsed.err().to_string();
    EXPECT_EQ(parsed->http.host, e.host) << e.listen;
    EXPECT_EQ(parsed->http.port, e.port) << e.listen;
  }
}

TEST(config_http, refusals_name_the_file_and_the_key) {
  EXPECT_EQ(error_of(with_http(R"({"listen": "pdu.example:80"})")),
            "/etc/pdu2mqtt/config.json: http.listen: must be PORT or ADDRESS:PORT with an IP "
            "address, e.g. \"127.0.0.1:8080\" (got \"pdu.example:80\")");
  EXPECT_EQ(error_of(with_http(R"({"listen": "127.0.0.1:99999"})")),
            "/etc/pdu2mqtt/config.json: http.listen: must end in a port number 0-65535 (got "
            "\"127.0.0.1:99999\")");
  EXPECT_THAT(error_of(with_http(R"({"listen": "::1:80"})")), HasSubstr("needs brackets"));
  EXPECT_EQ(error_of(with_http(R"({"listne": "80"})")),
            "/etc/pdu2mqtt/config.json: http.listne: unknown key; did you mean \"listen\"?");
  EXPECT_THAT(error_of(with_http(R"({"username": "a:b"})")),
              HasSubstr("http.username: must not contain ':'"));
  EXPECT_THAT(error_of(with_http(R"({"read_only": "yes"})")),
              HasSubstr("http.read_only: must be true or false"));
  EXPECT_THAT(error_of(with_http(R"({"allowed_hosts": "a.lan"})")),
              HasSubstr("http.allowed_hosts: must be an array of host names"));
  EXPECT_THAT(error_of(with_http(R"({"password_file": "/nonexistent/web.pw"})")),
              HasSubstr("http.password_file"));
  EXPECT_THAT(error_of(with_http("[]")), HasSubstr("http: must be an object"));
}

TEST(config_http, the_password_comes_from_its_file_or_the_environment_and_never_shows) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pdu2mqtt-http-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "web.pw") << "correct horse battery\n";
  const std::string text = with_http(R"({"password_file": "web.pw", "username": "ops"})");
  auto parsed = parse_config(text, (dir / "config.json").string(), empty_environment());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->http.password, "correct horse battery");
  EXPECT_EQ(parsed->http.username, "ops");
  const auto shown = redacted_json(*parsed).dump();
  EXPECT_THAT(shown, Not(HasSubstr("correct horse")));
  EXPECT_EQ(redacted_json(*parsed)["http"]["password"], "***");

  parsed = parse_config(text, (dir / "config.json").string(),
                        environment_from({{std::string(env_http_password), "from the env"}}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->http.password, "from the env");
  std::filesystem::remove_all(dir);
}

TEST(config_http, allowed_hosts_are_kept_in_lower_case) {
  const auto parsed = parse(with_http(R"({"allowed_hosts": ["PDU-Bridge.LAN"]})"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->http.allowed_hosts, std::vector<std::string>{"pdu-bridge.lan"});
}

TEST(parse_pdu_entry, validates_like_a_file_entry) {
  const auto pdu =
      parse_pdu_entry(R"({"id": "rack-b", "host": "10.0.0.9", "snmp": {"community": "ro"}})",
                      "web page", {"rack-a"}, empty_environment());
  ASSERT_TRUE(pdu) << pdu.err().to_string();
  EXPECT_EQ(pdu->id, "rack-b");
  EXPECT_EQ(pdu->name, "rack-b");
  EXPECT_EQ(pdu->snmp.community, "ro");
  EXPECT_EQ(pdu->port, 161);
}

TEST(parse_pdu_entry, refuses_with_the_origin_and_the_key) {
  auto bad = [](std::string_view text, std::vector<std::string> taken = {}) {
    const auto pdu = parse_pdu_entry(text, "web page", taken, empty_environment());
    EXPECT_FALSE(pdu) << text;
    return pdu ? std::string() : pdu.err().detail;
  };
  EXPECT_EQ(bad(R"({"id": "x", "host": "a b"})"),
            "web page: pdu.host: must be a host name or address (got \"a b\")");
  EXPECT_EQ(bad(R"({"id": "x"})"), "web page: pdu: missing required key \"host\"");
  EXPECT_EQ(bad(R"({"id": "RACK-A", "host": "10.0.0.1"})", {"rack-a"}),
            "web page: pdu.id: duplicate id \"RACK-A\": the running bridge has it already (ids "
            "are compared ignoring case)");
  EXPECT_THAT(bad(R"({"id": "x", "host": "10.0.0.1", "snmp": {"community": ""}})"),
              HasSubstr("pdu.snmp.community: must not be empty"));
  EXPECT_THAT(bad("not json"), HasSubstr("web page:"));
  EXPECT_THAT(bad("[]"), HasSubstr("must be an object"));
}

}  // namespace
}  // namespace pdu2mqtt::app
