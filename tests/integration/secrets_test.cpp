// Secrets never leave the bridge: a full run at trace level (SNMPv3 authPriv to the simulator,
// a password on the broker and on the web page, commands accepted and refused, a PDU with a
// wrong pass phrase)
// and a search of everything it printed, everything it published, its command line and its
// config checks for every secret.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/web_client.hpp"

namespace pdu2mqtt::test {
namespace {

using namespace std::chrono_literals;

// Distinct, unlikely strings: a hit can only be a leak.
const std::string mqtt_password = "mqtt-Zq8-leak-canary";
const std::string auth_pass_phrase = "auth-Kw3-leak-canary";
const std::string priv_pass_phrase = "priv-Jx5-leak-canary";
const std::string wrong_pass_phrase = "wrong-Vb7-leak-canary";
const std::string web_password = "web-Hn4-leak-canary";

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every secret that occurs in text, by name (empty: none).
std::string leaked(const std::string& text) {
  std::string found;
  for (const auto& [name, secret] :
       {std::pair{"MQTT password", mqtt_password}, std::pair{"auth pass phrase", auth_pass_phrase},
        std::pair{"priv pass phrase", priv_pass_phrase},
        std::pair{"wrong pass phrase", wrong_pass_phrase},
        std::pair{"web page password", web_password}}) {
    if (text.find(secret) != std::string::npos)
      found += std::string(found.empty() ? "" : ", ") + name;
  }
  return found;
}

TEST(secrets, never_appear_in_logs_topics_command_line_or_config_output) {
  temp_dir dir;
  const auto passwd = dir.path() / "passwd";
  const auto made =
      run_command({"mosquitto_passwd", "-b", "-c", passwd.string(), "bridge", mqtt_password}, 10s);
  ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  // Anonymous clients (the observer) may read; the bridge logs in with its password.
  mosquitto_fixture broker(mosquitto_setup{.allow_anonymous = true, .password_file = passwd});

  const auto auth_file = dir.write_file("auth.pw", auth_pass_phrase + "\n");
  const auto priv_file = dir.write_file("priv.pw", priv_pass_phrase + "\n");
  dir.write_file("mqtt.pw", mqtt_password + "\n");
  dir.write_file("wrong.pw", wrong_pass_phrase + "\n");
  dir.write_file("web.pw", web_password + "\n");
  simulator_fixture pdu({"--v3-user", "bridge", "-a", "SHA-256", "-x", "AES",
                         "--auth-password-file", auth_file.string(), "--priv-password-file",
                         priv_file.string(), "--apply-delay-ms", "50", "--outlets", "4"});

  const auto v3 = [&](const std::string& id, const std::string& auth_file_name) {
    return pdu_builder(id, pdu.port())
        .protected_outlets({1})
        .poll_interval_ms(300)
        .snmp_v3({.user = "bridge",
                  .auth_protocol = "SHA-256",
                  .auth_password_file = auth_file_name,
                  .priv_protocol = "AES",
                  .priv_password_file = "priv.pw"})
        .snmp_timing(300, 1);
  };
  const auto config =
      config_builder(broker.port())
          .mqtt_login("bridge", "mqtt.pw")
          .pdu(v3("rack", "auth.pw"))
          .pdu(v3("wrong", "wrong.pw"))
          .http({{"listen", "127.0.0.1:0"}, {"username", "ops"}, {"password_file", "web.pw"}})
          .log_level("trace")
          .write(dir);

  mqtt_observer watch(broker.uri());
  ASSERT_TRUE(watch.wait_connected());
  child_process bridge(
      {PDU2MQTT_BINARY, "--log-level", "trace", "run", "--config", config.string()});
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "online", 20s))
      << bridge.output();
  ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/2", "ON", 5s)) << bridge.output();

  // A command that is carried out, one refused (protected outlet), one that is garbage.
  auto from = watch.mark();
  watch.publish("pdu2mqtt/rack/outlet/2/set", "OFF");
  const auto result = watch.wait_for("pdu2mqtt/rack/outlet/2/result", {}, 10s, from);
  ASSERT_TRUE(result) << bridge.output();
  EXPECT_EQ(nlohmann::json::parse(result->payload)["ok"], true) << result->payload;
  watch.publish("pdu2mqtt/rack/outlet/1/set", "OFF");
  watch.publish("pdu2mqtt/rack/outlet/3/set", "\x01garbage");
  ASSERT_TRUE(watch.wait_for("pdu2mqtt/rack/error", {}, 10s, from)) << bridge.output();

  // The web page: a wrong password, then the right one for the state, a command, the events.
  const auto web = web_port_from_log(bridge.output());
  ASSERT_NE(web, 0) << bridge.output();
  web_request_options wrong{.user = "ops", .password = web_password + "x"};
  EXPECT_EQ(web_get(web, "/api/state", wrong).status, 401);
  web_request_options right{.user = "ops", .password = web_password};
  const auto state = web_get(web, "/api/state", right);
  ASSERT_EQ(state.status, 200);
  EXPECT_EQ(leaked(state.body), "") << "in /api/state";
  {
    event_stream events(web, right);
    EXPECT_EQ(web_post(web, "/api/pdus/rack/outlets/2", "ON", right).status, 202);
    ASSERT_TRUE(events.wait_for("result")) << bridge.output();
    for (const auto& e : events.events()) {
      EXPECT_EQ(leaked(e.data.dump()), "") << "in the page's event " << e.name;
    }
  }

  // The PDU with the wrong pass phrase fails with a clear message and stays offline.
  ASSERT_TRUE(bridge.wait_for_output("authentication failure", 15s)) << bridge.output();
  EXPECT_EQ(watch.last_payload("pdu2mqtt/wrong/availability").value_or("offline"), "offline");

  // /proc/<pid>/cmdline while it runs.
  const auto cmdline = read_all("/proc/" + std::to_string(bridge.pid()) + "/cmdline");
  ASSERT_FALSE(cmdline.empty());
  EXPECT_EQ(leaked(cmdline), "");

  watch.pump(300ms);
  bridge.stop();
  const std::string logs = bridge.stdout_text() + bridge.stderr_text();
  // The log really is the detailed one: debug lines (refusals, failed reads) are in it.
  EXPECT_NE(logs.find("debug [rack] command refused"), std::string::npos) << logs;
  EXPECT_NE(logs.find("debug [wrong] reading the PDU failed"), std::string::npos) << logs;
  EXPECT_EQ(leaked(logs), "") << "in the bridge's output";

  for (const auto& m : watch.received()) {
    EXPECT_EQ(leaked(m.topic + " " + m.payload), "") << "published on " << m.topic;
  }
  EXPECT_GT(watch.received().size(), 20u);
  // What stays on the broker: a client that arrives now gets the retained messages.
  mqtt_observer late(broker.uri());
  ASSERT_TRUE(late.wait_connected());
  late.pump(500ms);
  std::size_t retained = 0;
  for (const auto& m : late.received()) {
    retained += m.retained ? 1 : 0;
    EXPECT_EQ(leaked(m.topic + " " + m.payload), "") << "retained on " << m.topic;
  }
  EXPECT_GT(retained, 10u) << "the retained states and discovery were searched too";

  // bridge/info carries the configuration, with the secrets masked.
  const auto info = late.last_payload("pdu2mqtt/bridge/info");
  ASSERT_TRUE(info);
  EXPECT_NE(info->find("***"), std::string::npos) << *info;

  // check-config --print and --help show the configuration and the options, never a secret.
  const auto checked =
      run_command({PDU2MQTT_BINARY, "check-config", "--print", config.string()}, 10s);
  EXPECT_EQ(checked.exit_code, 0) << checked.stderr_text;
  EXPECT_EQ(leaked(checked.stdout_text + checked.stderr_text), "");
  for (const auto& sub : {"run", "probe", "outlet", "simulate"}) {
    const auto help = run_command({PDU2MQTT_BINARY, sub, "--help"}, 10s,
                                  {{"PDU2MQTT_SNMP_AUTH_PASSWORD", auth_pass_phrase},
                                   {"PDU2MQTT_MQTT_PASSWORD", mqtt_password}});
    EXPECT_EQ(leaked(help.stdout_text + help.stderr_text), "") << sub << " --help";
  }
}

}  // namespace
}  // namespace pdu2mqtt::test
