// Our SNMPv3 client against our own agent (snmp::udp_agent, the simulator's engine) in one
// io_context: discovery, GET/SET/walk at each level, the usmStats Reports, and a reboot.
#include <gtest/gtest.h>

#include <map>

#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"
#include "support/run_coroutine.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;
using test::run;
using v3::auth_protocol;
using v3::priv_protocol;

const oid table{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1};
const oid outlet_name = table.child({2, 1});

// Every OID readable, each writable with a value of the type it holds.
class map_mib : public mib {
 public:
  std::map<oid, value> values;
  value get(const oid& name) const override {
    const auto it = values.find(name);
    return it == values.end() ? value{no_such_object{}} : it->second;
  }
  std::optional<varbind> get_next(const oid& name) const override {
    const auto it = values.upper_bound(name);
    if (it == values.end()) return std::nullopt;
    return varbind{it->first, it->second};
  }
  set_outcome set(std::span<const varbind> varbinds) override {
    for (std::size_t i = 0; i < varbinds.size(); ++i) {
      const auto it = values.find(varbinds[i].name);
      if (it == values.end()) return {errc::not_writable, i};
      if (it->second.index() != varbinds[i].value.index()) return {errc::wrong_type, i};
    }
    for (const auto& vb : varbinds)
      values[vb.name] = vb.value;
    return {};
  }
};

v3::user make_user(std::string name, auth_protocol auth, priv_protocol priv) {
  v3::user u{.name = std::move(name), .auth = auth, .priv = priv};
  if (auth != auth_protocol::none) u.auth_password = "auth-" + u.name + "-pass";
  if (priv != priv_protocol::none) u.priv_password = "priv-" + u.name + "-pass";
  return u;
}

const std::vector<v3::user> users{
    make_user("sha_aes", auth_protocol::sha1, priv_protocol::aes128),
    make_user("sha512_aes256", auth_protocol::sha512, priv_protocol::aes256),
    make_user("md5_des", auth_protocol::md5, priv_protocol::des),
    make_user("sha256_auth", auth_protocol::sha256, priv_protocol::none),
    make_user("plain", auth_protocol::none, priv_protocol::none),
};

class client_against_our_agent : public ::testing::Test {
 protected:
  client_against_our_agent() {
    for (std::uint32_t i = 1; i <= 8; ++i)
      data.values[table.child({2, i})] = std::string("outlet " + std::to_string(i));
    start_agent(udp::endpoint(asio::ip::address_v4::loopback(), 0), 1);
  }
  ~client_against_our_agent() override {
    snmp->close();
    agent->close();
  }

  void start_agent(const udp::endpoint& at, std::int32_t boots) {
    agent_options options{.engine_id = std::string("\x80\x00\x0e\xe0\x04pdu2mqtt-sim", 17),
                          .engine_boots = boots,
                          .v3_users = users};
    auto created = udp_agent::create(io.get_executor(), at, data, options);
    if (!created) throw std::runtime_error(created.err().to_string());
    agent = *created;
  }
  target target_for(const v3::user& u) {
    target t;
    t.endpoint = agent->local_endpoint();
    t.version = version::v3;
    t.user = std::make_shared<const v3::user>(u);
    t.timeout = 200ms;
    t.retries = 1;
    return t;
  }
  result<std::vector<varbind>> get(const target& t) {
    std::vector<oid> oids{outlet_name};
    return run(io, snmp->async_get(t, std::move(oids)));
  }

  asio::io_context io;
  map_mib data;
  std::shared_ptr<udp_agent> agent;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
};

TEST_F(client_against_our_agent, get_set_and_walk_for_each_user) {
  std::string current = "outlet 1";
  for (const auto& u : users) {
    SCOPED_TRACE(u.name);
    const auto t = target_for(u);
    auto got = get(t);
    ASSERT_TRUE(got) << got.err().to_string();
    EXPECT_EQ(as_octets((*got)[0].value), current);
    current = "renamed by " + u.name;
    std::vector<varbind> set{{outlet_name, current}};
    auto done = run(io, snmp->async_set(t, set));
    ASSERT_TRUE(done) << done.err().to_string();
    EXPECT_EQ(data.get(outlet_name), value{current});
    auto walked = run(io, snmp->async_walk(t, table));
    ASSERT_TRUE(walked) << walked.err().to_string();
    EXPECT_EQ(walked->size(), 8u);
  }
  EXPECT_EQ(snmp->stats().v3_discoveries, 1u) << "one engine, discovered once for every user";
  EXPECT_EQ(snmp->stats().v3_reports, 0u);
  EXPECT_EQ(snmp->stats().retransmissions, 0u);
  EXPECT_EQ(snmp->cached_keys(), 4u) << "one key set per authenticated user";
  EXPECT_EQ(agent->counters().usm_wrong_digests, 0u);
}

TEST_F(client_against_our_agent, reports_become_errors) {
  auto wrong_password = users[0];
  wrong_password.auth_password = "wrong-password";
  auto got = get(target_for(wrong_password));
  EXPECT_EQ(got.code(), make_error_code(errc::wrong_digest)) << got.err().to_string();
  EXPECT_NE(got.err().to_string().find("authentication failure"), std::string::npos);
  EXPECT_EQ(agent->counters().usm_wrong_digests, 1u);

  auto stranger = users[0];
  stranger.name = "stranger";
  got = get(target_for(stranger));
  EXPECT_EQ(got.code(), make_error_code(errc::unknown_user_name)) << got.err().to_string();
  EXPECT_NE(got.err().detail.find("'stranger'"), std::string::npos);

  auto more_than_configured = users[3];  // authNoPriv in the agent
  more_than_configured.priv = priv_protocol::aes128;
  more_than_configured.priv_password = "some-privacy-password";
  got = get(target_for(more_than_configured));
  EXPECT_EQ(got.code(), make_error_code(errc::unsupported_security_level)) << got.err().to_string();
}

TEST_F(client_against_our_agent, a_reboot_costs_one_resync) {
  const auto t = target_for(users[0]);
  ASSERT_TRUE(get(t));
  ASSERT_EQ(snmp->engine(t.endpoint)->boots, 1);
  // The same engine on the same port, rebooted: boots + 1, time from 0.
  const auto at = agent->local_endpoint();
  agent->close();
  agent.reset();
  start_agent(at, 2);
  const auto sent = snmp->stats().requests_sent;
  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(snmp->stats().requests_sent, sent + 2);
  EXPECT_EQ(snmp->stats().v3_time_resyncs, 1u);
  EXPECT_EQ(snmp->stats().v3_discoveries, 1u);
  EXPECT_EQ(snmp->engine(t.endpoint)->boots, 2);
  EXPECT_EQ(agent->counters().usm_not_in_time_windows, 1u);
}

TEST_F(client_against_our_agent, an_engine_whose_boots_went_down_costs_one_resync_too) {
  // RFC 3414 3.2 7 b alone would refuse every answer of this PDU from now on: its boots are
  // lower than the ones we know. Its authenticated notInTimeWindow Report is taken instead.
  const auto at = agent->local_endpoint();
  agent->close();
  start_agent(at, 7);
  const auto t = target_for(users[1]);
  ASSERT_TRUE(get(t));
  ASSERT_EQ(snmp->engine(t.endpoint)->boots, 7);
  agent->close();
  start_agent(at, 1);  // the PDU lost its counter
  const auto sent = snmp->stats().requests_sent;
  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(snmp->stats().requests_sent, sent + 2);
  EXPECT_EQ(snmp->stats().v3_clock_went_back, 1u);
  EXPECT_EQ(snmp->engine(t.endpoint)->boots, 1);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
