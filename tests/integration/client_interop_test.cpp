// Our SNMP client against real agents: net-snmp's snmpd (GET with many varbinds, walks, SET,
// wrong community, v1 noSuchName) and snmpsimd replaying a real CyberPower PDU44005 walk.
#include <gtest/gtest.h>

#include <algorithm>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "support/ports.hpp"
#include "support/run_coroutine.hpp"
#include "support/snmpd_fixture.hpp"
#include "support/snmpsim_fixture.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using test::run;

const oid system_group{1, 3, 6, 1, 2, 1, 1};

target loopback(std::uint16_t port, version v, std::string community) {
  target t;
  t.endpoint = {asio::ip::address_v4::loopback(), port};
  t.version = v;
  t.community = std::move(community);
  t.timeout = 500ms;
  t.retries = 1;
  return t;
}

std::string text_of(const value& v) {
  return std::string(as_octets(v).value_or("<not a string>"));
}

class against_snmpd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { agent = new test::snmpd_fixture(); }
  static void TearDownTestSuite() {
    delete agent;
    agent = nullptr;
  }
  void TearDown() override { snmp->close(); }

  target read(version v = version::v2c) {
    return loopback(agent->port(), v, std::string(test::snmpd_fixture::read_community));
  }
  target write(version v = version::v2c) {
    return loopback(agent->port(), v, std::string(test::snmpd_fixture::write_community));
  }

  static test::snmpd_fixture* agent;
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
};
test::snmpd_fixture* against_snmpd::agent = nullptr;

TEST_F(against_snmpd, get_with_many_varbinds_in_one_request) {
  std::vector<oid> oids;
  for (std::uint32_t i = 1; i <= 7; ++i)
    oids.push_back(system_group.child({i, 0}));
  auto t = read();
  t.max_varbinds = 7;
  auto got = run(io, snmp->async_get(t, oids));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 7u);
  EXPECT_EQ(text_of((*got)[0].value), test::snmpd_fixture::sys_descr);
  EXPECT_TRUE(std::holds_alternative<oid>((*got)[1].value));
  EXPECT_TRUE(std::holds_alternative<time_ticks>((*got)[2].value));
  EXPECT_EQ(text_of((*got)[4].value), test::snmpd_fixture::sys_name);
  EXPECT_EQ(text_of((*got)[5].value), test::snmpd_fixture::sys_location);
  EXPECT_EQ(snmp->stats().requests_sent, 1u) << "seven OIDs, one datagram";
}

TEST_F(against_snmpd, walk_v2c_and_v1_agree) {
  auto v2 = run(io, snmp->async_walk(read(version::v2c), system_group));
  ASSERT_TRUE(v2) << v2.err().to_string();
  auto v1 = run(io, snmp->async_walk(read(version::v1), system_group));
  ASSERT_TRUE(v1) << v1.err().to_string();
  ASSERT_GE(v2->size(), 7u);
  // sysUpTime moves between the walks; everything else must match.
  ASSERT_EQ(v1->size(), v2->size());
  for (std::size_t i = 0; i < v1->size(); ++i) {
    EXPECT_EQ((*v1)[i].name, (*v2)[i].name);
    if ((*v1)[i].name != system_group.child({3, 0})) {
      EXPECT_EQ((*v1)[i].value, (*v2)[i].value);
    }
  }
  EXPECT_TRUE(std::is_sorted(v2->begin(), v2->end(),
                             [](const varbind& a, const varbind& b) { return a.name < b.name; }));
}

TEST_F(against_snmpd, set_with_the_write_community_is_applied) {
  const auto contact = system_group.child({4, 0});
  const std::string written = "pdu2mqtt interop " + std::to_string(test::free_udp_port());
  auto set = run(io, snmp->async_set(write(), {{contact, written}}));
  ASSERT_TRUE(set) << set.err().to_string();
  auto got = run(io, snmp->async_get(read(), {contact}));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(text_of((*got)[0].value), written);
}

TEST_F(against_snmpd, set_with_the_read_community_is_refused) {
  auto set = run(io, snmp->async_set(read(), {{system_group.child({4, 0}), std::string("x")}}));
  ASSERT_FALSE(set);
  // net-snmp answers a write through a read-only community with noAccess on v2c.
  EXPECT_EQ(set.code(), make_error_code(errc::no_access)) << set.err().to_string();
}

TEST_F(against_snmpd, wrong_community_times_out) {
  auto t = read();
  t.community = "not-the-community";
  t.timeout = 200ms;
  auto got = run(io, snmp->async_get(t, {system_group.child({1, 0})}));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::timeout));
}

TEST_F(against_snmpd, missing_oid_is_an_exception_on_v2c_and_on_v1) {
  const oid missing = cyberpower::outlet::state.child(1);
  for (auto v : {version::v2c, version::v1}) {
    auto got = run(io, snmp->async_get(read(v), {system_group.child({1, 0}), missing,
                                                 system_group.child({5, 0})}));
    ASSERT_TRUE(got) << got.err().to_string();
    ASSERT_EQ(got->size(), 3u);
    EXPECT_EQ(text_of((*got)[0].value), test::snmpd_fixture::sys_descr);
    EXPECT_TRUE(is_exception((*got)[1].value)) << type_name((*got)[1].value);
    EXPECT_EQ(text_of((*got)[2].value), test::snmpd_fixture::sys_name);
  }
}

TEST(client_timeouts, nobody_listening_gives_a_timeout_and_the_client_recovers) {
  asio::io_context io;
  auto snmp = client::create(io.get_executor());
  auto t = loopback(test::free_udp_port(), version::v2c, "public");
  t.timeout = 100ms;
  t.retries = 2;
  const auto started = std::chrono::steady_clock::now();
  auto got = run(io, snmp->async_get(t, {system_group.child({1, 0})}));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::timeout));
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
  test::snmpd_fixture agent;
  auto ok = run(io, snmp->async_get(loopback(agent.port(), version::v2c, "public"),
                                    {system_group.child({1, 0})}));
  EXPECT_TRUE(ok) << ok.err().to_string();
  snmp->close();
}

// The recorded PDU44005: real firmware quirks (NULL values, Gauge columns sent as INTEGER).
class against_real_walk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { agent = new test::snmpsim_fixture(); }
  static void TearDownTestSuite() {
    delete agent;
    agent = nullptr;
  }
  void TearDown() override { snmp->close(); }
  target pdu() {
    auto t = loopback(agent->port(), version::v2c, agent->community());
    t.timeout = 2s;  // snmpsimd is Python: slower than a PDU under a loaded CI machine
    return t;
  }

  static test::snmpsim_fixture* agent;
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
};
test::snmpsim_fixture* against_real_walk::agent = nullptr;

TEST_F(against_real_walk, walks_the_whole_cyberpower_subtree) {
  auto got = run(io, snmp->async_walk(pdu(), cyberpower::enterprise), 60s);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_GT(got->size(), 900u);
  std::size_t nulls = 0;
  for (const auto& vb : *got)
    nulls += std::holds_alternative<null_value>(vb.value);
  EXPECT_GT(nulls, 0u) << "the recording has NULL-typed values; they must decode";
}

TEST_F(against_real_walk, decodes_null_gauge_and_integer_quirks) {
  const oid bank_load = cyberpower::bank::load.child(1);          // Gauge32 10
  const oid outlet_energy = cyberpower::outlet::energy.child(1);  // Gauge in MIB, INTEGER here
  const oid load_status_null =
      cyberpower::load::status_apparent_power.child(2);  // NULL on this firmware
  auto got = run(io, snmp->async_get(pdu(), {bank_load, outlet_energy, load_status_null}));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ((*got)[0].value, value{gauge32{10}});
  EXPECT_TRUE(std::holds_alternative<std::int32_t>((*got)[1].value)) << type_name((*got)[1].value);
  EXPECT_TRUE(std::holds_alternative<null_value>((*got)[2].value)) << type_name((*got)[2].value);
}

TEST_F(against_real_walk, snapshot_of_the_pdu44005) {
  auto got = run(io, device::async_read_snapshot(*snmp, pdu()));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(got->id.model, "PDU44005");
  EXPECT_EQ(got->id.firmware, "1.3.2");
  EXPECT_EQ(got->id.hardware, "1.1");
  EXPECT_EQ(got->id.sys_descr, "CPS Power Distributed Unit");
  EXPECT_EQ(got->size.outlets, 10);
  EXPECT_EQ(got->size.banks, 1);
  ASSERT_EQ(got->outlets.size(), 10u);
  EXPECT_EQ(got->outlets[0].name, "Outlet1");
  EXPECT_EQ(got->outlets[9].name, "Outlet10");
  for (const auto& o : got->outlets)
    EXPECT_EQ(o.state, device::power_state::on);
  ASSERT_EQ(got->banks.size(), 1u);
  ASSERT_TRUE(got->banks[0].current_a);
  EXPECT_DOUBLE_EQ(*got->banks[0].current_a, 1.0);
  EXPECT_EQ(got->banks[0].load, device::load_state::normal);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
