// Everything a PDU measures besides outlet state and bank current: each reading is a metric
// (where, which index, what quantity), read from one OID with one scale. The set of metrics a
// unit has is decided once, when it is discovered (capability_probe.hpp); polls then read
// exactly those, and MQTT topics and Home Assistant entities are generated from the same list.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/snmp/oid.hpp"

namespace pdu2mqtt::device {

// Where a reading belongs. The order is the order of topics and HA entities.
enum class scope {
  device,    // the unit itself: rated current, cold start, last boot
  input,     // the input feed: voltage, frequency
  total,     // the whole unit: current, power, energy (ePDU2DeviceStatus)
  phase,     // per input phase (1..n)
  bank,      // per bank / breaker (1..n)
  outlet,    // per outlet (metered-by-outlet units)
  ats,       // ATS switch as a whole: selected / preferred source, redundancy
  source_a,  // ATS input A
  source_b,  // ATS input B
  sensor,    // ENVIROSENSOR temperature / humidity probe (1..n)
  contact,   // ENVIROSENSOR dry contact (1..n)
};

enum class quantity {
  current,           // A
  voltage,           // V
  power,             // W
  apparent_power,    // VA
  power_factor,      // 0..1
  energy,            // kWh
  frequency,         // Hz
  load_state,        // normal / low / nearOverload / overload
  temperature,       // °C, or °F when the sensor is set to Fahrenheit
  humidity,          // %
  contact_state,     // normal / abnormal
  selected_source,   // A / B / none
  preferred_source,  // A / B / none
  redundancy,        // redundant / lost
  voltage_status,    // normal / over / under
  frequency_status,  // normal / over / under
  phase_sync,        // in_sync / out_of_sync
  rated_current,     // A (static)
  cold_start_delay,  // s; -1 = never
  cold_start_state,  // allOn / previous
};

struct metric_id {
  device::scope scope = scope::device;
  int index = 0;  // 1-based for phase/bank/outlet/sensor/contact; 0 where there is one
  device::quantity quantity = quantity::current;
  friend auto operator<=>(const metric_id&, const metric_id&) = default;
};

// How the raw number becomes the published value.
enum class decoding {
  scaled,            // raw × scale
  load_state,        // 1 normal, 2 low, 3 nearOverload, 4 overload
  alarm_state,       // 1 noLoadAlarm, 2 under, 3 nearOver, 4 overCurrent → the same words
  source,            // 1 A, 2 B, 3 none
  redundancy,        // 1 lost, 2 fully redundant
  over_under,        // 1 normal, 2 over, 3 under
  phase_sync,        // 1 in sync, 2 out of sync
  contact,           // 1 normal, 2 abnormal
  cold_start_state,  // 1 allOn, 2 previous
};

// One metric this unit has: the OID polled for it and how to decode it.
struct metric_def {
  metric_id id;
  snmp::oid oid;
  decoding how = decoding::scaled;
  double scale = 1.0;
  std::string label;  // a name given by the unit (contact name), else empty
  friend bool operator==(const metric_def&, const metric_def&) = default;
};

// A decoded value: a number, or one word of the metric's enumeration.
struct metric_value {
  std::optional<double> number;
  std::string word;
  friend bool operator==(const metric_value&, const metric_value&) = default;
};

// Decodes a raw integer; nullopt when it is outside the enumeration (a value we cannot name is
// not published).
std::optional<metric_value> decode(const metric_def& def, std::int64_t raw);

// The words an enumerated quantity can take (HA enum sensor options); empty for numbers.
std::vector<std::string_view> words_of(quantity q);

// MQTT payload: the number with the quantity's precision, or the word.
std::string payload_text(quantity q, const metric_value& v);

// Topic below <base>/<id>/: "input/voltage", "bank/2/power", "ats/source_a/voltage",
// "sensor/1/temperature", "contact/3", "device/cold_start_delay".
std::string topic_suffix(const metric_id& id);

// Short names for JSON keys and entity ids: "apparent_power", "source_a", ...
std::string_view to_string(scope s) noexcept;
std::string_view to_string(quantity q) noexcept;

// Digits after the point in payloads (and HA's suggested_display_precision).
int precision_of(quantity q) noexcept;

}  // namespace pdu2mqtt::device
