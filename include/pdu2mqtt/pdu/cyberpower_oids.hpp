// CyberPower CPS-MIB v2.11 OIDs used by the bridge and the simulator. Numbers taken from the
// MIB text (enterprise 3808); table columns are completed with .<row> by the caller.
#pragma once

#include <cstdint>

#include "pdu2mqtt/snmp/oid.hpp"

namespace pdu2mqtt::cyberpower {

using snmp::oid;

// MIB-II system group (RFC 1213).
namespace system {
inline const oid descr{1, 3, 6, 1, 2, 1, 1, 1, 0};
inline const oid object_id{1, 3, 6, 1, 2, 1, 1, 2, 0};
inline const oid up_time{1, 3, 6, 1, 2, 1, 1, 3, 0};
inline const oid contact{1, 3, 6, 1, 2, 1, 1, 4, 0};
inline const oid name{1, 3, 6, 1, 2, 1, 1, 5, 0};
inline const oid location{1, 3, 6, 1, 2, 1, 1, 6, 0};
}  // namespace system

// ePDU (legacy tables): products.hardware.ePDU = .1.3.6.1.4.1.3808.1.1.3
inline const oid epdu{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3};
// ePDU2 (daisy-chain aware tables) = .1.3.6.1.4.1.3808.1.1.6; sysObjectID of newer units.
inline const oid epdu2{1, 3, 6, 1, 4, 1, 3808, 1, 1, 6};

// ePDUIdent scalars (.3.1.<n>.0).
namespace ident {
inline const oid name = epdu.child({1, 1, 0});              // ePDUIdentName, RW string
inline const oid hardware_rev = epdu.child({1, 2, 0});      // ePDUIdentHardwareRev
inline const oid firmware_rev = epdu.child({1, 3, 0});      // ePDUIdentFirmwareRev
inline const oid manufacture_date = epdu.child({1, 4, 0});  // opaque text, not a date
inline const oid model = epdu.child({1, 5, 0});             // ePDUIdentModelNumber
inline const oid serial = epdu.child({1, 6, 0});            // ePDUIdentSerialNumber: unique id
inline const oid device_rating_a = epdu.child({1, 7, 0});   // whole amps
inline const oid num_outlets = epdu.child({1, 8, 0});
inline const oid num_phases = epdu.child({1, 9, 0});
}  // namespace ident

// Counts that size every table.
namespace counts {
inline const oid controlled_outlets = epdu.child({3, 1, 3, 0});  // ePDUOutletDevNumCntrlOutlets
inline const oid banks = epdu.child({2, 1, 4, 0});               // ePDULoadDevNumBanks (0 legal)
}  // namespace counts

// Outlet table columns, indexed by outlet number 1..n.
namespace outlet {
// ePDUOutletControlOutletCommand (RW): immediateOn(1) immediateOff(2) immediateReboot(3)
// delayedOn(4) delayedOff(5) delayedReboot(6) cancelPendingCommand(7) outletIdentify(8).
// A GET returns the state (1 on, 2 off).
inline const oid command = epdu.child({3, 3, 1, 1, 4});
inline const oid control_name = epdu.child({3, 3, 1, 1, 2});     // read-only copy of the name
inline const oid config_name = epdu.child({3, 4, 1, 1, 2});      // ePDUOutletConfigOutletName, RW
inline const oid state = epdu.child({3, 5, 1, 1, 4});            // outletStatusOn(1) / Off(2)
inline const oid command_pending = epdu.child({3, 5, 1, 1, 5});  // 1 pending, 2 none
inline const oid bank = epdu.child({3, 5, 1, 1, 6});             // bank the outlet is on
}  // namespace outlet

enum class outlet_command : std::int32_t {
  immediate_on = 1,
  immediate_off = 2,
  immediate_reboot = 3,
  delayed_on = 4,
  delayed_off = 5,
  delayed_reboot = 6,
  cancel_pending = 7,
  identify = 8,
};

enum class outlet_state : std::int32_t { on = 1, off = 2 };

// ePDU2BankStatusTable, indexed by row (row == bank number on a standalone PDU).
namespace bank {
inline const oid load_state =
    epdu2.child({5, 4, 1, 4});                      // 1 normal 2 low 3 nearOverload 4 overload
inline const oid load = epdu2.child({5, 4, 1, 5});  // Gauge32, tenths of amps
}  // namespace bank

}  // namespace pdu2mqtt::cyberpower
