// Decoding and text forms of metrics: one place for every enumeration's words and every
// quantity's precision, shared by MQTT payloads, the JSON state and Home Assistant discovery.
#include "pdu2mqtt/device/metrics.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace pdu2mqtt::device {

namespace {

// Enumerations as the MIB numbers them (1-based); the words are what we publish.
constexpr std::array<std::string_view, 4> load_words = {"normal", "low", "nearOverload",
                                                        "overload"};
constexpr std::array<std::string_view, 3> source_words = {"A", "B", "none"};
constexpr std::array<std::string_view, 2> redundancy_words = {"lost", "redundant"};
constexpr std::array<std::string_view, 3> over_under_words = {"normal", "over", "under"};
constexpr std::array<std::string_view, 2> sync_words = {"in_sync", "out_of_sync"};
constexpr std::array<std::string_view, 2> contact_words = {"normal", "abnormal"};
constexpr std::array<std::string_view, 2> cold_start_words = {"allOn", "previous"};

template <std::size_t N>
std::optional<metric_value> word(const std::array<std::string_view, N>& words, std::int64_t raw) {
  if (raw < 1 || raw > static_cast<std::int64_t>(N)) return std::nullopt;
  return metric_value{std::nullopt, std::string(words[static_cast<std::size_t>(raw - 1)])};
}

template <std::size_t N>
std::vector<std::string_view> list(const std::array<std::string_view, N>& words) {
  return {words.begin(), words.end()};
}

}  // namespace

std::optional<metric_value> decode(const metric_def& def, std::int64_t raw) {
  switch (def.how) {
    case decoding::scaled: {
      // 2179 × 0.1 is 217.90000000000001 in binary; divided by 10 it is the double nearest
      // 217.9, which prints as 217.9 in JSON.
      double value = static_cast<double>(raw) * def.scale;
      if (def.scale > 0 && def.scale < 1) {
        const double steps = std::round(1.0 / def.scale);
        value = static_cast<double>(raw) / steps;
      }
      return metric_value{value, {}};
    }
    case decoding::load_state:
    case decoding::alarm_state:  // same order: none/under/nearOver/over = normal/low/near/over
      return word(load_words, raw);
    case decoding::source:
      return word(source_words, raw);
    case decoding::redundancy:
      return word(redundancy_words, raw);
    case decoding::over_under:
      return word(over_under_words, raw);
    case decoding::phase_sync:
      return word(sync_words, raw);
    case decoding::contact:
      return word(contact_words, raw);
    case decoding::cold_start_state:
      return word(cold_start_words, raw);
  }
  return std::nullopt;
}

std::vector<std::string_view> words_of(quantity q) {
  switch (q) {
    case quantity::load_state:
      return list(load_words);
    case quantity::selected_source:
    case quantity::preferred_source:
      return list(source_words);
    case quantity::redundancy:
      return list(redundancy_words);
    case quantity::voltage_status:
    case quantity::frequency_status:
      return list(over_under_words);
    case quantity::phase_sync:
      return list(sync_words);
    case quantity::contact_state:
      return list(contact_words);
    case quantity::cold_start_state:
      return list(cold_start_words);
    default:
      return {};
  }
}

int precision_of(quantity q) noexcept {
  switch (q) {
    case quantity::current:
    case quantity::rated_current:
    case quantity::voltage:
    case quantity::energy:
    case quantity::frequency:
      return 1;
    case quantity::power_factor:
    case quantity::temperature:
    case quantity::humidity:
      return 2;
    default:
      return 0;
  }
}

std::string payload_text(quantity q, const metric_value& v) {
  if (!v.number) return v.word;
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", precision_of(q), *v.number);
  // "-0.0" reads as a glitch in a dashboard.
  std::string out = text;
  if (out.starts_with("-") && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);
  return out;
}

std::string_view to_string(scope s) noexcept {
  switch (s) {
    case scope::device:
      return "device";
    case scope::input:
      return "input";
    case scope::total:
      return "total";
    case scope::phase:
      return "phase";
    case scope::bank:
      return "bank";
    case scope::outlet:
      return "outlet";
    case scope::ats:
      return "ats";
    case scope::source_a:
      return "source_a";
    case scope::source_b:
      return "source_b";
    case scope::sensor:
      return "sensor";
    case scope::contact:
      return "contact";
  }
  return "?";
}

std::string_view to_string(quantity q) noexcept {
  switch (q) {
    case quantity::current:
      return "current";
    case quantity::voltage:
      return "voltage";
    case quantity::power:
      return "power";
    case quantity::apparent_power:
      return "apparent_power";
    case quantity::power_factor:
      return "power_factor";
    case quantity::energy:
      return "energy";
    case quantity::frequency:
      return "frequency";
    case quantity::load_state:
      return "load_state";
    case quantity::temperature:
      return "temperature";
    case quantity::humidity:
      return "humidity";
    case quantity::contact_state:
      return "state";
    case quantity::selected_source:
      return "selected_source";
    case quantity::preferred_source:
      return "preferred_source";
    case quantity::redundancy:
      return "redundancy";
    case quantity::voltage_status:
      return "voltage_status";
    case quantity::frequency_status:
      return "frequency_status";
    case quantity::phase_sync:
      return "phase_sync";
    case quantity::rated_current:
      return "rated_current";
    case quantity::cold_start_delay:
      return "cold_start_delay";
    case quantity::cold_start_state:
      return "cold_start_state";
  }
  return "?";
}

std::string topic_suffix(const metric_id& id) {
  // Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false positive) about
  // "literal" + std::string.
  std::string out;
  if (id.scope == scope::source_a || id.scope == scope::source_b) out.append("ats/");
  out.append(to_string(id.scope));
  switch (id.scope) {
    case scope::contact:
      // One reading per contact: the contact's topic is its state.
      out.append("/").append(std::to_string(id.index));
      return out;
    case scope::phase:
    case scope::bank:
    case scope::outlet:
    case scope::sensor:
      out.append("/").append(std::to_string(id.index));
      break;
    default:
      break;
  }
  out.append("/").append(to_string(id.quantity));
  return out;
}

}  // namespace pdu2mqtt::device
