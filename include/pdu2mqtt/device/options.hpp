// What a PDU's entry in the configuration sets for its poller: pacing and the safety rules.
#pragma once

#include <chrono>
#include <vector>

namespace pdu2mqtt::device {

// The configuration holds this very struct (app::pdu_config derives from it) and the poller's
// settings extend it, so a new per-PDU setting of the poller is a member here, a line of the
// config schema (src/app/config/pdu_settings.hpp) and a line of the example, nothing else.
struct pdu_options {
  std::chrono::milliseconds poll_interval{5000};
  int offline_after_failures = 3;
  std::chrono::milliseconds command_timeout{10000};  // SET → confirmed, per command
  bool read_only = false;                            // never any SET
  std::vector<int> protected_outlets;  // never OFF or REBOOT; as written, no duplicates
  bool confirm_reboot = false;         // REBOOT only with {"state": "REBOOT", "confirm": true}
  // OFF and REBOOT cut an outlet's power: not again within this of the last cut (0: no limit),
  // so a flapping automation cannot power-cycle equipment over and over.
  std::chrono::milliseconds min_power_cycle_interval{0};
  // Capability detection runs again this often (two small requests): an ENVIROSENSOR plugged
  // in, or metering enabled by a firmware update, appears without a restart. 0: never.
  std::chrono::milliseconds capability_recheck{std::chrono::minutes(10)};

  friend bool operator==(const pdu_options&, const pdu_options&) = default;
};

}  // namespace pdu2mqtt::device
