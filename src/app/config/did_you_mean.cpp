// Suggestions for unknown keys: a key from another section, or the nearest known key.
#include "did_you_mean.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "pdu2mqtt/common/ascii.hpp"

namespace pdu2mqtt::app::config_detail {
namespace {

// Optimal string alignment distance, ASCII case folded: a swap of two neighbours costs 1, so
// "hots" is one step from "host".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = pdu2mqtt::ascii_lower(a[i - 1]) == pdu2mqtt::ascii_lower(b[j - 1]);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + !same});
      if (i > 1 && j > 1 && pdu2mqtt::ascii_lower(a[i - 1]) == pdu2mqtt::ascii_lower(b[j - 2]) &&
          pdu2mqtt::ascii_lower(a[i - 2]) == pdu2mqtt::ascii_lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::string unknown_key_message(std::string_view key, key_list known) {
  // A key that exists one level up or down is the commonest slip; name where it goes.
  static constexpr std::array<std::pair<key_list, std::string_view>, 5> sections{{
      {top_keys, "at the top level"},
      {mqtt_keys, "in \"mqtt\""},
      {mqtt_tls_keys, "in \"mqtt\".\"tls\""},
      {pdu_keys, "in an entry of \"pdus\""},
      {snmp_keys, "in a PDU's \"snmp\""},
  }};
  for (const auto& [keys, where] : sections) {
    if (keys.data() != known.data() && contains(keys, key)) {
      return "unknown key here; it belongs " + std::string(where);
    }
  }
  if (key.size() <= 64) {
    std::string_view best;
    // One slip in a short key, two in a longer one: "tls" is not a typo of "qos".
    std::size_t best_distance = key.size() <= 4 ? 2 : 3;
    for (const auto candidate : known) {
      const std::size_t d = edit_distance(key, candidate);
      if (d < best_distance) {
        best = candidate;
        best_distance = d;
      }
    }
    if (!best.empty()) return "unknown key; did you mean \"" + std::string(best) + "\"?";
  }
  std::string list;
  for (const auto k : known) {
    list += (list.empty() ? "" : ", ") + std::string(k);
  }
  return "unknown key (known here: " + list + ")";
}

}  // namespace pdu2mqtt::app::config_detail
