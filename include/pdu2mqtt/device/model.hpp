// What the bridge knows about one PDU: identity, outlets, banks. Plain values, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pdu2mqtt/device/metrics.hpp"

namespace pdu2mqtt::device {

struct identity {
  std::string name;      // ePDUIdentName (user-set)
  std::string model;     // ePDUIdentModelNumber
  std::string serial;    // ePDUIdentSerialNumber: the stable identity of the unit
  std::string firmware;  // ePDUIdentFirmwareRev
  std::string hardware;  // ePDUIdentHardwareRev
  std::string sys_descr;
  std::string sys_object_id;
  std::string sys_name;
  std::string sys_location;
  std::string sys_contact;
  std::optional<std::uint32_t> uptime_ticks;  // sysUpTime, hundredths of a second
  // When the PDU's agent last started (Unix seconds, UTC): now − sysUpTime when the PDU is
  // discovered, so it changes only when the PDU restarts.
  std::optional<std::int64_t> booted_at;
  std::optional<int> rating_a;  // ePDUIdentDeviceRating, whole amps
};

struct counts {
  int outlets = 0;  // ePDUOutletDevNumCntrlOutlets
  int banks = 0;    // ePDULoadDevNumBanks (0 = no banks)
  friend bool operator==(const counts&, const counts&) = default;
};

enum class power_state { unknown, on, off };

struct outlet {
  int number = 0;  // 1-based, as on the PDU
  std::string name;
  power_state state = power_state::unknown;
  bool command_pending = false;
  std::optional<int> bank;
  friend bool operator==(const outlet&, const outlet&) = default;
};

enum class load_state { unknown, normal, low, near_overload, overload };

struct bank {
  int number = 0;  // 1-based
  std::optional<double> current_a;
  load_state load = load_state::unknown;
  friend bool operator==(const bank&, const bank&) = default;
};

// Which table the outlet names are read from: ePDUOutletConfigOutletName, the writable one,
// where the unit has it; else its read-only copies ePDUOutletControlOutletName, then
// ePDUOutletStatusOutletName.
enum class outlet_name_column { config, control, status };

// What this unit can report beyond outlets and bank current, decided when it is discovered
// (capability_probe.hpp): polls read exactly these metrics.
struct capabilities {
  std::vector<metric_def> metrics;  // in poll order
  int phases = 0;                   // input phases the unit reports
  bool outlet_metering = false;     // metered-by-outlet: per-outlet current, power, energy
  bool ats = false;                 // two inputs with automatic transfer
  bool environment = false;         // an ENVIROSENSOR is attached
  bool delayed_commands = false;    // outlets have power-on/off delays (DELAYON/DELAYOFF/CANCEL)
  outlet_name_column outlet_names = outlet_name_column::config;
  friend bool operator==(const capabilities&, const capabilities&) = default;
};

struct snapshot {
  identity id;
  counts size;
  std::vector<outlet> outlets;
  std::vector<bank> banks;
  capabilities caps;
  // The last value of each metric in caps; a metric the unit did not answer this time is
  // missing (never a made-up zero).
  std::map<metric_id, metric_value> metrics;
};

std::string_view to_string(power_state s) noexcept;  // "ON" / "OFF" / "UNKNOWN"
std::string_view to_string(load_state s) noexcept;   // "normal", "low", "nearOverload", ...

}  // namespace pdu2mqtt::device
