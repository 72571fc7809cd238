// PDUs on IPv6, end to end: the bridge polling and switching a simulated PDU on [::1] beside
// an IPv4 one (one SNMP client, a socket per family), configured as the address `::1` and as a
// host name that resolves to ::1 only; `probe` and `outlet` given `[::1]:PORT`.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pdu2mqtt/common/asio.hpp"
#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;

namespace cp = cyberpower;

// A host name this machine resolves to ::1 and nothing else: Debian's /etc/hosts names it
// ip6-localhost and ip6-loopback, other systems localhost6. Empty when there is none.
std::string ipv6_only_loopback_name() {
  asio::io_context io;
  udp::resolver resolver(io);
  for (const char* name :
       {"ip6-localhost", "ip6-loopback", "localhost6", "localhost6.localdomain6"}) {
    std::error_code ec;
    const auto found = resolver.resolve(name, "161", udp::resolver::numeric_service, ec);
    if (ec || found.empty()) continue;
    bool only_v6_loopback = true;
    for (const auto& entry : found) {
      only_v6_loopback =
          only_v6_loopback && entry.endpoint().address() == asio::ip::make_address("::1");
    }
    if (only_v6_loopback) return name;
  }
  return {};
}

class bridge_ipv6 : public ::testing::Test {
 protected:
  // The bridge with two PDUs: "six" at `host` (the simulator on [::1]) and "four" on 127.0.0.1;
  // `wrapper` runs it (e.g. in a namespace of its own).
  void start(const std::string& host, std::vector<std::string> wrapper = {}) {
    const auto config = config_builder(broker.port())
                            .pdu(pdu_builder("six", six.port()).host(host).poll_interval_ms(300))
                            .pdu(pdu_builder("four", four.port()).poll_interval_ms(300))
                            .write(dir);
    wrapper.insert(wrapper.end(), {PDU2MQTT_BINARY, "run", "--config", config.string()});
    bridge.start(std::move(wrapper));
    ASSERT_TRUE(watch.wait_connected());
  }

  void expect_polled_and_switched() {
    EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/six/availability", "online", 15s))
        << bridge.output();
    EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/four/availability", "online", 15s));
    for (int n = 1; n <= 4; ++n) {
      EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/six/outlet/" + std::to_string(n), "ON", 5s))
          << n;
    }
    EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/six/outlet/2/name", "Outlet2", 5s));

    const auto from = watch.mark();
    watch.publish("pdu2mqtt/six/outlet/2/set", "OFF");
    const auto result = watch.wait_for("pdu2mqtt/six/outlet/2/result", {}, 10s, from);
    ASSERT_TRUE(result) << bridge.output();
    EXPECT_EQ(nlohmann::json::parse(result->payload)["ok"], true) << result->payload;
    EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/six/outlet/2", "OFF", 5s, from));
    EXPECT_EQ(snmp_get_value(six.endpoint(), "public", oid_at(cp::outlet::state, 2)), "2")
        << "the PDU itself reports outlet 2 off";
    EXPECT_EQ(snmp_get_value(four.endpoint(), "public", oid_at(cp::outlet::state, 2)), "1")
        << "the IPv4 PDU was not touched";
    EXPECT_EQ(bridge.output().find("IPv4 only"), std::string::npos);
  }

  mosquitto_fixture broker;
  simulator_fixture six{{"--listen", "[::1]:0", "--outlets", "4", "--apply-delay-ms", "50"}};
  simulator_fixture four{{"--outlets", "4"}};
  mqtt_observer watch{broker.uri()};
  temp_dir dir;
  child_process bridge;
};

TEST_F(bridge_ipv6, a_pdu_at_an_ipv6_address_is_polled_and_switched_beside_an_ipv4_one) {
  ASSERT_EQ(six.address(), "::1");
  start("::1");
  expect_polled_and_switched();
}

TEST_F(bridge_ipv6, a_host_name_with_only_an_ipv6_address_is_polled_and_switched) {
  auto name = ipv6_only_loopback_name();
  std::vector<std::string> wrapper;
  if (name.empty()) {
    // No such name here (a container's /etc/hosts often lacks Debian's "::1 ip6-localhost"):
    // where root may, the bridge gets a mount namespace of its own whose /etc/hosts adds one,
    // so the machine's file stays as it is.
    name = "pdu2mqtt-ipv6-only";
    std::ifstream in("/etc/hosts");
    std::stringstream hosts;
    hosts << in.rdbuf() << "\n::1 " << name << "\n";
    const auto file = dir.write_file("hosts", hosts.str());
    wrapper = {"unshare", "-m", "sh", "-c",
               "mount --bind " + file.string() + " /etc/hosts && exec \"$0\" \"$@\""};
    auto can =
        run_command({"unshare", "-m", "sh", "-c",
                     "mount --bind " + file.string() + " /etc/hosts && getent hosts " + name},
                    10s);
    if (can.exit_code != 0) {
      GTEST_SKIP() << "no host name resolves to ::1 alone on this machine (tried ip6-localhost, "
                      "ip6-loopback, localhost6, localhost6.localdomain6; Debian's /etc/hosts "
                      "has '::1 ip6-localhost ip6-loopback'), and `unshare -m` cannot make one: "
                   << can.stderr_text;
    }
  }
  start(name, wrapper);
  expect_polled_and_switched();
}

TEST(cli_ipv6, probe_and_outlet_reach_a_pdu_at_an_ipv6_address) {
  simulator_fixture sim({"--listen", "[::1]:0", "--outlets", "4", "--apply-delay-ms", "50"});
  auto probe = run_command({PDU2MQTT_BINARY, "probe", sim.endpoint(), "--json"}, 30s);
  ASSERT_EQ(probe.exit_code, 0) << probe.stderr_text;
  EXPECT_EQ(nlohmann::json::parse(probe.stdout_text)["outlets"].size(), 4u);
  auto off = run_command({PDU2MQTT_BINARY, "outlet", sim.endpoint(), "3", "off"}, 30s);
  ASSERT_EQ(off.exit_code, 0) << off.stdout_text << off.stderr_text;
  EXPECT_EQ(snmp_get_value(sim.endpoint(), "public", oid_at(cp::outlet::state, 3)), "2");
  // Unbracketed, as the config's host takes it: the default port then.
  auto nobody =
      run_command({PDU2MQTT_BINARY, "probe", "::1", "--timeout-ms", "100", "--retries", "0"}, 30s);
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.stderr_text.find("[::1]:161"), std::string::npos) << nobody.stderr_text;
}

}  // namespace
}  // namespace pdu2mqtt::test
