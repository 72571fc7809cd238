// The bridge over SNMPv3 authPriv, end to end: the simulated PDU serves a v3 user, the bridge
// polls and switches through it, and follows the PDU across a reboot (snmpEngineBoots up, the
// engine clock back to 0) and across a PDU that lost its boot counter (snmpEngineBoots down),
// without a restart of the bridge.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;

class bridge_v3 : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write_file("auth.pw", "bridge-auth-pass\n");
    dir.write_file("priv.pw", "bridge-priv-pass\n");
    start_pdu("127.0.0.1:0", 1);
    port = pdu->port();
    const auto config = config_builder(broker.port())
                            .pdu(pdu_builder("rack", port)
                                     .poll_interval_ms(300)
                                     .snmp_v3({.user = "bridge",
                                               .auth_protocol = "SHA-256",
                                               .auth_password_file = "auth.pw",
                                               .priv_protocol = "AES-256",
                                               .priv_password_file = "priv.pw"})
                                     .snmp_timing(300, 1))
                            .write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", config.string()});
    ASSERT_TRUE(watch.wait_connected());
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "online", 20s))
        << bridge.output();
  }

  void start_pdu(const std::string& listen, int engine_boots) {
    pdu.reset();
    pdu = std::make_unique<simulator_fixture>(
        std::vector<std::string>{"--listen",
                                 listen,
                                 "--outlets",
                                 "4",
                                 "--apply-delay-ms",
                                 "50",
                                 "--serial",
                                 "SIMV3BRIDGE1",
                                 "--v3-user",
                                 "bridge",
                                 "-a",
                                 "SHA-256",
                                 "-x",
                                 "AES-256",
                                 "--auth-password-file",
                                 (dir.path() / "auth.pw").string(),
                                 "--priv-password-file",
                                 (dir.path() / "priv.pw").string(),
                                 "--engine-boots",
                                 std::to_string(engine_boots)});
  }

  // OFF then ON through MQTT; both confirmed by the PDU.
  void switch_outlet_off_and_on(int n) {
    for (const std::string state : {"OFF", "ON"}) {
      const auto from = watch.mark();
      watch.publish("pdu2mqtt/rack/outlet/" + std::to_string(n) + "/set", state);
      const auto result =
          watch.wait_for("pdu2mqtt/rack/outlet/" + std::to_string(n) + "/result", {}, 10s, from);
      ASSERT_TRUE(result) << bridge.output();
      const auto r = nlohmann::json::parse(result->payload);
      EXPECT_EQ(r["ok"], true) << r.dump() << "\n" << bridge.output();
      EXPECT_EQ(r["state"], state) << r.dump();
    }
  }

  // The PDU goes away for a while and comes back as restart_pdu's engine.
  void restart_pdu(int engine_boots) {
    const auto from = watch.mark();
    pdu.reset();
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "offline", 10s, from))
        << bridge.output();
    start_pdu("127.0.0.1:" + std::to_string(port), engine_boots);
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "online", 20s, from))
        << bridge.output();
  }

  temp_dir dir;
  mosquitto_fixture broker;
  std::unique_ptr<simulator_fixture> pdu;
  std::uint16_t port = 0;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
};

TEST_F(bridge_v3, polls_and_switches_over_auth_priv) {
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/2", "ON", 5s));
  switch_outlet_off_and_on(2);
  const auto state = watch.last_payload("pdu2mqtt/rack/state");
  ASSERT_TRUE(state);
  EXPECT_EQ(nlohmann::json::parse(*state)["identity"]["serial"], "SIMV3BRIDGE1") << *state;
}

TEST_F(bridge_v3, follows_the_pdu_across_a_reboot) {
  restart_pdu(2);  // snmpEngineBoots 1 -> 2, engine time from 0: notInTimeWindow, re-sync
  switch_outlet_off_and_on(3);
}

TEST_F(bridge_v3, follows_a_pdu_that_lost_its_boot_counter) {
  restart_pdu(5);
  // A clock that went back is refused by RFC 3414's rule; the bridge must not be stuck there.
  restart_pdu(1);
  switch_outlet_off_and_on(3);
}

}  // namespace
}  // namespace pdu2mqtt::test
