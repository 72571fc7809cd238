// Home Assistant MQTT discovery payloads for one PDU, built from its snapshot. Sources for every
// rule: Home Assistant's MQTT integration docs and its core mqtt/ component (docs/home-assistant.md
// says what the bridge announces).
#include "pdu2mqtt/ha/discovery.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "pdu2mqtt/common/slug.hpp"

namespace pdu2mqtt::ha {
namespace {

// Insertion-ordered, so equal inputs dump to identical bytes in a readable order.
using json = nlohmann::ordered_json;

// Every discovery key once. Full names: HA accepts them and the abbreviations alike
// (docs "Discovery payload", abbreviations are optional).
namespace key {
constexpr const char* availability = "availability";
constexpr const char* availability_mode = "availability_mode";
constexpr const char* command_topic = "command_topic";
constexpr const char* components = "components";
constexpr const char* configuration_url = "configuration_url";
constexpr const char* default_entity_id = "default_entity_id";
constexpr const char* device = "device";
constexpr const char* device_class = "device_class";
constexpr const char* entity_category = "entity_category";
constexpr const char* hw_version = "hw_version";
constexpr const char* icon = "icon";
constexpr const char* identifiers = "identifiers";
constexpr const char* manufacturer = "manufacturer";
constexpr const char* model = "model";
constexpr const char* name = "name";
constexpr const char* optimistic = "optimistic";
constexpr const char* options = "options";
constexpr const char* origin = "origin";
constexpr const char* payload_available = "payload_available";
constexpr const char* payload_not_available = "payload_not_available";
constexpr const char* payload_off = "payload_off";
constexpr const char* payload_on = "payload_on";
constexpr const char* payload_press = "payload_press";
constexpr const char* platform = "platform";
constexpr const char* retain = "retain";
constexpr const char* serial_number = "serial_number";
constexpr const char* state_class = "state_class";
constexpr const char* state_off = "state_off";
constexpr const char* state_on = "state_on";
constexpr const char* state_topic = "state_topic";
constexpr const char* suggested_display_precision = "suggested_display_precision";
constexpr const char* support_url = "support_url";
constexpr const char* sw_version = "sw_version";
constexpr const char* topic = "topic";
constexpr const char* unique_id = "unique_id";
constexpr const char* unit_of_measurement = "unit_of_measurement";
}  // namespace key

// Strings read from the PDU are untrusted: bounded, no control characters.
constexpr std::size_t max_peer_text = 64;
// Real CyberPower serials are ~12 characters; the bound keeps every entity-mode object_id
// ("pdu2mqtt_<serial>_outlet_NNN_reboot") within topics::is_topic_safe_id's 64.
constexpr std::size_t max_serial = 32;

bool is_space_or_control(unsigned char c) {
  return c <= 0x20 || c == 0x7f;
}

std::string peer_text(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) c = ' ';
    out += static_cast<char>(c);
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  if (out.size() > max_peer_text) {
    std::size_t cut = max_peer_text;
    // Do not split a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    out.resize(cut);
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
  }
  return out;
}

// Discovery topic ids must match [a-zA-Z0-9_-]+ or HA ignores the message (docs "Discovery
// topic"); lowercase for one spelling per unit.
std::string discovery_id_part(std::string_view s, std::size_t max) {
  while (!s.empty() && is_space_or_control(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space_or_control(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

// An entity object id: [a-z0-9_], no leading/trailing/double underscore (core valid_entity_id).
std::string entity_slug(std::string_view s) {
  return ascii_slug(s, '_');
}

bool is_http_url(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// HA rejects the whole config for a configuration_url that is not http/https (core
// MQTT_ENTITY_DEVICE_INFO_SCHEMA), so a host we cannot put in a URL gives no URL at all.
std::string configuration_url(std::string_view host) {
  if (host.empty()) return {};
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%' || c == '[' ||
                    c == ']';
    if (!ok) return {};
  }
  std::string h(host);
  // An IPv6 literal has two or more colons and goes in brackets (RFC 3986 3.2.2); its zone
  // separator '%' is written "%25" (RFC 6874).
  if (!h.starts_with("[") && std::count(h.begin(), h.end(), ':') >= 2) {
    std::string escaped;
    for (char c : h)
      escaped += c == '%' ? std::string("%25") : std::string(1, c);
    h = "[" + escaped + "]";
  }
  return "http://" + h + "/";
}

struct component {
  std::string id;        // key in the device payload's components; unique_id suffix
  std::string platform;  // the HA domain; every id implies one platform
  json config;           // platform options, without device/origin/availability
};

struct plan {
  std::string object_id;  // pdu2mqtt_<serial>
  json device;
  json origin;
  json availability;  // the availability options (docs "Using Availability topics")
  std::vector<component> components;
};

json availability_options(const discovery_settings& settings, const pdu_entry& entry) {
  // The list form keeps payload_available/payload_not_available per topic; mode `all`: the
  // entity is available only while the bridge is connected AND the PDU answers.
  auto item = [](std::string topic) {
    return json{{key::topic, std::move(topic)},
                {key::payload_available, "online"},
                {key::payload_not_available, "offline"}};
  };
  return json{{key::availability, json::array({item(settings.layout.bridge_state()),
                                               item(settings.layout.availability(entry.id))})},
              {key::availability_mode, "all"}};
}

json device_block(const pdu_entry& entry, const device::snapshot& s, const std::string& oid) {
  std::string name = peer_text(entry.display_name);
  if (name.empty()) name = peer_text(s.id.name);
  if (name.empty()) name = entry.id;
  json d{
      {key::identifiers, json::array({oid})}, {key::name, name}, {key::manufacturer, "CyberPower"}};
  auto optional = [&d](const char* k, std::string_view v) {
    if (auto text = peer_text(v); !text.empty()) d[k] = std::move(text);
  };
  optional(key::model, s.id.model);
  optional(key::serial_number, s.id.serial);
  optional(key::sw_version, s.id.firmware);
  optional(key::hw_version, s.id.hardware);
  if (auto url = configuration_url(entry.host); !url.empty()) d[key::configuration_url] = url;
  return d;
}

json origin_block(const discovery_settings& settings) {
  // `name` is required (core MQTT_ORIGIN_INFO_SCHEMA); an empty or non-URL value for an
  // optional key would fail validation, so those are left out.
  json o{{key::name, settings.origin_name.empty() ? "pdu2mqtt" : settings.origin_name}};
  if (!settings.origin_sw_version.empty()) o[key::sw_version] = settings.origin_sw_version;
  if (is_http_url(settings.origin_support_url)) o[key::support_url] = settings.origin_support_url;
  return o;
}

// Sorted by number, duplicates and non-positive numbers dropped, so vector order in the
// snapshot never changes the output.
template <class T>
std::vector<const T*> by_number(const std::vector<T>& items) {
  std::vector<const T*> out;
  for (const auto& i : items) {
    if (i.number > 0) out.push_back(&i);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const T* a, const T* b) { return a->number < b->number; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const T* a, const T* b) { return a->number == b->number; }),
            out.end());
  return out;
}

// The HA shape of one metric (reference ha-discovery.md §7): device class and unit must
// match, or HA >= 2025.7 rejects the whole config; enum sensors carry options and neither unit
// nor state class.
struct metric_shape {
  const char* device_class = nullptr;
  const char* unit = nullptr;
  const char* state_class = nullptr;
  bool diagnostic = false;
};

metric_shape shape_of(const device::metric_def& m) {
  using q = device::quantity;
  switch (m.id.quantity) {
    case q::current:
      return {"current", "A", "measurement"};
    case q::rated_current:
      return {"current", "A", nullptr, true};
    case q::voltage:
      return {"voltage", "V", "measurement"};
    case q::power:
      return {"power", "W", "measurement"};
    case q::apparent_power:
      return {"apparent_power", "VA", "measurement"};
    case q::power_factor:
      return {"power_factor", nullptr, "measurement"};
    case q::energy:
      // The meter can be reset on the PDU: total_increasing takes a drop as a new cycle.
      return {"energy", "kWh", "total_increasing"};
    case q::frequency:
      return {"frequency", "Hz", "measurement"};
    case q::temperature:
      return {"temperature", m.label == "°F" ? "°F" : "°C", "measurement"};
    case q::humidity:
      return {"humidity", "%", "measurement"};
    case q::cold_start_delay:
      return {"duration", "s", nullptr, true};
    case q::cold_start_state:
    case q::preferred_source:
    case q::phase_sync:
      return {"enum", nullptr, nullptr, true};
    case q::load_state:
    case q::selected_source:
    case q::redundancy:
    case q::voltage_status:
    case q::frequency_status:
    case q::contact_state:
      return {"enum"};
  }
  return {};
}

// "Bank 2 power", "Input voltage", "ATS source A voltage", "Outlet 3 current" (the outlet's
// own name when it has one).
std::string metric_name(const device::metric_def& m, const device::snapshot& s) {
  using device::scope;
  std::string what(device::to_string(m.id.quantity));
  std::replace(what.begin(), what.end(), '_', ' ');
  const std::string n = std::to_string(m.id.index);
  switch (m.id.scope) {
    case scope::device: {
      what[0] = static_cast<char>(what[0] - 'a' + 'A');
      return what;
    }
    case scope::input:
      return "Input " + what;
    case scope::total:
      return "Total " + what;
    case scope::phase:
      return "Phase " + n + " " + what;
    case scope::bank:
      return "Bank " + n + " " + what;
    case scope::outlet: {
      for (const auto& o : s.outlets) {
        if (o.number == m.id.index) {
          if (auto name = peer_text(o.name); !name.empty()) return name + " " + what;
        }
      }
      return "Outlet " + n + " " + what;
    }
    case scope::ats:
      return "ATS " + what;
    case scope::source_a:
      return "Source A " + what;
    case scope::source_b:
      return "Source B " + what;
    case scope::sensor:
      what[0] = static_cast<char>(what[0] - 'a' + 'A');
      return m.id.index == 1 ? what : "Sensor " + n + " " + what;
    case scope::contact: {
      auto name = peer_text(m.label);
      return name.empty() ? "Contact " + n : name;
    }
  }
  return what;
}

std::string metric_component_id(const device::metric_id& id) {
  // "outlet_<n>_power" is already the read-only outlet's binary_sensor.
  if (id.scope == device::scope::outlet) {
    return "outlet_" + std::to_string(id.index) + "_meter_" +
           std::string(device::to_string(id.quantity));
  }
  std::string out = device::topic_suffix(id);
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

plan make_plan(const discovery_settings& settings, const pdu_entry& entry,
               const device::snapshot& s) {
  plan p;
  p.object_id = device_object_id(entry, s);
  p.device = device_block(entry, s, p.object_id);
  p.origin = origin_block(settings);
  p.availability = availability_options(settings, entry);

  // default_entity_id only acts when HA first adds the entity, and replaces the deprecated
  // object_id (core PR #151775: object_id ignored from 2026.4); older HA ignores the unknown key.
  std::string entity_prefix = entity_slug(entry.id);
  if (entity_prefix.empty()) entity_prefix = entity_slug(p.object_id);

  auto add = [&](std::string id, std::string platform, std::string name, json options) {
    json config{{key::name, std::move(name)},
                {key::unique_id, p.object_id + "_" + id},
                {key::default_entity_id, platform + "." + entity_prefix + "_" + entity_slug(id)}};
    config.update(options);
    p.components.push_back({std::move(id), std::move(platform), std::move(config)});
  };

  const auto& layout = settings.layout;
  for (const device::outlet* o : by_number(s.outlets)) {
    const int n = o->number;
    const std::string prefix = "outlet_" + std::to_string(n);
    std::string name = peer_text(o->name);
    if (name.empty()) name = "Outlet " + std::to_string(n);
    const bool is_protected =
        std::find(entry.protected_outlets.begin(), entry.protected_outlets.end(), n) !=
        entry.protected_outlets.end();
    if (entry.read_only) {
      add(prefix + "_power", "binary_sensor", name,
          json{{key::device_class, "power"},
               {key::state_topic, layout.outlet(entry.id, n)},
               {key::payload_on, "ON"},
               {key::payload_off, "OFF"}});
      continue;
    }
    // optimistic false: the switch shows what the PDU reports, not what was asked. retain
    // false: the bridge ignores retained commands (a stale one must never switch an outlet).
    json sw{{key::device_class, "outlet"},
            {key::state_topic, layout.outlet(entry.id, n)},
            {key::command_topic, layout.outlet_set(entry.id, n)},
            {key::payload_on, "ON"},
            {key::payload_off, "OFF"},
            {key::state_on, "ON"},
            {key::state_off, "OFF"},
            {key::optimistic, false},
            {key::retain, false}};
    // A protected outlet stays visible; the bridge refuses OFF and REBOOT for it, so it gets no
    // reboot button and a lock icon says why OFF does nothing.
    if (is_protected) sw[key::icon] = "mdi:lock";
    add(prefix, "switch", name, std::move(sw));
    if (!is_protected) {
      add(prefix + "_reboot", "button", name + " reboot",
          json{{key::device_class, "restart"},
               {key::command_topic, layout.outlet_set(entry.id, n)},
               {key::payload_press,
                entry.confirm_reboot ? R"({"state":"REBOOT","confirm":true})" : "REBOOT"},
               {key::retain, false}});
    }
  }
  for (const device::bank* b : by_number(s.banks)) {
    const int n = b->number;
    // Unit must be valid for the device class or HA >= 2025.7 rejects the config (core
    // sensor DEVICE_CLASS_UNITS: current → A, mA); current is a `measurement`.
    add("bank_" + std::to_string(n) + "_current", "sensor",
        "Bank " + std::to_string(n) + " current",
        json{{key::device_class, "current"},
             {key::state_topic, layout.bank_current(entry.id, n)},
             {key::unit_of_measurement, "A"},
             {key::state_class, "measurement"},
             {key::suggested_display_precision, 1}});
    if (b->load != device::load_state::unknown) {
      add("bank_" + std::to_string(n) + "_load_state", "sensor",
          "Bank " + std::to_string(n) + " load state",
          json{{key::device_class, "enum"},
               {key::state_topic, layout.bank_load_state(entry.id, n)},
               {key::options, device::words_of(device::quantity::load_state)}});
    }
  }
  if (s.id.booted_at) {
    // A restart of the PDU shows as a new time here (and is re-read at once by the bridge).
    add("device_last_boot", "sensor", "Last boot",
        json{{key::device_class, "timestamp"},
             {key::state_topic, layout.last_boot(entry.id)},
             {key::entity_category, "diagnostic"}});
  }
  for (const auto& m : s.caps.metrics) {
    const auto shape = shape_of(m);
    const auto topic = layout.reading(entry.id, device::topic_suffix(m.id));
    if (m.id.quantity == device::quantity::contact_state) {
      // A dry contact out of its normal state is a problem to look at (door open, leak).
      add(metric_component_id(m.id), "binary_sensor", metric_name(m, s),
          json{{key::device_class, "problem"},
               {key::state_topic, topic},
               {key::payload_on, "abnormal"},
               {key::payload_off, "normal"}});
      continue;
    }
    json config{{key::state_topic, topic}};
    if (shape.device_class) config[key::device_class] = shape.device_class;
    if (shape.unit) config[key::unit_of_measurement] = shape.unit;
    if (shape.state_class) config[key::state_class] = shape.state_class;
    if (std::string_view(shape.device_class ? shape.device_class : "") == "enum") {
      config[key::options] = device::words_of(m.id.quantity);
    } else {
      config[key::suggested_display_precision] = device::precision_of(m.id.quantity);
    }
    if (shape.diagnostic) config[key::entity_category] = "diagnostic";
    add(metric_component_id(m.id), "sensor", metric_name(m, s), std::move(config));
  }
  return p;
}

std::string dump(const json& j) {
  // PDU strings may not be UTF-8; replace bad bytes rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string device_topic(const discovery_settings& settings, const plan& p) {
  return settings.discovery_prefix + "/device/" + p.object_id + "/config";
}

// Docs best practice: object_id = unique_id, no node_id.
std::string entity_topic(const discovery_settings& settings, const plan& p, const component& c) {
  return settings.discovery_prefix + "/" + c.platform + "/" + p.object_id + "_" + c.id + "/config";
}

// Device payload (docs "Device discovery payload"): device and origin are mandatory at the root;
// the availability options are shared by every component that does not set its own.
json device_payload(const plan& p, const std::vector<const component*>& stubs = {}) {
  json j{{key::device, p.device}, {key::origin, p.origin}};
  j.update(p.availability);
  json cmps = json::object();
  for (const auto& c : p.components) {
    json config{{key::platform, c.platform}};
    config.update(c.config);
    cmps[c.id] = std::move(config);
  }
  for (const component* c : stubs)
    cmps[c->id] = json{{key::platform, c->platform}};
  j[key::components] = std::move(cmps);
  return j;
}

json entity_payload(const plan& p, const component& c) {
  json j = c.config;
  j.update(p.availability);
  j[key::device] = p.device;
  j[key::origin] = p.origin;
  return j;
}

}  // namespace

std::string device_object_id(const pdu_entry& entry, const device::snapshot& snapshot) {
  std::string unit = discovery_id_part(snapshot.id.serial, max_serial);
  // A unit that reports no serial (a broken or reset management card) has no hardware
  // identity; the config id is the only stable thing left. Its unique_ids change if the card
  // later reports a serial, which then removes and re-adds its entities. Config ids are unique
  // ignoring case, so lowercasing keeps them apart.
  if (unit.empty()) unit = discovery_id_part(entry.id, max_serial);
  return "pdu2mqtt_" + unit;
}

std::vector<publication> discovery_messages(const discovery_settings& settings,
                                            const pdu_entry& entry,
                                            const device::snapshot& snapshot) {
  const plan p = make_plan(settings, entry, snapshot);
  if (p.components.empty()) return {};
  if (settings.mode == discovery_mode::device) {
    return {{device_topic(settings, p), dump(device_payload(p))}};
  }
  std::vector<publication> out;
  for (const auto& c : p.components) {
    out.push_back({entity_topic(settings, p, c), dump(entity_payload(p, c))});
  }
  return out;
}

std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& before_entry,
                                          const device::snapshot& before,
                                          const pdu_entry& after_entry,
                                          const device::snapshot& after) {
  const plan was = make_plan(settings, before_entry, before);
  const plan is = make_plan(settings, after_entry, after);
  std::vector<publication> out;
  if (was.components.empty()) return out;

  if (settings.mode == discovery_mode::entity) {
    std::set<std::string> kept;
    for (const auto& c : is.components)
      kept.insert(entity_topic(settings, is, c));
    for (const auto& c : was.components) {
      if (auto t = entity_topic(settings, was, c); !kept.contains(t)) out.push_back({t, ""});
    }
    return out;
  }

  // A different serial is a different HA device: remove the old one whole; the new one is
  // created by its own discovery.
  if (was.object_id != is.object_id || is.components.empty()) {
    out.push_back({device_topic(settings, was), ""});
    return out;
  }
  std::set<std::string> kept;
  for (const auto& c : is.components)
    kept.insert(c.id);
  std::vector<const component*> gone;
  for (const auto& c : was.components) {
    if (!kept.contains(c.id)) gone.push_back(&c);
  }
  if (gone.empty()) return out;
  // Docs "Device discovery payload": a component reduced to its platform is removed; the
  // second publication (without it) is what later discovery publishes, so HA sees no change.
  out.push_back({device_topic(settings, is), dump(device_payload(is, gone))});
  out.push_back({device_topic(settings, is), dump(device_payload(is))});
  return out;
}

std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& entry, const device::snapshot& before,
                                          const device::snapshot& after) {
  return removal_messages(settings, entry, before, entry, after);
}

std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& entry,
                                          const device::snapshot& last_known) {
  const plan p = make_plan(settings, entry, last_known);
  // Empty retained payloads: HA removes the entities (and the device once nothing references
  // it) and the broker drops its retained copy (HA docs mqtt discovery, removal; reference §1).
  if (settings.mode == discovery_mode::device) return {{device_topic(settings, p), ""}};
  std::vector<publication> out;
  for (const auto& c : p.components)
    out.push_back({entity_topic(settings, p, c), ""});
  return out;
}

}  // namespace pdu2mqtt::ha
