// Home Assistant MQTT discovery: what to publish (retained) so a PDU appears in HA as one device.
// Pure functions, model → (topic, payload); ha/ never publishes. User view: docs/home-assistant.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/device/model.hpp"
#include "pdu2mqtt/ha/options.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::ha {

// One MQTT message. Discovery configs and their removals are always retained: HA reads them
// from the broker when it (re)starts, and an empty retained payload clears the broker's copy.
struct publication {
  std::string topic;
  std::string payload;  // compact JSON, or empty (= remove)
  bool retain = true;
  friend bool operator==(const publication&, const publication&) = default;
};

struct discovery_settings {
  std::string discovery_prefix = "homeassistant";
  topics::layout layout;  // our state/command topics (base topic)
  discovery_mode mode = discovery_mode::device;
  std::string origin_name = "pdu2mqtt";
  std::string origin_sw_version;   // omitted when empty
  std::string origin_support_url;  // omitted unless http(s)://
  // HA's birth message (docs "Birth and last will messages"): when `status_online` arrives
  // here, re-publish every discovery config after a short random delay, then every state.
  std::string status_topic = "homeassistant/status";
};
inline constexpr std::string_view status_online = "online";

// One configured PDU as discovery sees it.
struct pdu_entry {
  std::string id;            // config id (topic-safe): used in OUR topics and default_entity_id
  std::string display_name;  // HA device name; empty → the PDU's own name → id
  std::string host;          // configuration_url http://<host>/ (IPv6 in brackets); may be empty
  std::vector<int> protected_outlets;  // switch shown with a lock icon; no reboot button
  bool read_only = false;              // binary_sensor per outlet instead of switch + button
  bool confirm_reboot = false;         // reboot buttons send {"state":"REBOOT","confirm":true}
};

// Everything to publish for this PDU, in a stable order; byte-identical for equal inputs.
// Device mode: one publication. Entity mode: per outlet its switch (or binary_sensor) then its
// button, then per bank its current sensor. Empty when the snapshot has no outlets and no banks
// (nothing read yet: nothing to announce).
std::vector<publication> discovery_messages(const discovery_settings& settings,
                                            const pdu_entry& entry,
                                            const device::snapshot& snapshot);

// What to publish, BEFORE discovery_messages(after), to remove the entities that the `before`
// discovery had and the `after` one has not (fewer outlets or banks; an outlet became protected;
// read_only toggled; a different unit, i.e. serial, at the same config entry).
// Entity mode: an empty payload per vanished entity topic.
// Device mode: the `after` device payload with each vanished component reduced to
// {"platform": "<p>"}, then the `after` payload without them (HA docs "Device discovery
// payload", removing a component); when the serial changed or nothing is left, an empty payload
// on the old device topic instead. Empty when nothing vanished.
std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& before_entry,
                                          const device::snapshot& before,
                                          const pdu_entry& after_entry,
                                          const device::snapshot& after);
// Same config entry, re-read PDU (e.g. it reports fewer outlets now).
std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& entry, const device::snapshot& before,
                                          const device::snapshot& after);

// Everything to publish to remove this PDU from HA (it left the config): an empty retained
// payload on the device topic (device mode) or on every entity topic (entity mode).
std::vector<publication> removal_messages(const discovery_settings& settings,
                                          const pdu_entry& entry,
                                          const device::snapshot& last_known);

// "pdu2mqtt_<serial>": the discovery object_id in device mode, the HA device identifier, and the
// prefix of every unique_id. The serial is lowercased and reduced to [a-z0-9_-]; a unit that
// reports no serial falls back to the config id.
std::string device_object_id(const pdu_entry& entry, const device::snapshot& snapshot);

}  // namespace pdu2mqtt::ha
