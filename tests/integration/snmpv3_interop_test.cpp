// Our SNMPv3 client against net-snmp's snmpd: GET and SET for every auth x priv pair net-snmp
// 5.9.3 has, the Reports for a wrong password, user or level, and an agent reboot
// (engineBoots + 1, RFC 3414 2.2.2) survived by one re-synchronisation.
#include <gtest/gtest.h>

#include <cctype>
#include <iostream>

#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "support/run_coroutine.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using test::run;
using v3::auth_protocol;
using v3::priv_protocol;

const oid sys_descr{1, 3, 6, 1, 2, 1, 1, 1, 0};
const oid sys_contact{1, 3, 6, 1, 2, 1, 1, 4, 0};  // left writable by the fixture
const oid sys_name{1, 3, 6, 1, 2, 1, 1, 5, 0};
const oid system_group{1, 3, 6, 1, 2, 1, 1};

constexpr auth_protocol all_auth[] = {auth_protocol::md5,    auth_protocol::sha1,
                                      auth_protocol::sha224, auth_protocol::sha256,
                                      auth_protocol::sha384, auth_protocol::sha512};
constexpr priv_protocol all_priv[] = {priv_protocol::none, priv_protocol::des,
                                      priv_protocol::aes128, priv_protocol::aes192,
                                      priv_protocol::aes256};

std::string lower_alnum(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// u_<auth>_<priv>, passwords different per user and per key.
v3::user user_for(auth_protocol auth, priv_protocol priv) {
  v3::user u;
  u.auth = auth;
  u.priv = priv;
  u.name = "u_" + lower_alnum(v3::to_string(auth)) + "_" + lower_alnum(v3::to_string(priv));
  if (auth != auth_protocol::none) u.auth_password = "auth-pass-" + u.name;
  if (priv != priv_protocol::none) u.priv_password = "priv-pass-" + u.name;
  return u;
}

// One test per cell; printed by name (gtest would otherwise dump the user's bytes).
struct cell {
  auth_protocol auth;
  priv_protocol priv;
  v3::user user() const { return user_for(auth, priv); }
};
void PrintTo(const cell& c, std::ostream* out) {
  *out << v3::to_string(c.auth) << "/" << v3::to_string(c.priv);
}

std::vector<cell> every_cell() {
  std::vector<cell> cells{{auth_protocol::none, priv_protocol::none}};
  for (const auto auth : all_auth)
    for (const auto priv : all_priv)
      cells.push_back({auth, priv});
  return cells;
}

std::vector<v3::user> every_user() {
  std::vector<v3::user> users;
  for (const auto& c : every_cell())
    users.push_back(c.user());
  return users;
}

std::string text_of(const value& v) {
  return std::string(as_octets(v).value_or("<not a string>"));
}

target v3_target(std::uint16_t port, v3::user u) {
  target t;
  t.endpoint = {asio::ip::address_v4::loopback(), port};
  t.version = version::v3;
  t.user = std::make_shared<const v3::user>(std::move(u));
  t.timeout = 500ms;
  t.retries = 1;
  return t;
}

// A GET and how long it took inside the io_context (test::run's polling would round it up).
awaitable<std::pair<result<std::vector<varbind>>, std::chrono::microseconds>> timed_get(
    std::shared_ptr<client> snmp, target t, std::vector<oid> oids) {
  const auto start = std::chrono::steady_clock::now();
  auto got = co_await snmp->async_get(t, std::move(oids));
  co_return std::pair{std::move(got), std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - start)};
}

class snmpv3_against_snmpd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    agent = new test::snmpd_fixture(test::snmpd_options{.v3_users = every_user()});
  }
  static void TearDownTestSuite() {
    delete agent;
    agent = nullptr;
  }
  void TearDown() override { snmp->close(); }

  static test::snmpd_fixture* agent;
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
};
test::snmpd_fixture* snmpv3_against_snmpd::agent = nullptr;

class every_auth_priv_pair : public snmpv3_against_snmpd,
                             public ::testing::WithParamInterface<cell> {};

TEST_P(every_auth_priv_pair, get_and_set_through_our_client) {
  const auto u = GetParam().user();
  const auto t = v3_target(agent->port(), u);
  std::vector<oid> oids{sys_descr, sys_name};
  auto got = run(io, snmp->async_get(t, oids));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(text_of((*got)[0].value), test::snmpd_fixture::sys_descr);
  EXPECT_EQ(text_of((*got)[1].value), test::snmpd_fixture::sys_name);

  const std::string written = "v3 " + u.name;
  std::vector<varbind> set{{sys_contact, written}};
  auto done = run(io, snmp->async_set(t, set));
  ASSERT_TRUE(done) << done.err().to_string();
  // Read back by net-snmp's own snmpget over v2c: the SET really reached the agent.
  EXPECT_EQ(test::snmp_get_value(agent->endpoint(), test::snmpd_fixture::read_community,
                                 sys_contact.to_string()),
            "\"" + written + "\"");

  const auto& s = snmp->stats();
  EXPECT_EQ(s.v3_discoveries, 1u);
  EXPECT_EQ(s.v3_time_resyncs, 0u) << "the discovery Report's clock was right";
  EXPECT_EQ(s.requests_sent, 3u) << "probe, GET, SET";
  EXPECT_EQ(s.dropped_unauthentic + s.dropped_undecodable + s.dropped_outside_time_window, 0u);
}

std::string user_name(const ::testing::TestParamInfo<cell>& info) {
  return info.param.user().name;
}

INSTANTIATE_TEST_SUITE_P(net_snmp_5_9_3, every_auth_priv_pair, ::testing::ValuesIn(every_cell()),
                         user_name);

TEST_F(snmpv3_against_snmpd, walk_uses_getbulk_and_matches_v2c) {
  auto t = v3_target(agent->port(), user_for(auth_protocol::sha256, priv_protocol::aes128));
  t.bulk_max_repetitions = 4;
  auto over_v3 = run(io, snmp->async_walk(t, system_group));
  ASSERT_TRUE(over_v3) << over_v3.err().to_string();
  target v2;
  v2.endpoint = t.endpoint;
  v2.community = test::snmpd_fixture::read_community;
  auto over_v2c = run(io, snmp->async_walk(v2, system_group));
  ASSERT_TRUE(over_v2c) << over_v2c.err().to_string();
  ASSERT_GT(over_v3->size(), 8u);
  ASSERT_EQ(over_v3->size(), over_v2c->size());
  for (std::size_t i = 0; i < over_v3->size(); ++i)
    EXPECT_EQ((*over_v3)[i].name, (*over_v2c)[i].name);
}

TEST_F(snmpv3_against_snmpd, a_wrong_auth_password_is_an_authentication_failure) {
  auto u = user_for(auth_protocol::sha1, priv_protocol::aes128);
  u.auth_password = "not-the-password";
  std::vector<oid> oids{sys_name};
  auto got = run(io, snmp->async_get(v3_target(agent->port(), u), oids));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::wrong_digest)) << got.err().to_string();
  EXPECT_NE(got.err().to_string().find("authentication failure"), std::string::npos)
      << got.err().to_string();
  EXPECT_EQ(got.err().to_string().find("not-the-password"), std::string::npos);
  EXPECT_EQ(got.err().to_string().find(u.priv_password), std::string::npos);
}

TEST_F(snmpv3_against_snmpd, a_wrong_auth_protocol_is_an_authentication_failure) {
  auto u = user_for(auth_protocol::sha256, priv_protocol::none);
  u.auth = auth_protocol::sha512;  // the right password with the wrong hash
  std::vector<oid> oids{sys_name};
  auto got = run(io, snmp->async_get(v3_target(agent->port(), u), oids));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::wrong_digest)) << got.err().to_string();
}

TEST_F(snmpv3_against_snmpd, an_unknown_user_is_named) {
  auto u = user_for(auth_protocol::sha1, priv_protocol::aes128);
  u.name = "nobody_here";
  std::vector<oid> oids{sys_name};
  auto got = run(io, snmp->async_get(v3_target(agent->port(), u), oids));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::unknown_user_name)) << got.err().to_string();
  EXPECT_NE(got.err().detail.find("'nobody_here'"), std::string::npos) << got.err().detail;
}

TEST_F(snmpv3_against_snmpd, privacy_for_a_user_without_a_privacy_key_is_unsupported) {
  auto u = user_for(auth_protocol::sha1, priv_protocol::none);
  u.priv = priv_protocol::aes128;
  u.priv_password = "some-privacy-pass";
  std::vector<oid> oids{sys_name};
  auto got = run(io, snmp->async_get(v3_target(agent->port(), u), oids));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::unsupported_security_level)) << got.err().to_string();
}

TEST_F(snmpv3_against_snmpd, a_wrong_privacy_password_is_not_a_silent_success) {
  auto u = user_for(auth_protocol::sha1, priv_protocol::aes128);
  u.priv_password = "not-the-privacy-password";
  std::vector<oid> oids{sys_name};
  auto got = run(io, snmp->async_get(v3_target(agent->port(), u), oids));
  ASSERT_FALSE(got);
  // net-snmp decrypts to garbage and either reports usmStatsDecryptionErrors or drops the
  // request as unparseable (snmpInASNParseErrs): a Report or a timeout, never a value.
  EXPECT_TRUE(got.code() == make_error_code(errc::decryption_error) ||
              got.code() == make_error_code(errc::timeout))
      << got.err().to_string();
  EXPECT_EQ(got.err().to_string().find(u.priv_password), std::string::npos);
}

TEST_F(snmpv3_against_snmpd, net_snmp_tools_agree_with_the_fixture_users) {
  // The fixture's own check that its createUser lines are what net-snmp understood.
  const auto u = user_for(auth_protocol::sha512, priv_protocol::aes256);
  const auto out =
      test::net_snmp_v3_tool("snmpget", u, {"-Oqv", agent->endpoint(), sys_name.to_string()});
  EXPECT_EQ(out.exit_code, 0) << out.stderr_text;
  EXPECT_NE(out.stdout_text.find(test::snmpd_fixture::sys_name), std::string::npos);
}

// One client, one agent that reboots: the request after the reboot is answered, at the cost
// of one notInTimeWindow Report and a resend (RFC 3414 3.2 7 a, 2.3).
TEST(snmpv3_reboot, the_same_client_resyncs_once_after_snmpd_restarts) {
  const auto u = user_for(auth_protocol::sha1, priv_protocol::aes128);
  test::snmpd_fixture agent(test::snmpd_options{.v3_users = {u}, .persistent = true});
  asio::io_context io;
  auto snmp = client::create(io.get_executor());
  const auto t = v3_target(agent.port(), u);
  std::vector<oid> oids{sys_name};

  auto [first, discovery_us] = run(io, timed_get(snmp, t, oids));
  ASSERT_TRUE(first) << first.err().to_string();
  const auto before = snmp->engine(t.endpoint);
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->authenticated);
  const auto sent_before = snmp->stats().requests_sent;
  EXPECT_EQ(sent_before, 2u) << "probe and GET";

  auto [second, plain_us] = run(io, timed_get(snmp, t, oids));
  ASSERT_TRUE(second) << second.err().to_string();

  agent.restart();

  auto [after_reboot, resync_us] = run(io, timed_get(snmp, t, oids));
  ASSERT_TRUE(after_reboot) << after_reboot.err().to_string() << "\n" << agent.process().output();
  EXPECT_EQ(text_of((*after_reboot)[0].value), test::snmpd_fixture::sys_name);

  const auto& s = snmp->stats();
  EXPECT_EQ(s.v3_time_resyncs, 1u);
  EXPECT_EQ(s.v3_discoveries, 1u) << "the engine ID survived the reboot (persistent dir)";
  EXPECT_EQ(s.requests_sent, sent_before + 1 + 2) << "the resync costs one extra exchange";
  EXPECT_EQ(s.retransmissions, 0u);
  const auto after = snmp->engine(t.endpoint);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->engine_id, before->engine_id);
  EXPECT_EQ(after->boots, before->boots + 1);
  EXPECT_LT(after->time_s, 10);
  // A second client: discovery and key localization without OpenSSL's first-use setup.
  auto fresh = client::create(io.get_executor());
  auto [fresh_got, fresh_us] = run(io, timed_get(fresh, t, oids));
  ASSERT_TRUE(fresh_got) << fresh_got.err().to_string();
  EXPECT_EQ(fresh->stats().requests_sent, 2u);
  fresh->close();
  snmp->close();
  std::cout << "[ timing   ] first client: discovery + GET " << discovery_us.count()
            << " us; cached GET " << plain_us.count() << " us; resync + GET " << resync_us.count()
            << " us; second client: discovery + GET " << fresh_us.count() << " us\n";
}

}  // namespace
}  // namespace pdu2mqtt::snmp
