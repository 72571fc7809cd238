// The web page's HTTP API end to end: `pdu2mqtt run` with "http" against Mosquitto and the
// simulated PDU, all real processes. Commands from the page must take the MQTT path (same
// results, same refusals, also published), the page must see what MQTT sees, and the guards
// (CSRF header, Host check, basic auth, read-only) must hold without switching anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/mqtt_observer.hpp"
#include "support/oid_text.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"
#include "support/web_client.hpp"

namespace pdu2mqtt::test {
namespace {

namespace sim_oids = sim::test_oids;

using nlohmann::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

namespace cp = cyberpower;

class web_api : public ::testing::Test {
 protected:
  void SetUp() override {
    pdu = std::make_unique<simulator_fixture>(std::vector<std::string>{
        "--outlets", "8", "--apply-delay-ms", "100", "--serial", "SIMWEB01"});
    const auto config = config_builder(broker.port())
                            .pdu(pdu_builder("rack", pdu->port())
                                     .name("Rack")
                                     .snmp_timing(300, 1)
                                     .poll_interval_ms(300)
                                     .offline_after_failures(2)
                                     .protected_outlets({1}))
                            .http(http_section())
                            .write(dir);
    bridge.start({PDU2MQTT_BINARY, "run", "--config", config.string(), "--log-level", "debug"});
    ASSERT_TRUE(bridge.wait_for_output("web page on http://", 30s)) << bridge.output();
    port = web_port_from_log(bridge.output());
    ASSERT_NE(port, 0) << bridge.output();
    ASSERT_TRUE(watch.wait_connected());
    ASSERT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/availability", "online", 15s))
        << bridge.output();
  }

  virtual json http_section() const { return {{"listen", "127.0.0.1:0"}}; }

  std::string state_of(int n) {
    return snmp_get_value(pdu->endpoint(), "public", oid_at(cp::outlet::state, n));
  }
  int sets_received() {
    return std::stoi(snmp_get_value(pdu->endpoint(), "public", oid_text(sim_oids::sets_received)));
  }
  static std::function<bool(const json&)> outlet_is(int n, const std::string& state) {
    return [n, state](const json& pdu) {
      if (pdu.value("id", "") != "rack" || !pdu["state"].is_object()) return false;
      for (const auto& o : pdu["state"]["outlets"]) {
        if (o["number"] == n) return o["state"] == state;
      }
      return false;
    };
  }

  mosquitto_fixture broker;
  std::unique_ptr<simulator_fixture> pdu;
  temp_dir dir;
  child_process bridge;
  mqtt_observer watch{broker.uri()};
  std::uint16_t port = 0;
};

TEST_F(web_api, serves_the_page_from_the_binary_and_the_state_as_json) {
  auto page = web_get(port, "/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_THAT(page.headers["Content-Type"], HasSubstr("text/html"));
  EXPECT_THAT(page.headers["Content-Security-Policy"], HasSubstr("default-src 'none'"));
  EXPECT_EQ(page.headers["X-Content-Type-Options"], "nosniff");
  for (const char* asset : {"/app.js", "/style.css"}) {
    EXPECT_EQ(web_get(port, asset).status, 200) << asset;
  }
  EXPECT_EQ(web_get(port, "/nothing").status, 404);

  auto state = web_get(port, "/api/state").json();
  ASSERT_EQ(state["pdus"].size(), 1u) << state.dump();
  const auto& rack = state["pdus"][0];
  EXPECT_EQ(rack["id"], "rack");
  EXPECT_EQ(rack["name"], "Rack");
  EXPECT_EQ(rack["available"], true);
  EXPECT_EQ(rack["protected_outlets"], json::array({1}));
  EXPECT_EQ(rack["state"]["outlets"].size(), 8u);
  EXPECT_EQ(rack["state"]["identity"]["serial"], "SIMWEB01");
  EXPECT_EQ(state["bridge"]["mqtt_connected"], true);
  EXPECT_EQ(state["bridge"]["read_only"], false);
}

TEST_F(web_api, a_command_from_the_page_takes_the_mqtt_path) {
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot")) << bridge.output();
  const auto from = watch.mark();
  auto accepted = web_post(port, "/api/pdus/rack/outlets/4", R"({"state": "OFF"})");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(accepted.json()["topic"], "pdu2mqtt/rack/outlet/4/set");

  auto result = events.wait_for("result", [](const json& r) { return r["outlet"] == 4; });
  ASSERT_TRUE(result) << bridge.output();
  EXPECT_EQ(result->data["pdu"], "rack");
  EXPECT_EQ(result->data["ok"], true) << result->data.dump();
  EXPECT_EQ(result->data["state"], "OFF");
  // The same result on MQTT, field for field (the page adds only pdu and outlet).
  auto on_mqtt = watch.wait_for("pdu2mqtt/rack/outlet/4/result", {}, 10s, from);
  ASSERT_TRUE(on_mqtt);
  json page_result = result->data;
  page_result.erase("pdu");
  page_result.erase("outlet");
  EXPECT_EQ(json::parse(on_mqtt->payload), page_result);
  EXPECT_EQ(state_of(4), "2");
  EXPECT_TRUE(events.wait_for("pdu", outlet_is(4, "OFF")));
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack/outlet/4", "OFF", 5s, from));
}

TEST_F(web_api, refusals_read_word_for_word_as_on_mqtt_and_switch_nothing) {
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot"));
  const int sets_before = sets_received();
  struct attempt {
    std::string outlet, payload, expected;
  };
  for (const auto& a :
       {attempt{"1", R"({"state": "OFF"})", "is protected"}, attempt{"1", "REBOOT", "is protected"},
        attempt{"99", "OFF", "no outlet 99"}, attempt{"3", "FLIP", "outlet 3: "},
        attempt{"x", "ON", "outlet"}}) {
    const auto mark = events.mark();
    const auto from = watch.mark();
    auto accepted = web_post(port, "/api/pdus/rack/outlets/" + a.outlet, a.payload);
    ASSERT_EQ(accepted.status, 202) << a.outlet << " " << a.payload << ": " << accepted.body;
    const std::string topic = accepted.json()["topic"];
    auto error = events.wait_for(
        "error", [&](const json& e) { return e["topic"] == topic; }, 10s, mark);
    ASSERT_TRUE(error) << a.payload << "\n" << bridge.output();
    EXPECT_THAT(error->data["error"].get<std::string>(), HasSubstr(a.expected));
    auto on_mqtt = watch.wait_for("pdu2mqtt/rack/error", {}, 10s, from);
    ASSERT_TRUE(on_mqtt);
    EXPECT_EQ(json::parse(on_mqtt->payload)["error"], error->data["error"]);
  }
  EXPECT_EQ(state_of(1), "1");
  EXPECT_EQ(sets_received(), sets_before);
}

TEST_F(web_api, the_page_sees_a_change_when_mqtt_does) {
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot"));
  const auto mark = events.mark();
  const auto from = watch.mark();
  // Switched behind the bridge's back: only polling can see it.
  auto set = run_command({"snmpset", "-v2c", "-c", "private", "-m", "", pdu->endpoint(),
                          oid_at(cp::outlet::command, 6), "i", "2"},
                         10s);
  ASSERT_EQ(set.exit_code, 0) << all_output(set);
  auto seen = events.wait_for("pdu", outlet_is(6, "OFF"), 10s, mark);
  ASSERT_TRUE(seen) << bridge.output();
  auto on_mqtt = watch.wait_for(
      "pdu2mqtt/rack/outlet/6", [](auto& p) { return p == "OFF"; }, 10s, from);
  ASSERT_TRUE(on_mqtt);
  // Both come from the same poll (the same bridge event); the gap is what the page adds.
  // Not asserted here (timing belongs to bench/), but shown for the record.
  RecordProperty("pdu_event_state", seen->data["state"]["outlets"][5]["state"].get<std::string>());
}

TEST_F(web_api, guards_refuse_before_anything_is_switched) {
  const int sets_before = sets_received();
  web_request_options no_csrf;
  no_csrf.csrf_header = false;
  auto r = web_post(port, "/api/pdus/rack/outlets/4", "OFF", no_csrf);
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.json()["error"].get<std::string>(), HasSubstr("X-Requested-By"));

  web_request_options rebinding;
  rebinding.headers["Host"] = "attacker.example:8080";
  r = web_get(port, "/api/state", rebinding);
  EXPECT_EQ(r.status, 421);
  r = web_post(port, "/api/pdus/rack/outlets/4", "OFF", rebinding);
  EXPECT_EQ(r.status, 421);

  EXPECT_EQ(web_post(port, "/api/pdus/nope/outlets/4", "OFF").status, 404);
  EXPECT_EQ(web_post(port, "/api/probe", "not json").status, 400);
  EXPECT_EQ(web_post(port, "/api/pdus", "[1, 2]").status, 400);
  EXPECT_EQ(web_post(port, "/api/pdus/rack/outlets/4", std::string(100 * 1024, 'x')).status, 413);
  watch.pump(500ms);
  EXPECT_EQ(state_of(4), "1");
  EXPECT_EQ(sets_received(), sets_before);
  EXPECT_TRUE(bridge.running());
}

TEST_F(web_api, probes_and_adds_a_pdu_to_the_running_bridge) {
  simulator_fixture second({"--outlets", "4", "--name", "Rack B", "--serial", "SIMWEB02"});
  const auto colon = second.endpoint().rfind(':');
  const std::string second_port = second.endpoint().substr(colon + 1);
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot"));

  auto probe =
      web_post(port, "/api/probe",
               R"({"host": "127.0.0.1", "port": )" + second_port + R"(, "community": "public"})");
  ASSERT_EQ(probe.status, 200);
  auto found = probe.json();
  ASSERT_EQ(found["ok"], true) << found.dump();
  EXPECT_EQ(found["serial"], "SIMWEB02");
  EXPECT_EQ(found["outlets"].size(), 4u);
  EXPECT_EQ(found["suggested_id"], "rack-b");

  auto dead = web_post(port, "/api/probe",
                       R"({"host": "127.0.0.1", "port": )" + std::to_string(free_udp_port()) + "}");
  ASSERT_EQ(dead.status, 200);
  EXPECT_EQ(dead.json()["ok"], false);
  EXPECT_THAT(dead.json()["error"].get<std::string>(), HasSubstr("timeout"));

  auto bad = web_post(port, "/api/pdus", R"({"id": "rack", "host": "127.0.0.1"})");
  EXPECT_EQ(bad.status, 409) << bad.body;
  EXPECT_THAT(bad.json()["error"].get<std::string>(), HasSubstr("duplicate id"));
  bad = web_post(port, "/api/pdus", R"({"id": "x y", "host": "127.0.0.1"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.json()["error"].get<std::string>(), HasSubstr("pdu.id"));

  const auto from = watch.mark();
  auto added = web_post(port, "/api/pdus",
                        R"({"id": "rack-b", "name": "Rack B", "host": "127.0.0.1", "port": )" +
                            second_port + R"(, "community": "public"})");
  ASSERT_EQ(added.status, 201) << added.body;
  auto online = events.wait_for(
      "pdu", [](const json& p) { return p["id"] == "rack-b" && p["available"] == true; }, 15s);
  ASSERT_TRUE(online) << bridge.output();
  EXPECT_EQ(online->data["state"]["outlets"].size(), 4u);
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-b/availability", "online", 10s, from));
  // And it takes commands like any configured PDU.
  ASSERT_EQ(web_post(port, "/api/pdus/rack-b/outlets/2", "OFF").status, 202);
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-b/outlet/2", "OFF", 10s, from));
}

// The page's form takes an IPv6 address as the config file does: probe, add, poll, switch.
TEST_F(web_api, probes_and_adds_a_pdu_at_an_ipv6_address) {
  simulator_fixture six({"--listen", "[::1]:0", "--outlets", "4", "--name", "Rack Six", "--serial",
                         "SIMWEB06", "--apply-delay-ms", "50"});
  const auto six_port = std::to_string(six.port());
  auto probe = web_post(port, "/api/probe", R"({"host": "::1", "port": )" + six_port + "}");
  ASSERT_EQ(probe.status, 200);
  ASSERT_EQ(probe.json()["ok"], true) << probe.body;
  EXPECT_EQ(probe.json()["serial"], "SIMWEB06");
  EXPECT_EQ(probe.json()["outlets"].size(), 4u);

  const auto from = watch.mark();
  auto added =
      web_post(port, "/api/pdus", R"({"id": "rack-six", "host": "::1", "port": )" + six_port + "}");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-six/availability", "online", 10s, from))
      << bridge.output();
  ASSERT_EQ(web_post(port, "/api/pdus/rack-six/outlets/2", "OFF").status, 202);
  EXPECT_TRUE(watch.wait_for_payload("pdu2mqtt/rack-six/outlet/2", "OFF", 10s, from));
  EXPECT_EQ(snmp_get_value(six.endpoint(), "public", oid_at(cp::outlet::state, 2)), "2");
}

TEST_F(web_api, an_outage_shows_the_pdu_offline_and_back) {
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot"));
  pdu->process().signal(SIGSTOP);
  auto offline = events.wait_for(
      "pdu", [](const json& p) { return p["id"] == "rack" && p["available"] == false; }, 15s);
  pdu->process().signal(SIGCONT);
  ASSERT_TRUE(offline) << bridge.output();
  EXPECT_TRUE(events.wait_for(
      "pdu", [](const json& p) { return p["id"] == "rack" && p["available"] == true; }, 15s));
}

TEST_F(web_api, the_page_keeps_switching_while_the_broker_is_down) {
  event_stream events(port);
  ASSERT_TRUE(events.wait_for("snapshot"));
  broker.stop();
  auto lost = events.wait_for(
      "bridge", [](const json& b) { return b["mqtt_connected"] == false; }, 15s);
  ASSERT_TRUE(lost) << bridge.output();
  // The page does not go through the broker: commands still reach the PDU and confirm.
  ASSERT_EQ(web_post(port, "/api/pdus/rack/outlets/5", "OFF").status, 202);
  auto result = events.wait_for("result", [](const json& r) { return r["outlet"] == 5; });
  ASSERT_TRUE(result) << bridge.output();
  EXPECT_EQ(result->data["ok"], true) << result->data.dump();
  EXPECT_EQ(state_of(5), "2");
  broker.start();
  EXPECT_TRUE(events.wait_for(
      "bridge", [](const json& b) { return b["mqtt_connected"] == true; }, 20s))
      << bridge.output();
}

TEST_F(web_api, stops_promptly_with_pages_open) {
  event_stream events(port);
  event_stream second(port);
  ASSERT_TRUE(events.wait_for("snapshot"));
  ASSERT_TRUE(second.wait_for("snapshot"));
  bridge.signal(SIGTERM);
  const auto code = bridge.wait(10s);
  ASSERT_TRUE(code.has_value()) << "still running 10 s after SIGTERM\n" << bridge.output();
  EXPECT_EQ(*code, 0) << bridge.output();
}

class web_api_secured : public web_api {
 protected:
  json http_section() const override {
    dir.write_file("web.pw", "s3cret-web-pass\n");
    return {{"listen", "127.0.0.1:0"},
            {"username", "ops"},
            {"password_file", (dir.path() / "web.pw").string()},
            {"read_only", true}};
  }
};

TEST_F(web_api_secured, asks_for_the_password_and_switches_nothing_when_read_only) {
  auto r = web_get(port, "/api/state");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers["WWW-Authenticate"], HasSubstr("Basic realm=\"pdu2mqtt\""));
  web_request_options wrong;
  wrong.user = "ops";
  wrong.password = "s3cret-web-pasS";
  EXPECT_EQ(web_get(port, "/", wrong).status, 401);

  web_request_options right;
  right.user = "ops";
  right.password = "s3cret-web-pass";
  r = web_get(port, "/api/state", right);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["bridge"]["read_only"], true);
  EXPECT_EQ(r.json()["pdus"][0]["read_only"], true);
  // With a password, any Host is fine: a rebinding page does not know it.
  right.headers["Host"] = "pdu-bridge.example";
  EXPECT_EQ(web_get(port, "/api/state", right).status, 200);

  const int sets_before = sets_received();
  r = web_post(port, "/api/pdus/rack/outlets/4", "OFF", right);
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.json()["error"].get<std::string>(), HasSubstr("read-only"));
  EXPECT_EQ(web_post(port, "/api/pdus", R"({"host": "127.0.0.1"})", right).status, 403);
  EXPECT_EQ(web_post(port, "/api/probe", R"({"host": "127.0.0.1"})", right).status, 403);
  watch.pump(300ms);
  EXPECT_EQ(sets_received(), sets_before);
  EXPECT_THAT(bridge.output(), Not(HasSubstr("s3cret-web-pas")));
  EXPECT_THAT(bridge.output(), HasSubstr("(basic auth) (read-only)"));
}

TEST(web_api_start, a_second_bridge_on_the_same_port_is_refused_not_sharing_it) {
  // Two bridges on one port would split the pages' connections between them (SO_REUSEPORT).
  mosquitto_fixture broker;
  temp_dir dir;
  const auto port = free_tcp_port();
  const auto config = config_builder(broker.port())
                          .http({{"listen", "127.0.0.1:" + std::to_string(port)}})
                          .write(dir, "c.json");
  child_process first({PDU2MQTT_BINARY, "run", "--config", config.string()});
  ASSERT_TRUE(first.wait_for_output("web page on http://", 30s)) << first.output();
  auto second = run_command({PDU2MQTT_BINARY, "run", "--config", config.string()}, 30s);
  EXPECT_EQ(second.exit_code, 1) << all_output(second);
  EXPECT_THAT(all_output(second), HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port)));
  EXPECT_TRUE(first.running());
}

TEST(web_api_start, a_port_in_use_stops_the_bridge_with_a_clear_error) {
  mosquitto_fixture broker;
  temp_dir dir;
  // Hold a port: bind and listen on it.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  const auto busy = ntohs(address.sin_port);
  const auto config = config_builder(broker.port())
                          .http({{"listen", "127.0.0.1:" + std::to_string(busy)}})
                          .write(dir, "c.json");
  auto r = run_command({PDU2MQTT_BINARY, "run", "--config", config.string()}, 30s);
  ::close(holder);
  EXPECT_EQ(r.exit_code, 1) << all_output(r);
  EXPECT_THAT(all_output(r), HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(busy)));
}

}  // namespace
}  // namespace pdu2mqtt::test
