// Config loading: defaults, every refusal with its exact one-line message, environment
// overrides, password files, and that secrets stay out of messages and bridge/info.
#include "pdu2mqtt/app/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pdu2mqtt::app {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

result<bridge_config> parse(std::string_view text, const environment& env = empty_environment()) {
  return parse_config(text, "config.json", env);
}

// The error line for text; a test failure when it parses.
std::string error_of(std::string_view text, const environment& env = empty_environment()) {
  const auto parsed = parse(text, env);
  EXPECT_FALSE(parsed) << "accepted: " << text;
  return parsed ? std::string() : parsed.err().detail;
}

// One PDU with the required keys, plus extra members.
std::string one_pdu(std::string_view extra = "") {
  std::string pdu = R"({"pdus": [{"id": "rack-a", "host": "10.0.0.5")";
  if (!extra.empty()) pdu += ", " + std::string(extra);
  return pdu + "}]}";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::filesystem::path config_dir =
    std::filesystem::path(PDU2MQTT_FIXTURES).parent_path().parent_path() / "config";

// A scratch directory removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("pdu2mqtt-config-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path write(const std::string& name, std::string_view content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------------
// Accepted configurations

TEST(config, empty_object_gives_every_default_and_no_pdus) {
  const auto parsed = parse("{}");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const bridge_config& c = *parsed;
  EXPECT_EQ(c.mqtt.url, "mqtt://127.0.0.1:1883");
  EXPECT_EQ(c.mqtt.broker, (mqtt::broker_address{"127.0.0.1", 1883, false}));
  EXPECT_EQ(c.mqtt.client_id, "pdu2mqtt");
  EXPECT_EQ(c.mqtt.username, "");
  EXPECT_EQ(c.mqtt.password, "");
  EXPECT_EQ(c.mqtt.password_file, "");
  EXPECT_EQ(c.mqtt.base_topic, "pdu2mqtt");
  EXPECT_EQ(c.mqtt.discovery_prefix, "homeassistant");
  EXPECT_EQ(c.mqtt.keepalive, 30s);
  EXPECT_EQ(c.mqtt.qos, 1);
  EXPECT_TRUE(c.mqtt.discovery);
  EXPECT_EQ(c.mqtt.discovery_mode, ha::discovery_mode::device);
  EXPECT_TRUE(c.mqtt.retain_state);
  EXPECT_TRUE(c.pdus.empty());
  EXPECT_EQ(c.logging.level, log_level::info);
  EXPECT_EQ(c.logging.format, log_format::text);
  EXPECT_EQ(c, bridge_config{});
}

TEST(config, pdu_defaults_are_applied) {
  const auto parsed = parse(one_pdu());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  ASSERT_EQ(parsed->pdus.size(), 1u);
  const pdu_config& p = parsed->pdus[0];
  EXPECT_EQ(p.id, "rack-a");
  EXPECT_EQ(p.name, "rack-a");  // the id
  EXPECT_EQ(p.host, "10.0.0.5");
  EXPECT_EQ(p.port, 161);
  EXPECT_EQ(p.snmp.version, snmp::version::v2c);
  EXPECT_EQ(p.snmp.community, "public");
  EXPECT_EQ(p.snmp.write_community, "private");
  EXPECT_EQ(p.snmp.timeout, 1000ms);
  EXPECT_EQ(p.snmp.retries, 2);
  EXPECT_EQ(p.poll_interval, 5000ms);
  EXPECT_EQ(p.max_varbinds, 10u);
  EXPECT_EQ(p.offline_after_failures, 3);
  EXPECT_EQ(p.command_timeout, 10000ms);
  EXPECT_FALSE(p.read_only);
  EXPECT_TRUE(p.protected_outlets.empty());
}

TEST(config, every_key_is_read) {
  const auto parsed = parse(R"({
    "mqtt": {"url": "mqtts://broker.lan", "client_id": "bridge-2", "username": "pdu",
             "password": "pw", "base_topic": "lab/pdus", "discovery_prefix": "ha",
             "keepalive_s": 60, "qos": 0, "discovery": false, "discovery_mode": "entity",
             "retain_state": false},
    "pdus": [{"id": "rack-b", "name": "Rack B", "host": "pdu-b.lan", "port": 1161,
              "snmp": {"version": "1", "community": "ro", "write_community": "rw",
                       "timeout_ms": 250, "retries": 0},
              "poll_interval_ms": 100, "max_varbinds": 64, "offline_after_failures": 100,
              "command_timeout_ms": 600000, "read_only": true, "protected_outlets": [3, 1]}],
    "log_level": "trace", "log_format": "json"})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const auto& m = parsed->mqtt;
  EXPECT_EQ(m.broker, (mqtt::broker_address{"broker.lan", 8883, true}));
  EXPECT_EQ(m.client_id, "bridge-2");
  EXPECT_EQ(m.username, "pdu");
  EXPECT_EQ(m.password, "pw");
  EXPECT_EQ(m.base_topic, "lab/pdus");
  EXPECT_EQ(m.discovery_prefix, "ha");
  EXPECT_EQ(m.keepalive, 60s);
  EXPECT_EQ(m.qos, 0);
  EXPECT_FALSE(m.discovery);
  EXPECT_EQ(m.discovery_mode, ha::discovery_mode::entity);
  EXPECT_FALSE(m.retain_state);
  const auto& p = parsed->pdus.at(0);
  EXPECT_EQ(p.name, "Rack B");
  EXPECT_EQ(p.host, "pdu-b.lan");
  EXPECT_EQ(p.port, 1161);
  EXPECT_EQ(p.snmp.version, snmp::version::v1);
  EXPECT_EQ(p.snmp.community, "ro");
  EXPECT_EQ(p.snmp.write_community, "rw");
  EXPECT_EQ(p.snmp.timeout, 250ms);
  EXPECT_EQ(p.snmp.retries, 0);
  EXPECT_EQ(p.poll_interval, 100ms);
  EXPECT_EQ(p.max_varbinds, 64u);
  EXPECT_EQ(p.offline_after_failures, 100);
  EXPECT_EQ(p.command_timeout, 600000ms);
  EXPECT_TRUE(p.read_only);
  EXPECT_EQ(p.protected_outlets, (std::vector<int>{3, 1}));
  EXPECT_EQ(parsed->logging.level, log_level::trace);
  EXPECT_EQ(parsed->logging.format, log_format::json);
}

TEST(config, comments_are_accepted) {
  const auto parsed = parse(R"(// bridge
{
  /* block
     comment */
  "log_level": "debug", // trailing
  "pdus": [ /* none yet */ ]
}
// end)");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->logging.level, log_level::debug);
}

TEST(config, empty_pdu_list_is_accepted) {
  const auto parsed = parse(R"({"pdus": []})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_TRUE(parsed->pdus.empty());
}

TEST(config, several_pdus_keep_their_order) {
  const auto parsed = parse(R"({"pdus": [{"id": "b", "host": "h1"}, {"id": "a", "host": "h2"}]})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  ASSERT_EQ(parsed->pdus.size(), 2u);
  EXPECT_EQ(parsed->pdus[0].id, "b");
  EXPECT_EQ(parsed->pdus[1].id, "a");
}

TEST(config, host_may_be_an_ipv6_address_or_a_name) {
  EXPECT_TRUE(parse(R"({"pdus": [{"id": "a", "host": "fd00::5"}]})"));
  EXPECT_TRUE(parse(R"({"pdus": [{"id": "a", "host": "pdu-a.example.net"}]})"));
}

TEST(config, byte_order_mark_is_accepted) {
  EXPECT_TRUE(parse("\xEF\xBB\xBF{}"));
}

TEST(config, example_file_is_example_config_and_parses) {
  const std::string file = read_text(config_dir / "pdu2mqtt.example.json");
  EXPECT_EQ(file, example_config());
  const auto parsed = parse(example_config());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  // Everything at its default except what a PDU must say for itself.
  bridge_config expected;
  pdu_config pdu;
  pdu.id = "rack-a";
  pdu.name = "Rack A PDU";
  pdu.host = "10.0.0.5";
  pdu.protected_outlets = {1};
  expected.pdus.push_back(pdu);
  EXPECT_EQ(*parsed, expected);
}

TEST(config, demo_file_points_at_the_simulator) {
  const auto parsed = load_config_file(config_dir / "pdu2mqtt.demo.json", empty_environment());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.broker, (mqtt::broker_address{"127.0.0.1", 1883, false}));
  ASSERT_EQ(parsed->pdus.size(), 1u);
  const auto& p = parsed->pdus[0];
  EXPECT_EQ(p.id, "demo");
  EXPECT_EQ(p.host, "127.0.0.1");
  EXPECT_EQ(p.port, 16161);
  EXPECT_EQ(p.poll_interval, 1000ms);
  EXPECT_EQ(p.protected_outlets, std::vector<int>{1});
}

// ---------------------------------------------------------------------------------------------
// Refusals: one line, "<file>: <key path>: <what>", the first problem in document order

struct refusal {
  const char* name;
  std::string text;
  std::string message;
};

void PrintTo(const refusal& r, std::ostream* os) {
  *os << r.name;
}

class config_refusal : public ::testing::TestWithParam<refusal> {};

TEST_P(config_refusal, names_file_key_and_problem) {
  const auto parsed = parse(GetParam().text);
  ASSERT_FALSE(parsed) << "accepted: " << GetParam().text;
  EXPECT_EQ(parsed.err().code, make_error_code(config_errc::invalid));
  EXPECT_EQ(parsed.err().detail, GetParam().message);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(unknown_keys, config_refusal, ::testing::Values(
  refusal{"top_level", R"({"colour": 1})",
          "config.json: colour: unknown key (known here: mqtt, pdus, log_level, log_format, http)"},
  refusal{"top_level_typo", R"({"log_levle": "info"})",
          R"(config.json: log_levle: unknown key; did you mean "log_level"?)"},
  refusal{"top_level_mqtt_key", R"({"url": "mqtt://h"})",
          R"(config.json: url: unknown key here; it belongs in "mqtt")"},
  refusal{"mqtt", R"({"mqtt": {"colour": true}})",
          "config.json: mqtt.colour: unknown key (known here: url, client_id, username, password, "
          "password_file, base_topic, discovery_prefix, keepalive_s, qos, discovery, "
          "discovery_mode, retain_state, protocol, tls)"},
  refusal{"mqtt_tls_not_object", R"({"mqtt": {"url": "mqtts://b", "tls": true}})",
          "config.json: mqtt.tls: must be an object (got true)"},
  refusal{"mqtt_tls_unknown", R"({"mqtt": {"url": "mqtts://b", "tls": {"insecure": true}}})",
          "config.json: mqtt.tls.insecure: unknown key (known here: ca_file, cert_file, key_file, "
          "key_password_file, verify_hostname)"},
  refusal{"mqtt_tls_key_one_level_up", R"({"mqtt": {"ca_file": "/etc/ca.pem"}})",
          R"(config.json: mqtt.ca_file: unknown key here; it belongs in "mqtt"."tls")"},
  refusal{"mqtt_tls_verify_not_bool",
          R"({"mqtt": {"url": "mqtts://b", "tls": {"verify_hostname": "no"}}})",
          R"(config.json: mqtt.tls.verify_hostname: must be true or false (got "no"))"},
  refusal{"mqtt_tls_file_not_string", R"({"mqtt": {"url": "mqtts://b", "tls": {"ca_file": 1}}})",
          "config.json: mqtt.tls.ca_file: must be a string (got 1)"},
  refusal{"mqtt_tls_with_plain_url", R"({"mqtt": {"tls": {"verify_hostname": false}}})",
          "config.json: mqtt.tls: is set, but mqtt.url is not mqtts:// (TLS): use "
          "mqtts://127.0.0.1:8883, or remove \"tls\""},
  refusal{"mqtt_protocol", R"({"mqtt": {"protocol": "4"}})",
          R"(config.json: mqtt.protocol: must be "auto", "5" or "3.1.1" (got "4"))"},
  refusal{"mqtt_protocol_number", R"({"mqtt": {"protocol": 5}})",
          R"(config.json: mqtt.protocol: must be "auto", "5" or "3.1.1" (got 5))"},
  refusal{"mqtt_typo", R"({"mqtt": {"keepalive": 30}})",
          R"(config.json: mqtt.keepalive: unknown key; did you mean "keepalive_s"?)"},
  refusal{"pdu", R"({"pdus": [{"id": "a", "host": "h", "colour": "red"}]})",
          "config.json: pdus[0].colour: unknown key (known here: id, name, host, port, snmp, "
          "poll_interval_ms, max_varbinds, offline_after_failures, command_timeout_ms, "
          "read_only, protected_outlets, confirm_reboot, min_power_cycle_interval_s, "
          "max_commands_per_s, capability_recheck_s)"},
  refusal{"capability_recheck_too_often", R"({"pdus": [{"id": "a", "host": "h", "capability_recheck_s": 5}]})",
          "config.json: pdus[0].capability_recheck_s: must be 0 (never) or 60 to 86400 seconds (got 5)"},
  refusal{"pdu_snmp_key", R"({"pdus": [{"id": "a", "host": "h", "community": "x"}]})",
          R"(config.json: pdus[0].community: unknown key here; it belongs in a PDU's "snmp")"},
  refusal{"snmp", R"({"pdus": [{"id": "a", "host": "h", "snmp": {"auth": "sha"}}]})",
          "config.json: pdus[0].snmp.auth: unknown key (known here: version, community, "
          "write_community, user, auth_protocol, auth_password, auth_password_file, "
          "priv_protocol, priv_password, priv_password_file, context, timeout_ms, retries)"},
  refusal{"snmp_typo", R"({"pdus": [{"id": "a", "host": "h", "snmp": {"timout_ms": 5}}]})",
          R"(config.json: pdus[0].snmp.timout_ms: unknown key; did you mean "timeout_ms"?)"},
  refusal{"odd_key_is_quoted", "{\"a b\\n\": 1}",
          R"(config.json: ["a b\n"]: unknown key (known here: mqtt, pdus, log_level, log_format, http))"}
), [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(wrong_types, config_refusal, ::testing::Values(
  refusal{"top_level_array", "[]",
          "config.json: must be a JSON object at the top level (got an array)"},
  refusal{"mqtt_not_object", R"({"mqtt": "mqtt://h"})",
          R"(config.json: mqtt: must be an object (got "mqtt://h"))"},
  refusal{"url_number", R"({"mqtt": {"url": 1883}})",
          "config.json: mqtt.url: must be a string (got 1883)"},
  refusal{"client_id_null", R"({"mqtt": {"client_id": null}})",
          "config.json: mqtt.client_id: must be a string (got null)"},
  refusal{"client_id_empty", R"({"mqtt": {"client_id": ""}})",
          "config.json: mqtt.client_id: must not be empty"},
  refusal{"username_number", R"({"mqtt": {"username": 7}})",
          "config.json: mqtt.username: must be a string (got 7)"},
  refusal{"password_number", R"({"mqtt": {"password": 123456}})",
          "config.json: mqtt.password: must be a string (got a number)"},
  refusal{"password_file_bool", R"({"mqtt": {"password_file": true}})",
          "config.json: mqtt.password_file: must be a string (got true)"},
  refusal{"base_topic_wildcard", R"({"mqtt": {"base_topic": "pdu/#"}})",
          R"(config.json: mqtt.base_topic: must not contain the MQTT wildcards + or # (got "pdu/#"))"},
  refusal{"base_topic_trailing_slash", R"({"mqtt": {"base_topic": "pdu/"}})",
          R"(config.json: mqtt.base_topic: must not start or end with / or have an empty level (got "pdu/"))"},
  refusal{"base_topic_dollar", R"({"mqtt": {"base_topic": "$SYS"}})",
          R"(config.json: mqtt.base_topic: must not start with $, which brokers reserve (MQTT 3.1.1, 4.7.2) (got "$SYS"))"},
  refusal{"discovery_prefix_empty", R"({"mqtt": {"discovery_prefix": ""}})",
          "config.json: mqtt.discovery_prefix: must not be empty"},
  refusal{"keepalive_string", R"({"mqtt": {"keepalive_s": "30"}})",
          R"(config.json: mqtt.keepalive_s: must be an integer from 5 to 3600 (got "30"))"},
  refusal{"keepalive_zero", R"({"mqtt": {"keepalive_s": 0}})",
          "config.json: mqtt.keepalive_s: must be an integer from 5 to 3600 (got 0)"},
  refusal{"qos_2", R"({"mqtt": {"qos": 2}})", "config.json: mqtt.qos: must be 0 or 1 (got 2)"},
  refusal{"qos_bool", R"({"mqtt": {"qos": true}})",
          "config.json: mqtt.qos: must be 0 or 1 (got true)"},
  refusal{"discovery_string", R"({"mqtt": {"discovery": "yes"}})",
          R"(config.json: mqtt.discovery: must be true or false (got "yes"))"},
  refusal{"discovery_mode", R"({"mqtt": {"discovery_mode": "both"}})",
          R"(config.json: mqtt.discovery_mode: must be "device" or "entity" (got "both"))"},
  refusal{"retain_state_number", R"({"mqtt": {"retain_state": 1}})",
          "config.json: mqtt.retain_state: must be true or false (got 1)"},
  refusal{"pdus_object", R"({"pdus": {"id": "a"}})",
          "config.json: pdus: must be an array of PDUs (got an object)"},
  refusal{"pdus_null", R"({"pdus": null})",
          "config.json: pdus: must be an array of PDUs (got null)"},
  refusal{"pdu_string", R"({"pdus": ["rack-a"]})",
          R"(config.json: pdus[0]: must be an object (got "rack-a"))"},
  refusal{"id_number", R"({"pdus": [{"id": 5, "host": "h"}]})",
          "config.json: pdus[0].id: must be a string (got 5)"},
  refusal{"name_empty", one_pdu(R"("name": "")"), "config.json: pdus[0].name: must not be empty"},
  refusal{"name_control", one_pdu(R"("name": "a\u001bb")"),
          R"(config.json: pdus[0].name: must not contain control characters (got "a\u001bb"))"},
  refusal{"host_number", R"({"pdus": [{"id": "a", "host": 10}]})",
          "config.json: pdus[0].host: must be a string (got 10)"},
  refusal{"host_empty", R"({"pdus": [{"id": "a", "host": ""}]})",
          "config.json: pdus[0].host: must not be empty"},
  refusal{"host_scheme", R"({"pdus": [{"id": "a", "host": "udp://10.0.0.5"}]})",
          R"(config.json: pdus[0].host: must be a host name or address, without a scheme (got "udp://10.0.0.5"))"},
  refusal{"host_port", R"({"pdus": [{"id": "a", "host": "10.0.0.5:161"}]})",
          R"(config.json: pdus[0].host: must not include a port: set "port" (got "10.0.0.5:161"))"},
  refusal{"host_brackets", R"({"pdus": [{"id": "a", "host": "[fd00::5]"}]})",
          R"(config.json: pdus[0].host: must be an address without brackets (got "[fd00::5]"))"},
  refusal{"port_string", one_pdu(R"("port": "161")"),
          R"(config.json: pdus[0].port: must be an integer from 1 to 65535 (got "161"))"},
  refusal{"port_zero", one_pdu(R"("port": 0)"),
          "config.json: pdus[0].port: must be an integer from 1 to 65535 (got 0)"},
  refusal{"port_70000", one_pdu(R"("port": 70000)"),
          "config.json: pdus[0].port: must be an integer from 1 to 65535 (got 70000)"},
  refusal{"snmp_array", one_pdu(R"("snmp": [])"),
          "config.json: pdus[0].snmp: must be an object (got an array)"},
  refusal{"version_number_2", one_pdu(R"("snmp": {"version": 2})"),
          R"(config.json: pdus[0].snmp.version: must be the string "1", "2c" or "3" (got 2: write "2c"))"},
  refusal{"version_number_1", one_pdu(R"("snmp": {"version": 1})"),
          R"(config.json: pdus[0].snmp.version: must be the string "1", "2c" or "3" (got 1: write "1"))"},
  refusal{"version_number_3", one_pdu(R"("snmp": {"version": 3, "user": "u"})"),
          R"(config.json: pdus[0].snmp.version: must be the string "1", "2c" or "3" (got 3: write "3"))"},
  refusal{"version_v2c", one_pdu(R"("snmp": {"version": "v2c"})"),
          R"(config.json: pdus[0].snmp.version: must be "1", "2c" or "3" (got "v2c"))"},
  // SNMPv3 (the pass phrases' own refusals are in the v3 tests below: they need files).
  refusal{"v3_without_user", one_pdu(R"("snmp": {"version": "3"})"),
          R"(config.json: pdus[0].snmp: missing required key "user" (SNMPv3))"},
  refusal{"v3_user_empty", one_pdu(R"("snmp": {"version": "3", "user": ""})"),
          "config.json: pdus[0].snmp.user: must not be empty"},
  refusal{"v3_user_too_long", one_pdu(R"("snmp": {"version": "3", "user": "123456789012345678901234567890123"})"),
          "config.json: pdus[0].snmp.user: must be at most 32 bytes long"},
  refusal{"v3_community", one_pdu(R"("snmp": {"community": "x", "version": "3", "user": "u"})"),
          R"(config.json: pdus[0].snmp.community: is not used by SNMPv3, which authenticates a "user" with pass phrases)"},
  refusal{"v3_key_on_v2c", one_pdu(R"("snmp": {"user": "u"})"),
          R"(config.json: pdus[0].snmp.user: is for SNMPv3 only: set "version": "3" or remove it)"},
  refusal{"v3_auth_protocol_unknown", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "sha1"})"),
          R"(config.json: pdus[0].snmp.auth_protocol: must be "none", "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384" or "SHA-512" (got "sha1"))"},
  refusal{"v3_priv_protocol_unknown", one_pdu(R"("snmp": {"version": "3", "user": "u", "priv_protocol": "3DES"})"),
          R"(config.json: pdus[0].snmp.priv_protocol: must be "none", "DES", "AES", "AES-192" or "AES-256" (got "3DES"))"},
  refusal{"v3_priv_without_auth", one_pdu(R"("snmp": {"version": "3", "user": "u", "priv_protocol": "AES", "priv_password": "12345678"})"),
          "config.json: pdus[0].snmp.priv_protocol: needs an auth_protocol: SNMPv3 has no privacy "
          "without authentication (RFC 3414 3.1.1)"},
  refusal{"v3_password_without_protocol", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_password": "12345678"})"),
          R"(config.json: pdus[0].snmp.auth_password: is set, but auth_protocol is "none" (or missing))"},
  refusal{"v3_auth_without_password", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA"})"),
          "config.json: pdus[0].snmp.auth_password_file: missing: auth_protocol needs a pass phrase "
          "(set auth_password_file, auth_password or PDU2MQTT_PDU_RACK_A_AUTH_PASSWORD)"},
  refusal{"v3_priv_without_password", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA", "auth_password": "12345678", "priv_protocol": "AES"})"),
          "config.json: pdus[0].snmp.priv_password_file: missing: priv_protocol needs a pass phrase "
          "(set priv_password_file, priv_password or PDU2MQTT_PDU_RACK_A_PRIV_PASSWORD)"},
  refusal{"v3_short_password", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "MD5", "auth_password": "short"})"),
          "config.json: pdus[0].snmp.auth_password: must be at least 8 characters long (RFC 3414 "
          "11.2; agents refuse shorter ones)"},
  refusal{"v3_password_number", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "MD5", "auth_password": 12345678})"),
          "config.json: pdus[0].snmp.auth_password: must be a string (got a number)"},
  refusal{"v3_both_password_and_file", one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "MD5", "auth_password": "12345678", "auth_password_file": "/run/x"})"),
          "config.json: pdus[0].snmp.auth_password_file: set either auth_password or auth_password_file, not both"},
  refusal{"v3_context_too_long", one_pdu(R"("snmp": {"version": "3", "user": "u", "context": "123456789012345678901234567890123"})"),
          R"(config.json: pdus[0].snmp.context: must be at most 32 printable bytes (got "123456789012345678901234567890123"))"},
  refusal{"community_number", one_pdu(R"("snmp": {"community": 42})"),
          "config.json: pdus[0].snmp.community: must be a string (got a number)"},
  refusal{"community_empty", one_pdu(R"("snmp": {"community": ""})"),
          "config.json: pdus[0].snmp.community: must not be empty"},
  refusal{"write_community_array", one_pdu(R"("snmp": {"write_community": ["x"]})"),
          "config.json: pdus[0].snmp.write_community: must be a string (got an array)"},
  refusal{"timeout_string", one_pdu(R"("snmp": {"timeout_ms": "fast"})"),
          R"(config.json: pdus[0].snmp.timeout_ms: must be an integer from 10 to 60000 (got "fast"))"},
  refusal{"timeout_fraction", one_pdu(R"("snmp": {"timeout_ms": 1000.5})"),
          "config.json: pdus[0].snmp.timeout_ms: must be an integer from 10 to 60000 (got 1000.5)"},
  refusal{"retries_negative", one_pdu(R"("snmp": {"retries": -1})"),
          "config.json: pdus[0].snmp.retries: must be an integer from 0 to 10 (got -1)"},
  refusal{"poll_interval_too_short", one_pdu(R"("poll_interval_ms": 50)"),
          "config.json: pdus[0].poll_interval_ms: must be an integer from 100 to 3600000 (got 50)"},
  refusal{"poll_interval_huge", one_pdu(R"("poll_interval_ms": 18446744073709551615)"),
          "config.json: pdus[0].poll_interval_ms: must be an integer from 100 to 3600000 "
          "(got 18446744073709551615)"},
  refusal{"max_varbinds_65", one_pdu(R"("max_varbinds": 65)"),
          "config.json: pdus[0].max_varbinds: must be an integer from 1 to 64 (got 65)"},
  refusal{"offline_after_failures_0", one_pdu(R"("offline_after_failures": 0)"),
          "config.json: pdus[0].offline_after_failures: must be an integer from 1 to 100 (got 0)"},
  refusal{"command_timeout_float", one_pdu(R"("command_timeout_ms": 1.5)"),
          "config.json: pdus[0].command_timeout_ms: must be an integer from 100 to 600000 (got 1.5)"},
  refusal{"read_only_string", one_pdu(R"("read_only": "false")"),
          R"(config.json: pdus[0].read_only: must be true or false (got "false"))"},
  refusal{"protected_outlets_number", one_pdu(R"("protected_outlets": 1)"),
          "config.json: pdus[0].protected_outlets: must be an array of outlet numbers (got 1)"},
  refusal{"protected_outlet_0", one_pdu(R"("protected_outlets": [2, 0])"),
          "config.json: pdus[0].protected_outlets[1]: must be an outlet number, an integer of 1 "
          "or more (got 0)"},
  refusal{"protected_outlet_string", one_pdu(R"("protected_outlets": ["1"])"),
          R"(config.json: pdus[0].protected_outlets[0]: must be an outlet number, an integer of 1 or more (got "1"))"},
  refusal{"protected_outlet_twice", one_pdu(R"("protected_outlets": [1, 4, 1])"),
          "config.json: pdus[0].protected_outlets[2]: outlet 1 is listed twice"},
  refusal{"log_level", R"({"log_level": "verbose"})",
          R"(config.json: log_level: must be "trace", "debug", "info", "warn", "error" or "off" (got "verbose"))"},
  refusal{"log_level_warning", R"({"log_level": "warning"})",
          R"(config.json: log_level: must be "trace", "debug", "info", "warn", "error" or "off" (got "warning"))"},
  refusal{"log_format", R"({"log_format": "xml"})",
          R"(config.json: log_format: must be "text" or "json" (got "xml"))"}
), [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(pdu_ids, config_refusal, ::testing::Values(
  refusal{"missing_id", R"({"pdus": [{"host": "h"}]})",
          R"(config.json: pdus[0]: missing required key "id")"},
  refusal{"missing_host", R"({"pdus": [{"id": "a"}]})",
          R"(config.json: pdus[0]: missing required key "host")"},
  refusal{"missing_id_in_second", R"({"pdus": [{"id": "a", "host": "h"}, {"name": "b", "host": "h"}]})",
          R"(config.json: pdus[1]: missing required key "id")"},
  refusal{"id_with_space", R"({"pdus": [{"id": "rack a", "host": "h"}]})",
          R"(config.json: pdus[0].id: must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics and Home Assistant ids) (got "rack a"))"},
  refusal{"id_with_slash", R"({"pdus": [{"id": "rack/a", "host": "h"}]})",
          R"(config.json: pdus[0].id: must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics and Home Assistant ids) (got "rack/a"))"},
  refusal{"id_plus", R"({"pdus": [{"id": "+", "host": "h"}]})",
          R"(config.json: pdus[0].id: must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics and Home Assistant ids) (got "+"))"},
  refusal{"id_empty", R"({"pdus": [{"id": "", "host": "h"}]})",
          R"(config.json: pdus[0].id: must be 1 to 64 of the characters A-Z a-z 0-9 _ - (it is part of MQTT topics and Home Assistant ids) (got ""))"},
  refusal{"duplicate_id", R"({"pdus": [{"id": "rack-a", "host": "h"}, {"id": "rack-a", "host": "h2"}]})",
          R"(config.json: pdus[1].id: duplicate id "rack-a": pdus[0].id has it already (ids are compared ignoring case))"},
  refusal{"duplicate_id_other_case", R"({"pdus": [{"id": "rack-a", "host": "h"}, {"id": "Rack-A", "host": "h"}]})",
          R"(config.json: pdus[1].id: duplicate id "Rack-A": pdus[0].id has it already (ids are compared ignoring case))"}
), [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(broker_urls, config_refusal, ::testing::Values(
  refusal{"no_scheme", R"({"mqtt": {"url": "127.0.0.1:1883"}})",
          R"(config.json: mqtt.url: must start with mqtt://host or mqtts://host (also tcp://, ssl://) (got "127.0.0.1:1883"))"},
  refusal{"http", R"({"mqtt": {"url": "http://broker"}})",
          R"(config.json: mqtt.url: scheme "http" is not supported: use mqtt://, mqtts://, tcp:// or ssl:// (got "http://broker"))"},
  refusal{"websocket", R"({"mqtt": {"url": "ws://broker:9001"}})",
          R"(config.json: mqtt.url: scheme "ws" is not supported: use mqtt://, mqtts://, tcp:// or ssl:// (got "ws://broker:9001"))"},
  refusal{"empty_host", R"({"mqtt": {"url": "mqtt://"}})",
          R"(config.json: mqtt.url: has an empty host (got "mqtt://"))"},
  refusal{"empty_host_with_port", R"({"mqtt": {"url": "mqtt://:1883"}})",
          R"(config.json: mqtt.url: has an empty host (got "mqtt://:1883"))"},
  refusal{"port_0", R"({"mqtt": {"url": "mqtt://broker:0"}})",
          R"(config.json: mqtt.url: port must be an integer from 1 to 65535 (got "mqtt://broker:0"))"},
  refusal{"port_70000", R"({"mqtt": {"url": "mqtt://broker:70000"}})",
          R"(config.json: mqtt.url: port must be an integer from 1 to 65535 (got "mqtt://broker:70000"))"},
  refusal{"port_empty", R"({"mqtt": {"url": "mqtt://broker:"}})",
          R"(config.json: mqtt.url: port must be an integer from 1 to 65535 (got "mqtt://broker:"))"},
  refusal{"port_name", R"({"mqtt": {"url": "mqtt://broker:mqtt"}})",
          R"(config.json: mqtt.url: port must be an integer from 1 to 65535 (got "mqtt://broker:mqtt"))"},
  refusal{"path", R"({"mqtt": {"url": "mqtt://broker/pdus"}})",
          R"(config.json: mqtt.url: must not have a path, query or fragment (got "mqtt://broker/pdus"))"},
  refusal{"ipv6_unterminated", R"({"mqtt": {"url": "mqtt://[::1:1883"}})",
          R"(config.json: mqtt.url: has an unterminated [IPv6] address (got "mqtt://[::1:1883"))"},
  refusal{"credentials_not_repeated", R"({"mqtt": {"url": "mqtt://user:hunter2@broker"}})",
          "config.json: mqtt.url: must not contain credentials: use mqtt.username and "
          "mqtt.password_file"}
), [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(structure, config_refusal, ::testing::Values(
  refusal{"duplicate_key", R"({"log_level": "info", "log_level": "debug"})",
          "config.json: log_level: appears more than once in the same object"},
  refusal{"duplicate_nested_key",
          R"({"pdus": [{"id": "a", "host": "h"}, {"id": "b", "host": "h", "snmp": {"retries": 1, "retries": 2}}]})",
          "config.json: pdus[1].snmp.retries: appears more than once in the same object"},
  refusal{"first_error_in_document_order",
          R"({"pdus": [{"id": "a", "host": "h", "port": 0}], "log_level": "loud", "mqtt": 1})",
          "config.json: pdus[0].port: must be an integer from 1 to 65535 (got 0)"},
  refusal{"unknown_key_before_missing_host", R"({"pdus": [{"id": "a", "hots": "h"}]})",
          R"(config.json: pdus[0].hots: unknown key; did you mean "host"?)"},
  refusal{"both_password_and_file", R"({"mqtt": {"password": "x", "password_file": "/run/x"}})",
          "config.json: mqtt.password_file: set either password or password_file, not both"},
  refusal{"password_without_username", R"({"mqtt": {"password": "x"}})",
          "config.json: mqtt.username: must be set when a password is: MQTT sends no password "
          "without a user name (MQTT 3.1.1, 3.1.2.9)"}
), [](const auto& info) { return std::string(info.param.name); });
// clang-format on

TEST(config, the_issue_example_message) {
  EXPECT_EQ(
      error_of(R"({"pdus": [{"id": "a", "host": "h"},
                                 {"id": "b", "host": "h", "snmp": {"timeout_ms": "fast"}}]})"),
      R"(config.json: pdus[1].snmp.timeout_ms: must be an integer from 10 to 60000 (got "fast"))");
}

TEST(config, long_values_are_cut_in_messages) {
  const std::string long_host(300, 'x');
  const std::string message = error_of(R"({"mqtt": {"url": "mqtt://)" + long_host + R"(:0"}})");
  EXPECT_THAT(message, HasSubstr(R"((got "mqtt://xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"))"));
  EXPECT_LT(message.size(), 200u);
}

TEST(config, nesting_is_bounded) {
  const std::string deep = "{\"x\": " + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(error_of(deep),
            "config.json: x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
            "nested deeper than 16 levels");
}

// ---------------------------------------------------------------------------------------------
// JSON syntax

TEST(config, syntax_error_reports_line_and_column) {
  const auto parsed = parse("{\n  \"mqtt\": {\n    \"url\": x\n  }\n}\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.err().code, make_error_code(config_errc::syntax));
  EXPECT_EQ(parsed.err().detail,
            "config.json:3:12: syntax error while parsing value - invalid literal");
}

TEST(config, syntax_error_column_counts_characters_not_bytes) {
  EXPECT_THAT(error_of("{\"name\": \"Büro\" x}"), StartsWith("config.json:1:17: "));
}

TEST(config, syntax_error_keeps_what_was_expected) {
  EXPECT_EQ(error_of("{\"log_level\" \"info\"}"),
            "config.json:1:19: syntax error while parsing object separator - unexpected string "
            "literal; expected ':'");
}

TEST(config, trailing_comma_gets_a_hint) {
  EXPECT_EQ(error_of("{\n  \"log_level\": \"info\",\n}"),
            "config.json:3:1: syntax error while parsing object key - unexpected '}'; expected "
            "string literal (a comma after the last item?)");
}

TEST(config, unterminated_comment_is_a_syntax_error) {
  EXPECT_THAT(error_of("{} /* never closed"), StartsWith("config.json:1:"));
}

TEST(config, empty_file_says_so) {
  EXPECT_EQ(error_of(""), "config.json: the file is empty");
  EXPECT_EQ(error_of(" \n\t"), "config.json: the file is empty");
}

TEST(config, number_overflow_is_a_syntax_error) {
  const auto parsed = parse(R"({"log_level": 1e999})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.err().code, make_error_code(config_errc::syntax));
  EXPECT_EQ(parsed.err().detail, "config.json: a number is too large for a double");
}

TEST(config, invalid_utf8_is_a_syntax_error_without_the_bytes) {
  const std::string message = error_of("{\"log_level\": \"in\xff\xfe\"}");
  EXPECT_THAT(message, StartsWith("config.json:1:18: syntax error"));
  EXPECT_THAT(message, Not(HasSubstr("\xff")));
}

// ---------------------------------------------------------------------------------------------
// Files and the environment

TEST(config, load_reports_a_missing_file) {
  const auto parsed = load_config_file("/nonexistent/pdu2mqtt.json", empty_environment());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.err().code, make_error_code(config_errc::unreadable));
  EXPECT_EQ(parsed.err().detail,
            "/nonexistent/pdu2mqtt.json: cannot read the file: No such file or directory");
}

TEST(config, load_names_the_file_in_errors) {
  temp_dir dir;
  const auto file = dir.write("bridge.json", R"({"log_level": 3})");
  const auto parsed = load_config_file(file, empty_environment());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(
      parsed.err().detail,
      file.string() +
          R"(: log_level: must be "trace", "debug", "info", "warn", "error" or "off" (got 3))");
}

TEST(config, password_comes_from_the_file_without_trailing_newline) {
  temp_dir dir;
  const auto secret = dir.write("mqtt.pw", "hunter2\r\n");
  const auto parsed =
      parse(R"({"mqtt": {"username": "pdu", "password_file": ")" + secret.string() + R"("}})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.password, "hunter2");
  EXPECT_EQ(parsed->mqtt.password_file, secret.string());
}

TEST(config, relative_password_file_is_next_to_the_config_file) {
  temp_dir dir;
  dir.write("mqtt.pw", "hunter2\n");
  const auto config =
      dir.write("bridge.json", R"({"mqtt": {"username": "pdu", "password_file": "mqtt.pw"}})");
  const auto parsed = load_config_file(config, empty_environment());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.password, "hunter2");
}

TEST(config, missing_password_file_names_the_key) {
  const auto parsed = parse(R"({"mqtt": {"username": "u", "password_file": "/nonexistent/pw"}})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.err().code, make_error_code(config_errc::unreadable));
  EXPECT_EQ(
      parsed.err().detail,
      R"(config.json: mqtt.password_file: cannot read password file "/nonexistent/pw": No such file or directory)");
}

TEST(config, password_file_that_is_a_directory_is_refused) {
  temp_dir dir;
  EXPECT_EQ(
      error_of(R"({"mqtt": {"username": "u", "password_file": ")" + dir.path().string() + R"("}})"),
      R"(config.json: mqtt.password_file: password file ")" + dir.path().string() +
          R"(" is not a regular file)");
}

TEST(config, empty_password_file_is_refused) {
  temp_dir dir;
  const auto secret = dir.write("mqtt.pw", "\n");
  EXPECT_EQ(
      error_of(R"({"mqtt": {"username": "u", "password_file": ")" + secret.string() + R"("}})"),
      R"(config.json: mqtt.password_file: password file ")" + secret.string() + R"(" is empty)");
}

TEST(config, environment_overrides_the_mqtt_section) {
  const auto env = environment_from({{"PDU2MQTT_MQTT_URL", "mqtts://broker.internal:8884"},
                                     {"PDU2MQTT_MQTT_USERNAME", "container"},
                                     {"PDU2MQTT_MQTT_PASSWORD", "from-env"}});
  const auto parsed =
      parse(R"({"mqtt": {"url": "mqtt://file-broker", "username": "file-user"}})", env);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.url, "mqtts://broker.internal:8884");
  EXPECT_EQ(parsed->mqtt.broker, (mqtt::broker_address{"broker.internal", 8884, true}));
  EXPECT_EQ(parsed->mqtt.username, "container");
  EXPECT_EQ(parsed->mqtt.password, "from-env");
}

TEST(config, environment_password_wins_over_the_password_file) {
  temp_dir dir;
  const auto secret = dir.write("mqtt.pw", "from-file\n");
  const auto parsed =
      parse(R"({"mqtt": {"username": "u", "password_file": ")" + secret.string() + R"("}})",
            environment_from({{"PDU2MQTT_MQTT_PASSWORD", "from-env"}}));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.password, "from-env");
}

TEST(config, empty_environment_variables_count_as_unset) {
  const auto parsed = parse(R"({"mqtt": {"url": "mqtt://file-broker"}})",
                            environment_from({{"PDU2MQTT_MQTT_URL", ""}}));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.broker.host, "file-broker");
}

TEST(config, invalid_environment_url_names_the_variable) {
  EXPECT_EQ(error_of("{}", environment_from({{"PDU2MQTT_MQTT_URL", "broker:1883"}})),
            "config.json: mqtt.url (from PDU2MQTT_MQTT_URL): must start with mqtt://host or "
            R"(mqtts://host (also tcp://, ssl://) (got "broker:1883"))");
}

TEST(config, environment_password_needs_a_username) {
  EXPECT_THAT(error_of("{}", environment_from({{"PDU2MQTT_MQTT_PASSWORD", "pw"}})),
              StartsWith("config.json: mqtt.username: must be set when a password is"));
}

TEST(config, process_environment_reads_variables) {
  ::setenv("PDU2MQTT_CONFIG_TEST_VARIABLE", "value", 1);
  const auto env = process_environment();
  EXPECT_EQ(env("PDU2MQTT_CONFIG_TEST_VARIABLE"), std::optional<std::string>("value"));
  ::unsetenv("PDU2MQTT_CONFIG_TEST_VARIABLE");
  EXPECT_EQ(env("PDU2MQTT_CONFIG_TEST_VARIABLE"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Secrets

constexpr std::string_view secret_password = "hunter2-s3cret";
constexpr std::string_view secret_community = "ro-c0mmunity";
constexpr std::string_view secret_write_community = "rw-c0mmunity";

TEST(config, redacted_json_hides_every_secret) {
  const auto parsed = parse(R"({"mqtt": {"username": "pdu", "password": "hunter2-s3cret"},
      "pdus": [{"id": "a", "host": "h", "snmp": {"community": "ro-c0mmunity",
                                                 "write_community": "rw-c0mmunity"}}]})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const nlohmann::json info = redacted_json(*parsed);
  const std::string text = info.dump();
  EXPECT_THAT(text, Not(HasSubstr(secret_password)));
  EXPECT_THAT(text, Not(HasSubstr(secret_community)));
  EXPECT_THAT(text, Not(HasSubstr(secret_write_community)));
  EXPECT_EQ(info["mqtt"]["password"], "***");
  EXPECT_EQ(info["mqtt"]["username"], "pdu");
  EXPECT_EQ(info["pdus"][0]["snmp"]["community"], "***");
  EXPECT_EQ(info["pdus"][0]["snmp"]["write_community"], "***");
}

TEST(config, redacted_json_shows_the_rest) {
  const auto parsed = parse(example_config());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const nlohmann::json info = redacted_json(*parsed);
  EXPECT_EQ(info["mqtt"]["url"], "mqtt://127.0.0.1:1883");
  EXPECT_EQ(info["mqtt"]["password"], "");  // not set: nothing to hide
  EXPECT_EQ(info["mqtt"]["keepalive_s"], 30);
  EXPECT_EQ(info["mqtt"]["discovery_mode"], "device");
  EXPECT_EQ(info["pdus"][0]["id"], "rack-a");
  EXPECT_EQ(info["pdus"][0]["snmp"]["version"], "2c");
  EXPECT_EQ(info["pdus"][0]["snmp"]["timeout_ms"], 1000);
  EXPECT_EQ(info["pdus"][0]["protected_outlets"], nlohmann::json::array({1}));
  EXPECT_EQ(info["log_level"], "info");
  EXPECT_EQ(info["log_format"], "text");
}

TEST(config, redacted_json_has_every_key_of_the_file) {
  // bridge/info mirrors the file: same names, so operators can compare the two.
  const auto parsed = parse(example_config());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const nlohmann::json info = redacted_json(*parsed);
  const auto file = nlohmann::json::parse(example_config(), nullptr, true, true);
  for (const auto& [key, value] : file["mqtt"].items()) {
    EXPECT_TRUE(info["mqtt"].contains(key)) << key;
  }
  for (const auto& [key, value] : file["pdus"][0].items()) {
    EXPECT_TRUE(info["pdus"][0].contains(key)) << key;
  }
  for (const auto& [key, value] : file["pdus"][0]["snmp"].items()) {
    EXPECT_TRUE(info["pdus"][0]["snmp"].contains(key)) << key;
  }
}

// ---------------------------------------------------------------------------------------------
// SNMPv3

TEST(config_v3, every_v3_key_is_read) {
  temp_dir dir;
  dir.write("auth.pw", "auth-pa55phrase\n");
  const auto file = dir.write("bridge.json", one_pdu(R"("snmp": {"version": "3", "user": "bridge",
      "auth_protocol": "SHA-256", "auth_password_file": "auth.pw", "priv_protocol": "AES-256",
      "priv_password": "priv-pa55phrase", "context": "ctx", "timeout_ms": 500})"));
  const auto parsed = load_config_file(file, empty_environment());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const auto& s = parsed->pdus[0].snmp;
  EXPECT_EQ(s.version, snmp::version::v3);
  EXPECT_EQ(s.user.name, "bridge");
  EXPECT_EQ(s.user.auth, snmp::v3::auth_protocol::sha256);
  EXPECT_EQ(s.user.auth_password, "auth-pa55phrase");  // relative to the config, newline cut
  EXPECT_EQ(s.auth_password_file, "auth.pw");
  EXPECT_EQ(s.user.priv, snmp::v3::priv_protocol::aes256);
  EXPECT_EQ(s.user.priv_password, "priv-pa55phrase");
  EXPECT_EQ(s.user.context_name, "ctx");
  EXPECT_EQ(s.timeout, 500ms);
}

TEST(config_v3, every_protocol_name_is_accepted) {
  const std::pair<std::string, snmp::v3::auth_protocol> auths[] = {
      {"MD5", snmp::v3::auth_protocol::md5},        {"SHA", snmp::v3::auth_protocol::sha1},
      {"SHA-224", snmp::v3::auth_protocol::sha224}, {"SHA-256", snmp::v3::auth_protocol::sha256},
      {"SHA-384", snmp::v3::auth_protocol::sha384}, {"SHA-512", snmp::v3::auth_protocol::sha512}};
  const std::pair<std::string, snmp::v3::priv_protocol> privs[] = {
      {"DES", snmp::v3::priv_protocol::des},
      {"AES", snmp::v3::priv_protocol::aes128},
      {"AES-192", snmp::v3::priv_protocol::aes192},
      {"AES-256", snmp::v3::priv_protocol::aes256}};
  for (const auto& [auth_name, auth] : auths) {
    for (const auto& [priv_name, priv] : privs) {
      const auto parsed =
          parse(one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": ")" + auth_name +
                        R"(", "auth_password": "12345678",
          "priv_protocol": ")" +
                        priv_name + R"(", "priv_password": "abcdefgh"})"));
      ASSERT_TRUE(parsed) << auth_name << "/" << priv_name << ": " << parsed.err().to_string();
      EXPECT_EQ(parsed->pdus[0].snmp.user.auth, auth);
      EXPECT_EQ(parsed->pdus[0].snmp.user.priv, priv);
    }
  }
}

TEST(config_v3, no_auth_no_priv_needs_only_a_user) {
  const auto parsed = parse(one_pdu(R"("snmp": {"version": "3", "user": "monitor"})"));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->pdus[0].snmp.user.auth, snmp::v3::auth_protocol::none);
  EXPECT_EQ(redacted_json(*parsed)["pdus"][0]["snmp"]["security_level"], "noAuthNoPriv");
}

TEST(config_v3, environment_supplies_and_overrides_pass_phrases) {
  EXPECT_EQ(env_pdu_auth_password("rack-a"), "PDU2MQTT_PDU_RACK_A_AUTH_PASSWORD");
  EXPECT_EQ(env_pdu_priv_password("Lab_2"), "PDU2MQTT_PDU_LAB_2_PRIV_PASSWORD");
  const auto env = environment_from({{"PDU2MQTT_PDU_RACK_A_AUTH_PASSWORD", "from-env-auth"},
                                     {"PDU2MQTT_PDU_RACK_A_PRIV_PASSWORD", "from-env-priv"}});
  // Only in the environment: no key in the file at all.
  auto parsed = parse(one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA",
      "priv_protocol": "AES"})"),
                      env);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->pdus[0].snmp.user.auth_password, "from-env-auth");
  EXPECT_EQ(parsed->pdus[0].snmp.user.priv_password, "from-env-priv");
  // Over one in the file.
  parsed = parse(one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA",
      "auth_password": "in-the-file", "priv_protocol": "AES", "priv_password": "in-the-file"})"),
                 env);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->pdus[0].snmp.user.auth_password, "from-env-auth");
  // A too-short pass phrase from the environment is refused like one from the file.
  EXPECT_EQ(error_of(one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA"})"),
                     environment_from({{"PDU2MQTT_PDU_RACK_A_AUTH_PASSWORD", "short"}})),
            "config.json: pdus[0].snmp.auth_password: must be at least 8 characters long (RFC "
            "3414 11.2; agents refuse shorter ones)");
}

TEST(config_v3, unreadable_pass_phrase_file_names_the_key_and_the_file) {
  EXPECT_EQ(
      error_of(one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA",
      "auth_password_file": "/nonexistent/auth.pw"})")),
      R"(config.json: pdus[0].snmp.auth_password_file: cannot read password file "/nonexistent/auth.pw": No such file or directory)");
}

TEST(config_v3, redacted_json_hides_pass_phrases_and_shows_the_rest) {
  const auto parsed = parse(one_pdu(R"("snmp": {"version": "3", "user": "bridge",
      "auth_protocol": "SHA-512", "auth_password": "auth-s3cret-x", "priv_protocol": "AES-192",
      "priv_password": "priv-s3cret-y"})"));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const nlohmann::json info = redacted_json(*parsed)["pdus"][0]["snmp"];
  EXPECT_THAT(info.dump(), Not(HasSubstr("s3cret")));
  EXPECT_EQ(info["version"], "3");
  EXPECT_EQ(info["user"], "bridge");
  EXPECT_EQ(info["security_level"], "authPriv");
  EXPECT_EQ(info["auth_protocol"], "SHA-512");
  EXPECT_EQ(info["auth_password"], "***");
  EXPECT_EQ(info["priv_protocol"], "AES-192");
  EXPECT_EQ(info["priv_password"], "***");
  EXPECT_FALSE(info.contains("community"));  // not used by v3: not shown
}

TEST(config_v3, pass_phrases_never_appear_in_error_messages) {
  const std::string pw = "v3-s3cret-pa55";
  const std::vector<std::string> inputs = {
      one_pdu(R"("snmp": {"version": "3", "user": "u", "auth_password": ")" + pw + R"("})"),
      one_pdu(
          R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA", "auth_password": [")" +
          pw + R"("]})"),
      one_pdu(
          R"("snmp": {"version": "3", "user": "u", "auth_protocol": "SHA", "auth_password": ")" +
          pw + R"(" x})"),
      one_pdu(R"("snmp": {"version": "2c", "priv_password": ")" + pw + R"("})"),
  };
  for (const auto& input : inputs) {
    EXPECT_THAT(error_of(input), Not(HasSubstr("s3cret"))) << input;
  }
}

TEST(config, secrets_never_appear_in_error_messages) {
  const std::string pw(secret_password);
  const std::string ro(secret_community);
  const std::vector<std::string> inputs = {
      // Syntax errors inside or right after a secret: nlohmann's "last read" would show it.
      R"({"mqtt": {"password": ")" + pw,
      "{\"mqtt\": {\"password\": \"" + pw + "\n\"}}",
      R"({"mqtt": {"password": ")" + pw + R"(" "username": "u"}})",
      R"({"pdus": [{"id": "a", "host": "h", "snmp": {"community": ")" + ro + R"(" x}}]})",
      R"({"mqtt": {"password": )" + pw + "}}",
      // Valid JSON, refused values around secrets.
      R"({"mqtt": {"password": [")" + pw + R"("]}})",
      R"({"mqtt": {"url": "mqtt://u:)" + pw + R"(@broker"}})",
      R"({"mqtt": {"password": ")" + pw + R"("}})",
      R"({"mqtt": {"password": ")" + pw + R"(", "password_file": "/x"}})",
      R"({"pdus": [{"id": "a", "host": "h", "snmp": {"community": ")" + std::string(300, 'c') + ro +
          R"("}}]})",
      R"({"pdus": [{"id": "a", "host": "h", "snmp": {"write_community": {"v": ")" + ro +
          R"("}}}]})",
  };
  for (const auto& input : inputs) {
    const auto parsed = parse(input);
    ASSERT_FALSE(parsed) << input;
    EXPECT_THAT(parsed.err().detail, Not(HasSubstr(secret_password))) << input;
    EXPECT_THAT(parsed.err().detail, Not(HasSubstr(secret_community))) << input;
    EXPECT_THAT(parsed.err().to_string(), Not(HasSubstr("s3cret"))) << input;
  }
  // From the environment, with a problem elsewhere.
  const auto env = environment_from({{"PDU2MQTT_MQTT_PASSWORD", pw}});
  const auto parsed = parse(R"({"log_level": "loud"})", env);
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.err().detail, Not(HasSubstr(secret_password)));
}

TEST(config, password_file_content_never_appears_in_errors) {
  temp_dir dir;
  const auto secret = dir.write("mqtt.pw", std::string(secret_password) + "\n");
  const auto parsed = parse(R"({"mqtt": {"password_file": ")" + secret.string() + R"("}})");
  ASSERT_FALSE(parsed);  // no username
  EXPECT_THAT(parsed.err().detail, Not(HasSubstr(secret_password)));
}

// ---------------------------------------------------------------------------------------------
// Broker URLs

TEST(config, broker_url_defaults_and_schemes) {
  EXPECT_EQ(*mqtt::parse_broker_url("mqtt://broker"),
            (mqtt::broker_address{"broker", 1883, false}));
  EXPECT_EQ(*mqtt::parse_broker_url("tcp://broker:1884"),
            (mqtt::broker_address{"broker", 1884, false}));
  EXPECT_EQ(*mqtt::parse_broker_url("mqtts://broker"),
            (mqtt::broker_address{"broker", 8883, true}));
  EXPECT_EQ(*mqtt::parse_broker_url("ssl://broker:443"),
            (mqtt::broker_address{"broker", 443, true}));
  EXPECT_EQ(*mqtt::parse_broker_url("MQTT://Broker/"),
            (mqtt::broker_address{"Broker", 1883, false}));
  EXPECT_EQ(*mqtt::parse_broker_url("mqtt://[::1]:1885"),
            (mqtt::broker_address{"::1", 1885, false}));
  EXPECT_EQ(*mqtt::parse_broker_url("mqtt://broker:65535"),
            (mqtt::broker_address{"broker", 65535, false}));
}

TEST(config, broker_uri_is_the_paho_spelling) {
  EXPECT_EQ((mqtt::broker_address{"broker", 1883, false}).uri(), "tcp://broker:1883");
  EXPECT_EQ((mqtt::broker_address{"broker", 8883, true}).uri(), "ssl://broker:8883");
  EXPECT_EQ((mqtt::broker_address{"::1", 1883, false}).uri(), "tcp://[::1]:1883");
}

TEST(config, error_category_names_itself) {
  EXPECT_STREQ(config_category().name(), "config");
  EXPECT_EQ(make_error_code(config_errc::invalid).message(), "invalid configuration");
  const auto parsed = parse(R"({"log_level": 1})");
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.err().to_string(), StartsWith("invalid configuration: config.json: "));
}

// ---------------------------------------------------------------------------------------------
// MQTT over TLS and the MQTT version

TEST(config_mqtt_tls, defaults_are_auto_and_no_tls_settings) {
  const auto parsed = parse("{}");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.protocol, mqtt::protocol::automatic);
  EXPECT_EQ(parsed->mqtt.tls, mqtt::tls_options{});
  EXPECT_TRUE(parsed->mqtt.tls.verify_hostname);
  EXPECT_EQ(parsed->mqtt.tls.ca_file, "");
}

TEST(config_mqtt_tls, protocol_names) {
  for (const auto& [text, expected] :
       {std::pair{"auto", mqtt::protocol::automatic}, std::pair{"5", mqtt::protocol::v5},
        std::pair{"3.1.1", mqtt::protocol::v3_1_1}}) {
    const auto parsed = parse(R"({"mqtt": {"protocol": ")" + std::string(text) + R"("}})");
    ASSERT_TRUE(parsed) << parsed.err().to_string();
    EXPECT_EQ(parsed->mqtt.protocol, expected);
    EXPECT_EQ(to_string(expected), text);
  }
}

constexpr std::string_view pem_certificate =
    "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
constexpr std::string_view pem_key_body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
const std::string pem_key = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + std::string(pem_key_body) +
                            "\n-----END ENCRYPTED PRIVATE KEY-----\n";
constexpr std::string_view key_secret = "k3y-pa55-phrase";

TEST(config_mqtt_tls, relative_paths_are_next_to_the_config_file_and_the_key_password_is_read) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "tls");
  dir.write("tls/ca.pem", pem_certificate);
  dir.write("tls/client.pem", pem_certificate);
  dir.write("tls/client.key", pem_key);
  dir.write("tls/key.pw", std::string(key_secret) + "\n");
  const auto config = dir.write("bridge.json", R"({"mqtt": {"url": "mqtts://broker:8883",
      "protocol": "3.1.1",
      "tls": {"ca_file": "tls/ca.pem", "cert_file": "tls/client.pem", "key_file": "tls/client.key",
              "key_password_file": "tls/key.pw", "verify_hostname": false}}})");
  const auto parsed = load_config_file(config, empty_environment());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const auto& t = parsed->mqtt.tls;
  EXPECT_EQ(t.ca_file, (dir.path() / "tls/ca.pem").string());
  EXPECT_EQ(t.cert_file, (dir.path() / "tls/client.pem").string());
  EXPECT_EQ(t.key_file, (dir.path() / "tls/client.key").string());
  EXPECT_EQ(t.key_password_file, (dir.path() / "tls/key.pw").string());
  EXPECT_EQ(t.key_password, key_secret);  // trailing newline dropped
  EXPECT_FALSE(t.verify_hostname);
  EXPECT_EQ(parsed->mqtt.protocol, mqtt::protocol::v3_1_1);
}

TEST(config_mqtt_tls, absolute_paths_stay_as_they_are) {
  temp_dir dir;
  const auto ca = dir.write("ca.pem", pem_certificate);
  const auto parsed =
      parse(R"({"mqtt": {"url": "mqtts://b", "tls": {"ca_file": ")" + ca.string() + R"("}}})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.tls.ca_file, ca.string());
}

TEST(config_mqtt_tls, unreadable_files_name_the_key_and_the_file) {
  temp_dir dir;
  const auto cert = dir.write("client.pem", pem_certificate);
  const auto der = dir.write("ca.der", std::string("\x30\x82\x01\x0a", 4));
  const auto key = dir.write("client.key", pem_key);
  const auto empty_pw = dir.write("key.pw", "\n");
  const auto tls = [](const std::string& body) {
    return R"({"mqtt": {"url": "mqtts://b", "tls": {)" + body + "}}}";
  };
  const auto expect_unreadable = [](const std::string& text, const std::string& message) {
    const auto parsed = parse(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.err().code, make_error_code(config_errc::unreadable));
    EXPECT_EQ(parsed.err().detail, message);
  };
  expect_unreadable(tls(R"("ca_file": "/nonexistent/ca.pem")"),
                    R"(config.json: mqtt.tls.ca_file: cannot read "/nonexistent/ca.pem": No such )"
                    R"(file or directory)");
  expect_unreadable(tls(R"("ca_file": ")" + der.string() + R"(")"),
                    R"(config.json: mqtt.tls.ca_file: ")" + der.string() +
                        R"(" is not PEM (no "-----BEGIN" line); DER files can be converted with )"
                        "openssl x509");
  expect_unreadable(
      tls(R"("ca_file": ")" + dir.path().string() + R"(")"),
      R"(config.json: mqtt.tls.ca_file: ")" + dir.path().string() + R"(" is not a regular file)");
  expect_unreadable(
      tls(R"("cert_file": "/nonexistent/c.pem", "key_file": ")" + key.string() + R"(")"),
      R"(config.json: mqtt.tls.cert_file: cannot read "/nonexistent/c.pem": No )"
      R"(such file or directory)");
  expect_unreadable(
      tls(R"("cert_file": ")" + cert.string() + R"(", "key_file": "/nonexistent/k.pem")"),
      R"(config.json: mqtt.tls.key_file: cannot read "/nonexistent/k.pem": No such )"
      R"(file or directory)");
  expect_unreadable(tls(R"("cert_file": ")" + cert.string() + R"(", "key_file": ")" + key.string() +
                        R"(", "key_password_file": ")" + empty_pw.string() + R"(")"),
                    R"(config.json: mqtt.tls.key_password_file: password file ")" +
                        empty_pw.string() + R"(" is empty)");
}

TEST(config_mqtt_tls, a_key_needs_its_certificate) {
  temp_dir dir;
  const auto key = dir.write("client.key", pem_key);
  EXPECT_EQ(
      error_of(R"({"mqtt": {"url": "mqtts://b", "tls": {"key_file": ")" + key.string() + R"("}}})"),
      "config.json: mqtt.tls.key_file: needs cert_file: the certificate this key belongs "
      "to");
}

TEST(config_mqtt_tls, empty_values_and_the_defaults_are_fine_with_a_plain_url) {
  // The example file lists every key at its default next to an mqtt:// URL.
  const auto parsed = parse(R"({"mqtt": {"url": "mqtt://b", "tls": {"ca_file": "", "cert_file": "",
      "key_file": "", "key_password_file": "", "verify_hostname": true}}})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->mqtt.tls, mqtt::tls_options{});
}

TEST(config_mqtt_tls, a_plain_url_from_the_environment_with_tls_settings_is_refused) {
  temp_dir dir;
  const auto ca = dir.write("ca.pem", pem_certificate);
  const auto text =
      R"({"mqtt": {"url": "mqtts://b", "tls": {"ca_file": ")" + ca.string() + R"("}}})";
  EXPECT_TRUE(parse(text));
  EXPECT_EQ(error_of(text, environment_from({{"PDU2MQTT_MQTT_URL", "mqtt://b:1883"}})),
            "config.json: mqtt.tls: is set, but mqtt.url is not mqtts:// (TLS): use "
            "mqtts://b:8883, or remove \"tls\"");
}

TEST(config_mqtt_tls, redacted_json_shows_the_files_but_never_the_key_password_or_key) {
  temp_dir dir;
  const auto ca = dir.write("ca.pem", pem_certificate);
  const auto cert = dir.write("client.pem", pem_certificate);
  const auto key = dir.write("client.key", pem_key);
  const auto pw = dir.write("key.pw", key_secret);
  const auto parsed =
      parse(R"({"mqtt": {"url": "mqtts://b", "protocol": "5", "tls": {
      "ca_file": ")" +
            ca.string() + R"(", "cert_file": ")" + cert.string() + R"(", "key_file": ")" +
            key.string() + R"(", "key_password_file": ")" + pw.string() + R"("}}})");
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const nlohmann::json info = redacted_json(*parsed);
  const auto& t = info["mqtt"]["tls"];
  EXPECT_EQ(t["ca_file"], ca.string());
  EXPECT_EQ(t["cert_file"], cert.string());
  EXPECT_EQ(t["key_file"], key.string());
  EXPECT_EQ(t["key_password_file"], pw.string());
  EXPECT_EQ(t["verify_hostname"], true);
  EXPECT_EQ(info["mqtt"]["protocol"], "5");
  const std::string text = info.dump();
  EXPECT_THAT(text, Not(HasSubstr(key_secret)));
  EXPECT_THAT(text, Not(HasSubstr(pem_key_body)));
}

TEST(config_mqtt_tls, errors_never_quote_a_key_file) {
  temp_dir dir;
  // A key file given as the CA by mistake is PEM, so accepted here; a key that is not PEM is
  // refused without its bytes in the message.
  const auto raw_key = dir.write("raw.key", std::string(key_secret));
  const auto cert = dir.write("client.pem", pem_certificate);
  const auto message =
      error_of(R"({"mqtt": {"url": "mqtts://b", "tls": {"cert_file": ")" + cert.string() +
               R"(", "key_file": ")" + raw_key.string() + R"("}}})");
  EXPECT_THAT(message, HasSubstr("mqtt.tls.key_file"));
  EXPECT_THAT(message, Not(HasSubstr(key_secret)));
}

}  // namespace
}  // namespace pdu2mqtt::app
