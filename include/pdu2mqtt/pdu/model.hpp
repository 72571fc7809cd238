// What the bridge knows about one PDU: identity, outlets, banks. Plain values, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  std::optional<int> rating_a;                // ePDUIdentDeviceRating, whole amps
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

struct snapshot {
  identity id;
  counts size;
  std::vector<outlet> outlets;
  std::vector<bank> banks;
};

std::string_view to_string(power_state s) noexcept;  // "ON" / "OFF" / "UNKNOWN"
std::string_view to_string(load_state s) noexcept;   // "normal", "low", "nearOverload", ...

}  // namespace pdu2mqtt::device
