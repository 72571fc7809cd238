// examples/mosquitto/acl on a real Mosquitto with a password file: the bridge's user sees Home
// Assistant's commands and never a viewer's; the viewer reads states but can neither switch,
// rename nor trigger a read, and nobody but the bridge can fake a state.
#include <gtest/gtest.h>

#include "examples/example_support.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/process.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> users = {"pdu2mqtt", "homeassistant", "viewer"};

// Every topic on which a message makes the bridge act.
const std::vector<std::string> command_topics = {"pdu2mqtt/rack/outlet/1/set",
                                                 "pdu2mqtt/rack/outlet/1/name/set",
                                                 "pdu2mqtt/rack/set", "pdu2mqtt/rack/get"};

class mosquitto_acl_example : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto passwd = dir.path() / "passwd";
    for (std::size_t i = 0; i < users.size(); ++i) {
      std::vector<std::string> argv{"mosquitto_passwd", "-b"};
      if (i == 0) argv.push_back("-c");
      argv.insert(argv.end(), {passwd.string(), users[i], password_of(users[i])});
      const auto made = run_command(argv, 10s);
      ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
    }
    broker = std::make_unique<mosquitto_fixture>(
        mosquitto_setup{.allow_anonymous = false,
                        .password_file = passwd,
                        .acl_file = examples::repo_root() / "examples/mosquitto/acl"});
  }

  static std::string password_of(const std::string& user) { return user + "-pa55"; }

  std::unique_ptr<mqtt_observer> connect_as(const std::string& user) {
    auto client = std::make_unique<mqtt_observer>(
        mqtt::link_options{.broker = *mqtt::parse_broker_url(broker->uri()),
                           .username = user,
                           .password = password_of(user)},
        "#");
    EXPECT_TRUE(client->wait_connected()) << user << ": " << broker->process().output();
    return client;
  }

  temp_dir dir;
  std::unique_ptr<mosquitto_fixture> broker;
};

TEST_F(mosquitto_acl_example, only_the_bridge_and_home_assistant_reach_the_command_topics) {
  auto bridge = connect_as("pdu2mqtt");
  auto home_assistant = connect_as("homeassistant");
  auto viewer = connect_as("viewer");

  // States: the bridge publishes, both others read.
  bridge->publish("pdu2mqtt/rack/outlet/1", "ON", /*retain=*/true);
  EXPECT_TRUE(viewer->wait_for_payload("pdu2mqtt/rack/outlet/1", "ON", 5s));
  EXPECT_TRUE(home_assistant->wait_for_payload("pdu2mqtt/rack/outlet/1", "ON", 5s));
  bridge->publish("homeassistant/device/pdu2mqtt_rack/config", "{}", /*retain=*/true);
  EXPECT_TRUE(
      home_assistant->wait_for_payload("homeassistant/device/pdu2mqtt_rack/config", "{}", 5s));

  // Commands: the viewer's first, then Home Assistant's. The broker accepts a denied QoS 1
  // publish and drops it (MQTT 3.1.1 has no way to say no), so absence is what we check.
  const auto from = bridge->mark();
  for (const auto& topic : command_topics) {
    viewer->publish(topic, "from-viewer");
  }
  viewer->publish("pdu2mqtt/rack/outlet/1", "OFF", /*retain=*/true);          // a fake state
  home_assistant->publish("pdu2mqtt/rack/outlet/1", "OFF", /*retain=*/true);  // likewise
  viewer->pump(200ms);
  for (const auto& topic : command_topics) {
    home_assistant->publish(topic, "from-home-assistant");
  }
  for (const auto& topic : command_topics) {
    EXPECT_TRUE(bridge->wait_for_payload(topic, "from-home-assistant", 5s, from)) << topic;
  }
  bridge->pump(300ms);
  for (const auto& topic : command_topics) {
    for (const auto& m : bridge->on_topic(topic, from)) {
      EXPECT_NE(m.payload, "from-viewer") << "the viewer reached " << topic;
    }
  }
  for (const auto& m : bridge->on_topic("pdu2mqtt/rack/outlet/1", from)) {
    EXPECT_NE(m.payload, "OFF") << "a state was faked by someone other than the bridge";
  }
  // A client that just arrives sees the bridge's retained state, not a fake one.
  auto late = connect_as("viewer");
  EXPECT_TRUE(late->wait_for_payload("pdu2mqtt/rack/outlet/1", "ON", 5s));
}

TEST_F(mosquitto_acl_example, wrong_password_and_anonymous_clients_are_refused) {
  mqtt_observer anonymous(broker->uri());
  EXPECT_FALSE(anonymous.wait_connected(1500ms));
  mqtt_observer wrong(mqtt::link_options{.broker = *mqtt::parse_broker_url(broker->uri()),
                                         .username = "homeassistant",
                                         .password = "not-the-password"});
  EXPECT_FALSE(wrong.wait_connected(1500ms));
}

}  // namespace
}  // namespace pdu2mqtt::test
