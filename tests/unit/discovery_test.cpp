// Home Assistant discovery payloads, key by key, in both modes; removal; the HA rules that make
// HA reject a config (ids, URLs, sensor units), as HA's MQTT integration docs give them.
#include "pdu2mqtt/ha/discovery.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using namespace pdu2mqtt;
using ha::discovery_mode;
using ha::publication;

device::snapshot make_snapshot(std::string serial, std::vector<std::string> outlet_names,
                               int banks) {
  device::snapshot s;
  s.id.name = "PDU-on-the-card";
  s.id.model = "PDU81005";
  s.id.serial = std::move(serial);
  s.id.firmware = "1.2.3";
  s.id.hardware = "A1";
  s.size = {static_cast<int>(outlet_names.size()), banks};
  for (std::size_t i = 0; i < outlet_names.size(); ++i) {
    s.outlets.push_back({.number = static_cast<int>(i) + 1, .name = outlet_names[i]});
  }
  for (int b = 1; b <= banks; ++b)
    s.banks.push_back({.number = b});
  return s;
}

ha::discovery_settings settings(discovery_mode mode = discovery_mode::device) {
  ha::discovery_settings s;
  s.mode = mode;
  s.origin_sw_version = "0.1.0";
  s.origin_support_url = "https://example.org/pdu2mqtt";
  return s;
}

ha::pdu_entry entry() {
  return {.id = "rack-a", .display_name = "Rack A", .host = "192.0.2.10"};
}

const device::snapshot two_outlets = make_snapshot("NBK1234", {"web", "db"}, 1);

json parse(const publication& p) {
  return json::parse(p.payload);
}

json device_payload(const std::vector<publication>& pubs) {
  EXPECT_EQ(pubs.size(), 1u);
  return pubs.empty() ? json() : parse(pubs.front());
}

json components(const ha::pdu_entry& e, const device::snapshot& s) {
  return device_payload(ha::discovery_messages(settings(), e, s)).at("components");
}

// Component ids in payload order (nlohmann::json would sort them).
std::vector<std::string> component_ids(const std::vector<publication>& pubs) {
  std::vector<std::string> ids;
  if (pubs.size() != 1u) return ids;
  const auto payload = nlohmann::ordered_json::parse(pubs[0].payload);
  for (const auto& [id, _] : payload.at("components").items())
    ids.push_back(id);
  return ids;
}

// Every entity config of one discovery, whatever the mode, keyed by unique_id, with its
// platform filled in and the shared root options merged (as HA does).
std::map<std::string, json> entities(const std::vector<publication>& pubs, discovery_mode mode) {
  std::map<std::string, json> out;
  for (const auto& p : pubs) {
    const json j = parse(p);
    if (mode == discovery_mode::device) {
      for (const auto& [id, c] : j.at("components").items()) {
        json merged = c;
        for (const char* shared : {"availability", "availability_mode"}) {
          if (!merged.contains(shared) && j.contains(shared)) merged[shared] = j[shared];
        }
        out[c.at("unique_id").get<std::string>()] = merged;
      }
    } else {
      // <prefix>/<platform>/<object_id>/config
      const auto first = p.topic.find('/');
      const auto second = p.topic.find('/', first + 1);
      json c = j;
      c["platform"] = p.topic.substr(first + 1, second - first - 1);
      out[j.at("unique_id").get<std::string>()] = c;
    }
  }
  return out;
}

std::set<std::string> unique_ids(const ha::pdu_entry& e, const device::snapshot& s,
                                 discovery_mode mode = discovery_mode::device) {
  std::set<std::string> out;
  for (const auto& [id, c] : entities(ha::discovery_messages(settings(mode), e, s), mode)) {
    out.insert(id);
  }
  return out;
}

TEST(HaDiscoveryDevice, OnePayloadOnTheDeviceTopic) {
  const auto pubs = ha::discovery_messages(settings(), entry(), two_outlets);
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].topic, "homeassistant/device/pdu2mqtt_nbk1234/config");
  EXPECT_TRUE(pubs[0].retain);
  const json j = parse(pubs[0]);
  EXPECT_TRUE(j.is_object());
  for (const char* k : {"device", "origin", "availability", "availability_mode", "components"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
}

TEST(HaDiscoveryDevice, DeviceBlock) {
  const json d = device_payload(ha::discovery_messages(settings(), entry(), two_outlets))["device"];
  EXPECT_EQ(d, json::parse(R"({"identifiers": ["pdu2mqtt_nbk1234"], "name": "Rack A",
      "manufacturer": "CyberPower", "model": "PDU81005", "serial_number": "NBK1234",
      "sw_version": "1.2.3", "hw_version": "A1", "configuration_url": "http://192.0.2.10/"})"));
}

TEST(HaDiscoveryDevice, DeviceNameFallsBackToThePdusNameThenTheId) {
  auto e = entry();
  e.display_name.clear();
  EXPECT_EQ(device_payload(ha::discovery_messages(settings(), e, two_outlets))["device"]["name"],
            "PDU-on-the-card");
  auto s = two_outlets;
  s.id.name = " \t ";
  EXPECT_EQ(device_payload(ha::discovery_messages(settings(), e, s))["device"]["name"], "rack-a");
}

TEST(HaDiscoveryDevice, EmptyIdentityFieldsAreLeftOut) {
  auto s = two_outlets;
  s.id.model.clear();
  s.id.firmware.clear();
  s.id.hardware.clear();
  const json d = device_payload(ha::discovery_messages(settings(), entry(), s))["device"];
  EXPECT_FALSE(d.contains("model"));
  EXPECT_FALSE(d.contains("sw_version"));
  EXPECT_FALSE(d.contains("hw_version"));
  EXPECT_EQ(d["serial_number"], "NBK1234");
}

TEST(HaDiscoveryDevice, OriginBlock) {
  const json o = device_payload(ha::discovery_messages(settings(), entry(), two_outlets))["origin"];
  EXPECT_EQ(o, json::parse(R"({"name": "pdu2mqtt", "sw_version": "0.1.0",
      "support_url": "https://example.org/pdu2mqtt"})"));
}

TEST(HaDiscoveryDevice, OriginWithoutOptionalsStillHasAName) {
  auto st = settings();
  st.origin_name.clear();
  st.origin_sw_version.clear();
  st.origin_support_url = "ftp://example.org/";  // not http(s): HA would reject the config
  const json o = device_payload(ha::discovery_messages(st, entry(), two_outlets))["origin"];
  EXPECT_EQ(o, json::parse(R"({"name": "pdu2mqtt"})"));
}

TEST(HaDiscoveryDevice, AvailabilityIsBridgeAndPduWithModeAll) {
  const json j = device_payload(ha::discovery_messages(settings(), entry(), two_outlets));
  EXPECT_EQ(j["availability"], json::parse(R"([
      {"topic": "pdu2mqtt/bridge/state", "payload_available": "online",
       "payload_not_available": "offline"},
      {"topic": "pdu2mqtt/rack-a/availability", "payload_available": "online",
       "payload_not_available": "offline"}])"));
  EXPECT_EQ(j["availability_mode"], "all");
  // Shared at the root: no component repeats it.
  for (const auto& [id, c] : j["components"].items()) {
    EXPECT_FALSE(c.contains("availability")) << id;
    EXPECT_FALSE(c.contains("availability_topic")) << id;
  }
}

TEST(HaDiscoveryDevice, ComponentsInStableOrder) {
  EXPECT_EQ(component_ids(ha::discovery_messages(settings(), entry(), two_outlets)),
            (std::vector<std::string>{"outlet_1", "outlet_1_reboot", "outlet_2", "outlet_2_reboot",
                                      "bank_1_current"}));
}

TEST(HaDiscoveryDevice, OutletSwitch) {
  const json sw = components(entry(), two_outlets)["outlet_2"];
  EXPECT_EQ(sw, json::parse(R"({"platform": "switch", "name": "db",
      "unique_id": "pdu2mqtt_nbk1234_outlet_2", "default_entity_id": "switch.rack_a_outlet_2",
      "device_class": "outlet", "state_topic": "pdu2mqtt/rack-a/outlet/2",
      "command_topic": "pdu2mqtt/rack-a/outlet/2/set", "payload_on": "ON", "payload_off": "OFF",
      "state_on": "ON", "state_off": "OFF", "optimistic": false, "retain": false})"));
}

TEST(HaDiscoveryDevice, OutletRebootButton) {
  const json b = components(entry(), two_outlets)["outlet_1_reboot"];
  EXPECT_EQ(b, json::parse(R"({"platform": "button", "name": "web reboot",
      "unique_id": "pdu2mqtt_nbk1234_outlet_1_reboot",
      "default_entity_id": "button.rack_a_outlet_1_reboot", "device_class": "restart",
      "command_topic": "pdu2mqtt/rack-a/outlet/1/set", "payload_press": "REBOOT",
      "retain": false})"));
}

TEST(HaDiscoveryDevice, BankCurrentSensor) {
  const json s = components(entry(), two_outlets)["bank_1_current"];
  EXPECT_EQ(s, json::parse(R"({"platform": "sensor", "name": "Bank 1 current",
      "unique_id": "pdu2mqtt_nbk1234_bank_1_current",
      "default_entity_id": "sensor.rack_a_bank_1_current", "device_class": "current",
      "state_topic": "pdu2mqtt/rack-a/bank/1/current", "unit_of_measurement": "A",
      "state_class": "measurement", "suggested_display_precision": 1})"));
}

TEST(HaDiscoveryDevice, UnnamedOutletIsOutletN) {
  const json c = components(entry(), make_snapshot("NBK1234", {"web", "  "}, 0));
  EXPECT_EQ(c["outlet_2"]["name"], "Outlet 2");
  EXPECT_EQ(c["outlet_2_reboot"]["name"], "Outlet 2 reboot");
}

TEST(HaDiscoveryDevice, ProtectedOutletHasLockIconAndNoRebootButton) {
  auto e = entry();
  e.protected_outlets = {1};
  const json c = components(e, two_outlets);
  ASSERT_TRUE(c.contains("outlet_1"));
  EXPECT_EQ(c["outlet_1"]["platform"], "switch");
  EXPECT_EQ(c["outlet_1"]["icon"], "mdi:lock");
  EXPECT_EQ(c["outlet_1"]["command_topic"], "pdu2mqtt/rack-a/outlet/1/set");
  EXPECT_FALSE(c.contains("outlet_1_reboot"));
  EXPECT_FALSE(c["outlet_2"].contains("icon"));
  EXPECT_TRUE(c.contains("outlet_2_reboot"));
}

TEST(HaDiscoveryDevice, ReadOnlyGivesBinarySensorsAndNoCommands) {
  auto e = entry();
  e.read_only = true;
  const json c = components(e, two_outlets);
  for (const auto& [id, comp] : c.items()) {
    EXPECT_FALSE(comp.contains("command_topic")) << id;
    EXPECT_NE(comp["platform"], "switch") << id;
    EXPECT_NE(comp["platform"], "button") << id;
  }
  EXPECT_EQ(component_ids(ha::discovery_messages(settings(), e, two_outlets)),
            (std::vector<std::string>{"outlet_1_power", "outlet_2_power", "bank_1_current"}));
  EXPECT_EQ(c["outlet_1_power"], json::parse(R"({"platform": "binary_sensor", "name": "web",
      "unique_id": "pdu2mqtt_nbk1234_outlet_1_power",
      "default_entity_id": "binary_sensor.rack_a_outlet_1_power", "device_class": "power",
      "state_topic": "pdu2mqtt/rack-a/outlet/1", "payload_on": "ON", "payload_off": "OFF"})"));
}

TEST(HaDiscoveryDevice, NoOutletsAndNoBanksAnnounceNothing) {
  EXPECT_TRUE(ha::discovery_messages(settings(), entry(), make_snapshot("X1", {}, 0)).empty());
}

TEST(HaDiscoveryDevice, CustomPrefixAndBaseTopic) {
  auto st = settings();
  st.discovery_prefix = "ha-test";
  st.layout.base = "site/pdus";
  const auto pubs = ha::discovery_messages(st, entry(), two_outlets);
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].topic, "ha-test/device/pdu2mqtt_nbk1234/config");
  const json j = parse(pubs[0]);
  EXPECT_EQ(j["availability"][0]["topic"], "site/pdus/bridge/state");
  EXPECT_EQ(j["components"]["outlet_1"]["command_topic"], "site/pdus/rack-a/outlet/1/set");
}

TEST(HaDiscoveryEntity, OneConfigPerEntityOnItsPlatformTopic) {
  const auto pubs = ha::discovery_messages(settings(discovery_mode::entity), entry(), two_outlets);
  std::vector<std::string> topics;
  for (const auto& p : pubs) {
    topics.push_back(p.topic);
    EXPECT_TRUE(p.retain);
  }
  EXPECT_EQ(topics, (std::vector<std::string>{
                        "homeassistant/switch/pdu2mqtt_nbk1234_outlet_1/config",
                        "homeassistant/button/pdu2mqtt_nbk1234_outlet_1_reboot/config",
                        "homeassistant/switch/pdu2mqtt_nbk1234_outlet_2/config",
                        "homeassistant/button/pdu2mqtt_nbk1234_outlet_2_reboot/config",
                        "homeassistant/sensor/pdu2mqtt_nbk1234_bank_1_current/config",
                    }));
}

TEST(HaDiscoveryEntity, EachConfigCarriesDeviceOriginAndAvailability) {
  const auto dev = device_payload(ha::discovery_messages(settings(), entry(), two_outlets));
  const auto pubs = ha::discovery_messages(settings(discovery_mode::entity), entry(), two_outlets);
  ASSERT_FALSE(pubs.empty());
  for (const auto& p : pubs) {
    SCOPED_TRACE(p.topic);
    const json j = parse(p);
    EXPECT_FALSE(j.contains("platform"));  // only in device payloads
    EXPECT_FALSE(j.contains("components"));
    EXPECT_EQ(j["device"], dev["device"]);
    EXPECT_EQ(j["origin"], dev["origin"]);
    EXPECT_EQ(j["availability"], dev["availability"]);
    EXPECT_EQ(j["availability_mode"], "all");
  }
}

TEST(HaDiscoveryEntity, SameEntityOptionsAsDeviceMode) {
  for (bool read_only : {false, true}) {
    auto e = entry();
    e.read_only = read_only;
    e.protected_outlets = {2};
    const auto by_device =
        entities(ha::discovery_messages(settings(), e, two_outlets), discovery_mode::device);
    const auto by_entity =
        entities(ha::discovery_messages(settings(discovery_mode::entity), e, two_outlets),
                 discovery_mode::entity);
    ASSERT_EQ(by_device.size(), by_entity.size());
    for (const auto& [id, d] : by_device) {
      SCOPED_TRACE(id);
      ASSERT_TRUE(by_entity.contains(id));
      json e_cfg = by_entity.at(id);
      e_cfg.erase("device");
      e_cfg.erase("origin");
      EXPECT_EQ(e_cfg, d);
    }
  }
}

TEST(HaDiscoveryIdentity, UniqueIdsSurviveOutletRenames) {
  const auto renamed = make_snapshot("NBK1234", {"web-new", ""}, 1);
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    EXPECT_EQ(unique_ids(entry(), two_outlets, mode), unique_ids(entry(), renamed, mode));
  }
}

TEST(HaDiscoveryIdentity, UniqueIdsComeFromTheSerialNotIdHostOrName) {
  auto moved = entry();
  moved.id = "rack-b";
  moved.display_name = "Rack B";
  moved.host = "pdu-7.example.net";
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    const auto ids = unique_ids(entry(), two_outlets, mode);
    EXPECT_EQ(ids, unique_ids(moved, two_outlets, mode));
    EXPECT_EQ(
        ids, (std::set<std::string>{"pdu2mqtt_nbk1234_outlet_1", "pdu2mqtt_nbk1234_outlet_1_reboot",
                                    "pdu2mqtt_nbk1234_outlet_2", "pdu2mqtt_nbk1234_outlet_2_reboot",
                                    "pdu2mqtt_nbk1234_bank_1_current"}));
  }
  // The same config entry pointed at another unit is another HA device.
  EXPECT_NE(unique_ids(entry(), two_outlets),
            unique_ids(entry(), make_snapshot("NBK9999", {"web", "db"}, 1)));
}

TEST(HaDiscoveryIdentity, SerialWithOddCharactersIsSanitised) {
  const auto s = make_snapshot("  NBK/12 34.x#+Ü\t", {"web"}, 0);
  EXPECT_EQ(ha::device_object_id(entry(), s), "pdu2mqtt_nbk_12_34_x____");
  const auto pubs = ha::discovery_messages(settings(), entry(), s);
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].topic, "homeassistant/device/pdu2mqtt_nbk_12_34_x____/config");
  const json j = parse(pubs[0]);
  EXPECT_EQ(j["device"]["identifiers"], json::array({"pdu2mqtt_nbk_12_34_x____"}));
  EXPECT_EQ(j["components"]["outlet_1"]["unique_id"], "pdu2mqtt_nbk_12_34_x_____outlet_1");
  // The device block shows the serial as the unit reports it (trimmed, still untrusted text).
  EXPECT_EQ(j["device"]["serial_number"], "NBK/12 34.x#+Ü");
}

TEST(HaDiscoveryIdentity, LongSerialIsBounded) {
  const auto s = make_snapshot(std::string(500, 'A'), {"web"}, 0);
  EXPECT_EQ(ha::device_object_id(entry(), s), "pdu2mqtt_" + std::string(32, 'a'));
}

TEST(HaDiscoveryIdentity, EmptySerialFallsBackToTheConfigId) {
  for (const char* serial : {"", "   "}) {
    const auto s = make_snapshot(serial, {"web"}, 0);
    EXPECT_EQ(ha::device_object_id(entry(), s), "pdu2mqtt_rack-a");
    const json j = device_payload(ha::discovery_messages(settings(), entry(), s));
    EXPECT_EQ(j["components"]["outlet_1"]["unique_id"], "pdu2mqtt_rack-a_outlet_1");
    EXPECT_FALSE(j["device"].contains("serial_number"));
  }
}

TEST(HaDiscoveryIdentity, DefaultEntityIdIsAValidEntityId) {
  auto e = entry();
  e.id = "Rack--A_";
  const std::regex entity_id(
      R"((switch|button|sensor|binary_sensor)\.(?!_)(?!.*__)[a-z0-9_]+[^_])");
  for (bool read_only : {false, true}) {
    e.read_only = read_only;
    for (const auto& [uid, c] :
         entities(ha::discovery_messages(settings(), e, two_outlets), discovery_mode::device)) {
      const auto id = c.at("default_entity_id").get<std::string>();
      EXPECT_TRUE(std::regex_match(id, entity_id)) << id;
      EXPECT_TRUE(id.starts_with(c.at("platform").get<std::string>() + ".rack_a_")) << id;
      EXPECT_FALSE(c.contains("object_id"));  // deprecated since HA 2025.10
    }
  }
}

// Every discovery topic id (node_id/object_id segments) and every component id must match
// [a-zA-Z0-9_-]+, or HA ignores the message (docs "Discovery topic").
TEST(HaDiscoveryRules, EveryDiscoveryIdIsTopicSafe) {
  const std::regex safe("[a-zA-Z0-9_-]+");
  const std::regex config_topic("homeassistant/([a-z_]+)/([^/]+)/config");
  std::vector<device::snapshot> units = {
      two_outlets, make_snapshot("  NBK/12 34.x#+Ü\t", {"a", "b"}, 2), make_snapshot("", {"a"}, 1),
      make_snapshot(std::string(200, 'z'), {"a"}, 1)};
  units.back().outlets.push_back({.number = 48, .name = "last"});
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    for (const auto& s : units) {
      for (bool read_only : {false, true}) {
        auto e = entry();
        e.read_only = read_only;
        for (const auto& p : ha::discovery_messages(settings(mode), e, s)) {
          std::smatch m;
          ASSERT_TRUE(std::regex_match(p.topic, m, config_topic)) << p.topic;
          EXPECT_TRUE(std::regex_match(m[2].str(), safe)) << p.topic;
          EXPECT_TRUE(topics::is_topic_safe_id(m[2].str())) << p.topic;
          const json j = parse(p);
          if (j.contains("components")) {
            for (const auto& [id, _] : j["components"].items()) {
              EXPECT_TRUE(std::regex_match(id, safe)) << id;
            }
          }
        }
      }
    }
  }
}

TEST(HaDiscoveryRules, ConfigurationUrlIsHttpOrAbsent) {
  const std::map<std::string, std::string> cases = {
      {"192.0.2.10", "http://192.0.2.10/"},
      {"pdu-1.example.net", "http://pdu-1.example.net/"},
      {"2001:db8::7", "http://[2001:db8::7]/"},
      {"[2001:db8::7]", "http://[2001:db8::7]/"},
      {"fe80::1%eth0", "http://[fe80::1%25eth0]/"},
      {"", ""},
      {"evil host/x?y", ""},
      {"javascript:alert(1)", ""},
  };
  for (const auto& [host, url] : cases) {
    auto e = entry();
    e.host = host;
    for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
      for (const auto& p : ha::discovery_messages(settings(mode), e, two_outlets)) {
        const json d = parse(p)["device"];
        if (url.empty()) {
          EXPECT_FALSE(d.contains("configuration_url")) << host;
        } else {
          ASSERT_TRUE(d.contains("configuration_url")) << host;
          const auto got = d["configuration_url"].get<std::string>();
          EXPECT_EQ(got, url);
          EXPECT_TRUE(got.starts_with("http://") || got.starts_with("https://")) << got;
        }
      }
    }
  }
}

// Core sensor DEVICE_CLASS_UNITS / DEVICE_CLASS_STATE_CLASSES for the classes a PDU can use
// (ha-discovery.md §7): a wrong unit makes HA >= 2025.7 reject the whole config.
TEST(HaDiscoveryRules, SensorUnitsFitTheirDeviceClass) {
  const std::map<std::string, std::set<std::string>> units = {
      {"current", {"A", "mA"}},     {"voltage", {"V", "mV"}},
      {"power", {"W", "kW"}},       {"energy", {"Wh", "kWh", "MWh", "MJ", "GJ"}},
      {"apparent_power", {"VA"}},   {"power_factor", {"%", ""}},
      {"frequency", {"Hz", "kHz"}}, {"temperature", {"°C", "°F", "K"}},
      {"humidity", {"%"}},
  };
  const std::map<std::string, std::set<std::string>> state_classes = {
      {"energy", {"total", "total_increasing"}}};
  int sensors = 0;
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    const auto all = entities(
        ha::discovery_messages(settings(mode), entry(), make_snapshot("S1", {"a"}, 3)), mode);
    for (const auto& [uid, c] : all) {
      if (c.at("platform") != "sensor") continue;
      ++sensors;
      SCOPED_TRACE(uid);
      const auto dc = c.at("device_class").get<std::string>();
      ASSERT_TRUE(units.contains(dc)) << "device class without a unit rule: " << dc;
      EXPECT_TRUE(units.at(dc).contains(c.value("unit_of_measurement", "")));
      const auto sc = c.value("state_class", "");
      const auto allowed =
          state_classes.contains(dc) ? state_classes.at(dc) : std::set<std::string>{"measurement"};
      EXPECT_TRUE(allowed.contains(sc)) << sc;
      EXPECT_NE(c.value("entity_category", ""), "config");  // fails for sensors since 2024.2
    }
  }
  EXPECT_EQ(sensors, 6);
  EXPECT_EQ(components(entry(), two_outlets)["bank_1_current"]["unit_of_measurement"], "A");
}

TEST(HaDiscoveryRules, EveryEntityHasWhatItsPlatformRequires) {
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    for (bool read_only : {false, true}) {
      auto e = entry();
      e.read_only = read_only;
      for (const auto& [uid, c] :
           entities(ha::discovery_messages(settings(mode), e, two_outlets), mode)) {
        SCOPED_TRACE(uid);
        const auto platform = c.at("platform").get<std::string>();
        if (platform == "switch" || platform == "button") {
          EXPECT_TRUE(c.contains("command_topic"));
          EXPECT_EQ(c.at("retain"), false);
        }
        if (platform == "switch" || platform == "sensor" || platform == "binary_sensor") {
          EXPECT_TRUE(c.contains("state_topic"));
        }
        EXPECT_TRUE(c.at("name").is_string());
        EXPECT_FALSE(c.contains("availability_topic"));  // exclusive with the list form
      }
    }
  }
}

TEST(HaDiscoveryRules, OutputIsDeterministic) {
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    const auto a = ha::discovery_messages(settings(mode), entry(), two_outlets);
    EXPECT_EQ(a, ha::discovery_messages(settings(mode), entry(), two_outlets));
    auto shuffled = two_outlets;
    std::reverse(shuffled.outlets.begin(), shuffled.outlets.end());
    shuffled.outlets.push_back(shuffled.outlets.front());  // a duplicate row changes nothing
    EXPECT_EQ(a, ha::discovery_messages(settings(mode), entry(), shuffled));
  }
  // Compact JSON.
  const auto p = ha::discovery_messages(settings(), entry(), two_outlets).front().payload;
  EXPECT_EQ(p.find('\n'), std::string::npos);
  EXPECT_EQ(p.find(": "), std::string::npos);
  EXPECT_EQ(p, nlohmann::ordered_json::parse(p).dump());
}

TEST(HaDiscoveryRules, UntrustedOutletNamesAreBoundedAndStayValidJson) {
  auto s = make_snapshot("NBK1234", {std::string("bad\xff\xfe utf8"), "ctl\n\r\x01name"}, 0);
  s.outlets.push_back({.number = 3, .name = std::string(300, 'x') + "\xc3\xa9"});
  s.outlets.push_back({.number = 4, .name = std::string(63, 'y') + "\xc3\xa9"});
  const json c = components(entry(), s);
  EXPECT_EQ(c["outlet_1"]["name"], "bad\xef\xbf\xbd\xef\xbf\xbd utf8");  // U+FFFD twice
  EXPECT_EQ(c["outlet_2"]["name"], "ctl   name");
  EXPECT_EQ(c["outlet_3"]["name"], std::string(64, 'x'));
  EXPECT_EQ(c["outlet_4"]["name"], std::string(63, 'y'));  // not cut inside the é
}

TEST(HaRemoval, FewerOutletsInDeviceMode) {
  const auto before = make_snapshot("NBK1234", {"a", "b", "c"}, 2);
  const auto after = make_snapshot("NBK1234", {"a", "b"}, 1);
  const auto pubs = ha::removal_messages(settings(), entry(), before, after);
  ASSERT_EQ(pubs.size(), 2u);
  for (const auto& p : pubs) {
    EXPECT_EQ(p.topic, "homeassistant/device/pdu2mqtt_nbk1234/config");
    EXPECT_TRUE(p.retain);
  }
  // First: the gone components reduced to their platform, the rest as they are now.
  const json first = parse(pubs[0]);
  EXPECT_EQ(first["components"]["outlet_3"], json::parse(R"({"platform": "switch"})"));
  EXPECT_EQ(first["components"]["outlet_3_reboot"], json::parse(R"({"platform": "button"})"));
  EXPECT_EQ(first["components"]["bank_2_current"], json::parse(R"({"platform": "sensor"})"));
  const json now = device_payload(ha::discovery_messages(settings(), entry(), after));
  for (const auto& [id, c] : now["components"].items())
    EXPECT_EQ(first["components"][id], c);
  EXPECT_EQ(first["components"].size(), now["components"].size() + 3);
  EXPECT_EQ(first["device"], now["device"]);
  EXPECT_EQ(first["origin"], now["origin"]);
  // Then: exactly what discovery of `after` publishes.
  EXPECT_EQ(pubs[1], ha::discovery_messages(settings(), entry(), after).front());
}

TEST(HaRemoval, FewerOutletsInEntityMode) {
  const auto before = make_snapshot("NBK1234", {"a", "b", "c"}, 2);
  const auto after = make_snapshot("NBK1234", {"a", "b"}, 1);
  const auto pubs = ha::removal_messages(settings(discovery_mode::entity), entry(), before, after);
  EXPECT_EQ(pubs, (std::vector<publication>{
                      {"homeassistant/switch/pdu2mqtt_nbk1234_outlet_3/config", ""},
                      {"homeassistant/button/pdu2mqtt_nbk1234_outlet_3_reboot/config", ""},
                      {"homeassistant/sensor/pdu2mqtt_nbk1234_bank_2_current/config", ""},
                  }));
  for (const auto& p : pubs)
    EXPECT_TRUE(p.retain);
}

TEST(HaRemoval, NothingGoneNothingToPublish) {
  const auto renamed = make_snapshot("NBK1234", {"x", "y"}, 1);
  for (auto mode : {discovery_mode::device, discovery_mode::entity}) {
    EXPECT_TRUE(ha::removal_messages(settings(mode), entry(), two_outlets, renamed).empty());
    // More outlets is discovery's job, not removal's.
    EXPECT_TRUE(ha::removal_messages(settings(mode), entry(), two_outlets,
                                     make_snapshot("NBK1234", {"a", "b", "c"}, 2))
                    .empty());
  }
}

TEST(HaRemoval, ConfigChangesRemoveTheEntitiesThatNoLongerApply) {
  auto ro = entry();
  ro.read_only = true;
  const auto entity =
      ha::removal_messages(settings(discovery_mode::entity), entry(), two_outlets, ro, two_outlets);
  EXPECT_EQ(entity, (std::vector<publication>{
                        {"homeassistant/switch/pdu2mqtt_nbk1234_outlet_1/config", ""},
                        {"homeassistant/button/pdu2mqtt_nbk1234_outlet_1_reboot/config", ""},
                        {"homeassistant/switch/pdu2mqtt_nbk1234_outlet_2/config", ""},
                        {"homeassistant/button/pdu2mqtt_nbk1234_outlet_2_reboot/config", ""},
                    }));
  auto guarded = entry();
  guarded.protected_outlets = {2};
  const auto device = ha::removal_messages(settings(), entry(), two_outlets, guarded, two_outlets);
  ASSERT_EQ(device.size(), 2u);
  EXPECT_EQ(parse(device[0])["components"]["outlet_2_reboot"],
            json::parse(R"({"platform": "button"})"));
  EXPECT_EQ(parse(device[0])["components"]["outlet_2"]["icon"], "mdi:lock");
  EXPECT_EQ(device[1], ha::discovery_messages(settings(), guarded, two_outlets).front());
}

TEST(HaRemoval, AnotherUnitAtTheSameEntryRemovesTheOldDevice) {
  const auto other = make_snapshot("NBK9999", {"a"}, 0);
  EXPECT_EQ(ha::removal_messages(settings(), entry(), two_outlets, other),
            (std::vector<publication>{{"homeassistant/device/pdu2mqtt_nbk1234/config", ""}}));
  EXPECT_EQ(
      ha::removal_messages(settings(discovery_mode::entity), entry(), two_outlets, other).size(),
      5u);
}

TEST(HaRemoval, NothingLeftRemovesTheDevice) {
  EXPECT_EQ(ha::removal_messages(settings(), entry(), two_outlets, make_snapshot("NBK1234", {}, 0)),
            (std::vector<publication>{{"homeassistant/device/pdu2mqtt_nbk1234/config", ""}}));
}

TEST(HaRemoval, WholePduInDeviceMode) {
  const auto pubs = ha::removal_messages(settings(), entry(), two_outlets);
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].topic, ha::discovery_messages(settings(), entry(), two_outlets)[0].topic);
  EXPECT_EQ(pubs[0].payload, "");
  EXPECT_TRUE(pubs[0].retain);
}

TEST(HaRemoval, WholePduInEntityMode) {
  const auto st = settings(discovery_mode::entity);
  const auto pubs = ha::removal_messages(st, entry(), two_outlets);
  const auto discovered = ha::discovery_messages(st, entry(), two_outlets);
  ASSERT_EQ(pubs.size(), discovered.size());
  for (std::size_t i = 0; i < pubs.size(); ++i) {
    EXPECT_EQ(pubs[i].topic, discovered[i].topic);
    EXPECT_EQ(pubs[i].payload, "");
    EXPECT_TRUE(pubs[i].retain);
  }
}

}  // namespace
