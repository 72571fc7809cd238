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

// The CyberPower enterprise: every OID below is under it (a walk of all a PDU serves).
inline const oid enterprise{1, 3, 6, 1, 4, 1, 3808};
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

// ePDULoadDevice scalars.
namespace load {
inline const oid num_phases = epdu.child({2, 1, 2, 0});  // ePDULoadDevNumPhases
// ePDULoadStatusTable (.2.3.1.1.<col>.<row>): all phase rows first, then the bank rows; the
// row says which with PhaseNumber (.4) and BankNumber (.5, 0 on a phase row).
inline const oid status_load = epdu.child({2, 3, 1, 1, 2});            // Gauge32, 0.1 A
inline const oid status_load_state = epdu.child({2, 3, 1, 1, 3});      // 1 normal .. 4 overload
inline const oid status_phase_number = epdu.child({2, 3, 1, 1, 4});    //
inline const oid status_bank_number = epdu.child({2, 3, 1, 1, 5});     // 0 = a phase row
inline const oid status_voltage = epdu.child({2, 3, 1, 1, 6});         // 0.1 V
inline const oid status_active_power = epdu.child({2, 3, 1, 1, 7});    // W
inline const oid status_apparent_power = epdu.child({2, 3, 1, 1, 8});  // VA
inline const oid status_power_factor = epdu.child({2, 3, 1, 1, 9});    // 0.01
inline const oid status_energy = epdu.child({2, 3, 1, 1, 10});         // 0.1 kWh
}  // namespace load

// ePDUOutletDevice scalars.
namespace outlet_device {
// ePDUOutletDevCommand (RW): noCommandAll(1) immediateAllOn(2) immediateAllOff(3) ...; GET 1.
inline const oid command = epdu.child({3, 1, 1, 0});
inline const oid coldstart_delay = epdu.child({3, 1, 2, 0});    // s, -1 never, 0..300 (RW)
inline const oid monitored_outlets = epdu.child({3, 1, 5, 0});  // ePDUOutletDevMonitoredOutlets
inline const oid coldstart_state = epdu.child({3, 1, 6, 0});    // allOn(1) previous(2) (RW)
}  // namespace outlet_device

// ePDUStatus input scalars.
namespace input {
inline const oid voltage = epdu.child({5, 7, 0});    // ePDUStatusInputVoltage, 0.1 V
inline const oid frequency = epdu.child({5, 8, 0});  // ePDUStatusInputFrequency, 0.1 Hz
}  // namespace input

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
// The outlet's name, in three tables: the writable one (config) and two read-only copies. Units
// lacking the config column exist; the names then come from a copy (outlet_name_column).
inline const oid control_name = epdu.child({3, 3, 1, 1, 2});     // ePDUOutletControlOutletName, RO
inline const oid config_name = epdu.child({3, 4, 1, 1, 2});      // ePDUOutletConfigOutletName, RW
inline const oid status_name = epdu.child({3, 5, 1, 1, 2});      // ePDUOutletStatusOutletName, RO
inline const oid state = epdu.child({3, 5, 1, 1, 4});            // outletStatusOn(1) / Off(2)
inline const oid command_pending = epdu.child({3, 5, 1, 1, 5});  // 1 pending, 2 none
inline const oid bank = epdu.child({3, 5, 1, 1, 6});             // bank the outlet is on
// Metered-by-outlet columns: read 0 on a switched-only unit (walk), so they are used only when
// the unit says it meters outlets (ePDUOutletDevMonitoredOutlets > 0).
inline const oid load = epdu.child({3, 5, 1, 1, 7});          // Gauge32, 0.1 A
inline const oid active_power = epdu.child({3, 5, 1, 1, 8});  // Gauge32, W
inline const oid energy = epdu.child({3, 5, 1, 1, 13});       // Gauge (sent INTEGER), 0.1 kWh
// ePDUOutletConfigPowerOnTime / PowerOffTime: what delayedOn / delayedOff wait, in s.
inline const oid power_on_time = epdu.child({3, 4, 1, 1, 4});
inline const oid power_off_time = epdu.child({3, 4, 1, 1, 5});
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

// ePDU2 table sizes (scalars): how many rows each table has.
namespace table_size {
inline const oid device = epdu2.child({3, 1, 0});
inline const oid phase = epdu2.child({4, 1, 0});
inline const oid bank = epdu2.child({5, 1, 0});
inline const oid outlet_metered = epdu2.child({6, 2, 1, 0});
inline const oid source = epdu2.child({9, 1, 0});
}  // namespace table_size

// ePDU2DeviceStatusTable (.3.4.1.<col>.<row>), row 1 on a standalone PDU: the totals.
namespace device_status {
inline const oid load_state = epdu2.child({3, 4, 1, 4});       // noLoadAlarm(1) .. overCurrent(4)
inline const oid current = epdu2.child({3, 4, 1, 5});          // Gauge32, 0.1 A
inline const oid energy = epdu2.child({3, 4, 1, 9});           // Gauge32, 0.1 kWh
inline const oid apparent_power = epdu2.child({3, 4, 1, 15});  // Gauge32, VA
inline const oid power_factor = epdu2.child({3, 4, 1, 16});    // Gauge32, 0.01
inline const oid power = epdu2.child({3, 4, 1, 18});           // Gauge32, W
}  // namespace device_status

// ePDU2PhaseStatusTable (.4.4.1.<col>.<row>).
namespace phase_status {
inline const oid number = epdu2.child({4, 4, 1, 3});
inline const oid load_state = epdu2.child({4, 4, 1, 4});      // 1 normal 2 low 3 near 4 overload
inline const oid current = epdu2.child({4, 4, 1, 5});         // Gauge32, 0.1 A
inline const oid voltage = epdu2.child({4, 4, 1, 6});         // Gauge32, 0.1 V
inline const oid power = epdu2.child({4, 4, 1, 7});           // Gauge32, W
inline const oid apparent_power = epdu2.child({4, 4, 1, 8});  // Gauge32, VA
inline const oid power_factor = epdu2.child({4, 4, 1, 9});    // Gauge32, 0.01
}  // namespace phase_status

// ePDU2OutletMeteredStatusTable (.6.2.4.1.<col>.<row>), rows on metered-by-outlet units.
namespace outlet_metered {
inline const oid number = epdu2.child({6, 2, 4, 1, 3});
inline const oid load = epdu2.child({6, 2, 4, 1, 6});          // Gauge32, 0.1 A
inline const oid active_power = epdu2.child({6, 2, 4, 1, 7});  // Gauge32, W
inline const oid energy = epdu2.child({6, 2, 4, 1, 11});       // Gauge32, 0.1 kWh
}  // namespace outlet_metered

// ePDU2Source (ATS inputs A and B): Config .9.2.1.<col>.<row>, Status .9.4.1.<col>.<row>.
namespace source {
inline const oid preferred = epdu2.child({9, 2, 1, 3});  // sourceA(1) sourceB(2) none(3), RW
inline const oid selected = epdu2.child({9, 4, 1, 3});   // sourceA(1) sourceB(2) none(3)
inline const oid nominal_frequency = epdu2.child({9, 4, 1, 4});  // 0.1 Hz
// The MIB says 0.1 V; a PDU44005 on firmware 1.3.2 sends whole volts (217, 222).
inline const oid a_voltage = epdu2.child({9, 4, 1, 5});
inline const oid b_voltage = epdu2.child({9, 4, 1, 6});
inline const oid a_frequency = epdu2.child({9, 4, 1, 7});       // 0.1 Hz
inline const oid b_frequency = epdu2.child({9, 4, 1, 8});       // 0.1 Hz
inline const oid a_voltage_status = epdu2.child({9, 4, 1, 9});  // normal(1) over(2) under(3)
inline const oid b_voltage_status = epdu2.child({9, 4, 1, 10});
inline const oid a_frequency_status = epdu2.child({9, 4, 1, 11});  // normal(1) over(2) under(3)
inline const oid b_frequency_status = epdu2.child({9, 4, 1, 12});
inline const oid phase_sync = epdu2.child({9, 4, 1, 13});  // inSync(1) outOfSync(2)
inline const oid redundancy = epdu2.child({9, 4, 1, 16});  // lost(1) fullyRedundant(2)
}  // namespace source

// environmentSensor2 (ENVIROSENSOR, tables of 1..8 sensors) = .1.3.6.1.4.1.3808.1.1.8
inline const oid envir2{1, 3, 6, 1, 4, 1, 3808, 1, 1, 8};
namespace envir {
inline const oid temperature_table_size = envir2.child({2, 1, 0});
inline const oid temperature_unit = envir2.child({2, 2, 0});  // celsius(1) fahrenheit(2)
inline const oid temperature = envir2.child({2, 3, 1, 3});    // 0.01 of the unit
inline const oid humidity_table_size = envir2.child({3, 1, 0});
inline const oid humidity = envir2.child({3, 2, 1, 3});  // 0.01 %RH
inline const oid contact_table_size = envir2.child({4, 1, 0});
inline const oid contact_name = envir2.child({4, 2, 1, 4});    // DisplayString
inline const oid contact_status = envir2.child({4, 2, 1, 5});  // normal(1) abnormal(2)
}  // namespace envir

}  // namespace pdu2mqtt::cyberpower
