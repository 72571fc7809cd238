// A simulated CyberPower PDU as an snmp::mib: identity scalars, outlets that switch a moment
// after a SET (as real units do), loads, power and energy that follow the outlets, and fault
// knobs (late, lost and refused answers, a lost ATS input, tripped contacts) settable over SNMP
// at run time. One of four families (switched, metered-by-outlet, ATS, three-phase), each with
// the quirks a real unit's firmware shows on the wire. For demo and tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pdu2mqtt/common/asio.hpp"
#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"

namespace pdu2mqtt::sim {

// Private OIDs (enterprise 99999, not a real vendor's) through which a test in another process
// can read what reached the simulated PDU, e.g. assert "no SET was applied", and turn faults on
// and off while the bridge keeps polling. Requests that name only OIDs under `subtree` are
// never subject to a fault, so a test can always read the counters and switch a fault off.
namespace test_oids {
inline const snmp::oid subtree{1, 3, 6, 1, 4, 1, 99999};

// Counters (read-only Counter32; they wrap).
// SetRequests applied (every varbind accepted and written).
inline const snmp::oid sets_accepted{1, 3, 6, 1, 4, 1, 99999, 1, 1, 0};
// SetRequests answered, refused ones included: with the read community, tooBig, or an
// error from the MIB. Counts only SETs that reached the MIB until an agent is attached.
inline const snmp::oid sets_received{1, 3, 6, 1, 4, 1, 99999, 1, 2, 0};
// Datagrams received by the attached agent (0 until one is attached), those dropped by a
// fault (requests_lost) included.
inline const snmp::oid requests_received{1, 3, 6, 1, 4, 1, 99999, 1, 3, 0};
// Datagrams the agent dropped unanswered: bad community, undecodable, too many varbinds.
// Fault drops are not in here but in the counters below.
inline const snmp::oid requests_dropped{1, 3, 6, 1, 4, 1, 99999, 1, 4, 0};
// Requests dropped unhandled by drop_percent or drop_next.
inline const snmp::oid requests_lost{1, 3, 6, 1, 4, 1, 99999, 1, 5, 0};
// Outlet SETs handled (applied unless refused) whose answer drop_set_responses withheld.
inline const snmp::oid set_responses_dropped{1, 3, 6, 1, 4, 1, 99999, 1, 6, 0};
// Requests whose answer response_delay_ms held back (one the agent then drops counts too).
inline const snmp::oid responses_delayed{1, 3, 6, 1, 4, 1, 99999, 1, 7, 0};
// Outlet SETs refused by fail_sets_with (also counted in sets_received).
inline const snmp::oid sets_failed{1, 3, 6, 1, 4, 1, 99999, 1, 8, 0};

// Fault knobs: read-write INTEGER (Integer32), settable with the write community, e.g.
//   snmpset -v2c -c private 127.0.0.1:16161 .1.3.6.1.4.1.99999.2.2.0 i 100
// A value out of range is wrongValue, another type wrongType; `pdu2mqtt simulate` takes the
// starting values as options (in brackets). Applies to every request but those to `subtree`:
//
// response_delay_ms [--response-delay-ms N], 0..600000: every answer goes out N ms late, on
//   its own timer; the request is handled at once (a SET is applied) and the agent goes on
//   serving others meanwhile. Set it just under or over the bridge's timeout.
inline const snmp::oid response_delay_ms{1, 3, 6, 1, 4, 1, 99999, 2, 1, 0};
// drop_percent [--drop-percent P], 0..100: that share of requests is dropped unhandled, as if
//   lost on the way (a dropped SET is not applied). Decided by a PRNG seeded by drop_seed that
//   draws once per request, so a seed gives the same drops for the same request sequence.
inline const snmp::oid drop_percent{1, 3, 6, 1, 4, 1, 99999, 2, 2, 0};
// drop_set_responses [--drop-set-responses], 0 or 1: a SetRequest with the write community
//   naming an outlet command (ePDUOutletControlOutletCommand.N) is handled, so applied unless
//   refused, but its answer is never sent: "the SET timed out; was it applied?".
inline const snmp::oid drop_set_responses{1, 3, 6, 1, 4, 1, 99999, 2, 3, 0};
// drop_seed [--seed S], 0..2147483647 (default 1): writing it restarts the drop sequence.
inline const snmp::oid drop_seed{1, 3, 6, 1, 4, 1, 99999, 2, 4, 0};
// fail_sets_with [--fail-sets-with ERR], 0 (off) or an error-status 1..18 (5 = genErr): a
//   SetRequest naming an outlet command is refused with it (v1 gets the RFC 3584 mapping),
//   at the first outlet command varbind, and nothing in it is applied.
inline const snmp::oid fail_sets_with{1, 3, 6, 1, 4, 1, 99999, 2, 5, 0};
// drop_next [--drop-next N], 0..1000000: the next N requests are dropped unhandled (before
//   drop_percent is consulted, without drawing from it); counts down to 0. Deterministic
//   loss, e.g. 1 = the next request's first attempt is lost and its retry answered.
inline const snmp::oid drop_next{1, 3, 6, 1, 4, 1, 99999, 2, 6, 0};
//
// Device faults: what the unit reports, not what happens to requests. Served by every family,
// they change only what the family has (the ATS source table, the ENVIROSENSOR contacts).
//
// ats_source_a_lost [--ats-source-a-lost], 0 or 1: input A fails. The ATS has moved to B
//   (selected source 2), source A reads 0 V / 0 Hz with voltage and frequency status under (3),
//   redundancy is lost (1); the outlets stay on, fed (and their voltage read) from B.
inline const snmp::oid ats_source_a_lost{1, 3, 6, 1, 4, 1, 99999, 2, 7, 0};
// contacts_abnormal [--contacts-abnormal MASK], 0..15: bit k set = dry contact k+1 reads
//   abnormal (2) in envir2ContactStatus.
inline const snmp::oid contacts_abnormal{1, 3, 6, 1, 4, 1, 99999, 2, 8, 0};
}  // namespace test_oids

// The knobs above; all off by default. Ranges as above.
struct fault_options {
  std::chrono::milliseconds response_delay{0};
  std::uint32_t drop_percent = 0;
  std::uint32_t drop_seed = 1;
  bool drop_set_responses = false;
  snmp::errc fail_sets_with{};  // value-initialised (0) = off
  std::uint32_t drop_next = 0;
  bool ats_source_a_lost = false;
  std::uint32_t contacts_abnormal = 0;  // bit k: contact k+1

  static constexpr std::chrono::milliseconds max_response_delay{600000};
  static constexpr std::uint32_t max_drop_seed = 2147483647;
  static constexpr std::uint32_t max_drop_next = 1000000;
  static constexpr std::uint32_t max_contacts_abnormal = 15;
};

// "genErr", "noAccess", ... (RFC 3416 names), the number "5", or "0"/"none" for off: the
// error-status, nullopt if text names none. error_status_name(errc{}) is "none".
std::optional<snmp::errc> parse_error_status(std::string_view text);
std::string_view error_status_name(snmp::errc status);

// The drop decision: a PRNG (splitmix64) seeded once, one draw per request. Pure.
class drop_dice {
 public:
  explicit drop_dice(std::uint64_t seed) noexcept : state_(seed) {}
  // True (drop) for about percent of the calls; 0 never drops, 100 and more always.
  bool roll(std::uint32_t percent) noexcept;

 private:
  std::uint64_t state_;
};

// Which kind of CyberPower unit is simulated. Every family serves the identity, the outlet
// tables, the load tables (phases, banks, device totals: current, voltage, power, energy) and
// the input voltage and frequency. Beyond that:
//   switched     a switched PDU (PDU41xxx): outlet metering columns read 0, no metered rows.
//   metered      switched and metered by outlet (PDU81xxx): per-outlet current, power and
//                energy, legacy and ePDU2. Like the real meters it reads a phantom load where
//                nothing flows: an off outlet 0.1 A and 2 W, an on outlet drawing nothing 1 W.
//   ats          a switched ATS PDU (PDU44xxx, like the PDU44005 walk): inputs A and B in the
//                ePDU2Source tables, an ENVIROSENSOR (temperature, humidity, 4 dry contacts).
//   three_phase  3 phases; bank b sits on phase ((b-1) % 3) + 1.
enum class family { switched, metered, ats, three_phase };

// "switched", "metered", "ats", "three-phase".
std::string_view family_name(family f) noexcept;

struct simulator_options {
  sim::family family = sim::family::switched;
  std::size_t outlets = 8;  // 1..96 (ePDU2 outlet rows)
  std::size_t banks = 2;    // 0..12 and at most outlets; outlets are split evenly, in order
  std::string name = "pdu2mqtt-sim";  // ePDUIdentName and sysName
  std::string model = "PDU41004";     // a CyberPower switched 1U PDU, 8 outlets, 15 A
  std::string serial = "SIM000000001";
  std::string firmware = "1.3.2";
  std::string hardware = "1.1";
  std::string manufacture_date = "01/15/2024";
  std::string contact = "pdu2mqtt";
  std::string location = "simulated rack";
  std::int32_t rating_a = 15;

  // A real PDU applies a command a moment after acknowledging the SET.
  std::chrono::milliseconds apply_delay{500};
  // immediateReboot: off, then on again after this (ePDUOutletConfigRebootDuration).
  std::chrono::milliseconds reboot_off_time{5000};
  // delayedOn / delayedOff wait this instead of apply_delay (ePDUOutletConfigPowerOn/OffTime).
  std::chrono::milliseconds delayed_on_time{3000};
  std::chrono::milliseconds delayed_off_time{3000};

  // What each outlet draws while on; outlets past the end of the list draw default_current_a.
  std::vector<double> outlet_current_a;
  double default_current_a = 0.5;

  // Supply: every phase at input_voltage_v (on an ATS: input A's voltage), 0..500 V.
  double input_voltage_v = 230.0;
  double input_frequency_hz = 50.0;  // 0..100 Hz
  // Power = current x voltage x power_factor (0..1); apparent power = current x voltage.
  double power_factor = 0.97;
  // The energy meter: starts here (split evenly over the outlets) and counts the power drawn.
  double start_energy_kwh = 0.0;
  std::string energy_start_time = "01/15/2024 09:00:00";  // "MM/DD/YYYY hh:mm:ss", opaque
  // ePDUOutletDevColdstartDelay (-1 never, 0..300 s) and ColdstartState (1 allOn, 2 previous):
  // starting values; both are writable over SNMP and change nothing else here.
  std::int32_t coldstart_delay_s = 0;
  std::int32_t coldstart_state = 1;

  // ats: input B's voltage (0..500 V) and the preferred source, writable over SNMP (1 A, 2 B,
  // 3 none). The unit runs on the preferred source while it is present (A when none).
  double source_b_voltage_v = 222.0;
  std::int32_t preferred_source = 1;
  // ats: the ENVIROSENSOR's readings, and the unit it reports temperatures in (envir2TempUnit:
  // 1 celsius, 2 fahrenheit; writable over SNMP).
  double temperature_c = 20.70;
  double humidity_percent = 45.36;
  std::int32_t temperature_unit = 1;

  // Time for sysUpTime and the energy meter; empty = std::chrono::steady_clock::now. Tests
  // give their own clock to let hours of consumption pass at once.
  std::function<std::chrono::steady_clock::time_point()> clock;

  // Outlet name columns the unit does not serve at all (a GET there is noSuchObject): some units
  // have no ePDUOutletConfigOutletName, only its read-only copies in the control and status
  // tables. Without the config column outlets cannot be renamed.
  struct name_columns {
    bool config = false;   // ePDUOutletConfigOutletName
    bool control = false;  // ePDUOutletControlOutletName
    bool status = false;   // ePDUOutletStatusOutletName
  } without_outlet_names;

  // Communities and the request varbind limit (12, dropped beyond, like the real firmware).
  snmp::agent_options agent;

  // Fault injection (see test_oids): the knobs' starting values.
  fault_options faults;
};

// The options of a known unit, by preset name or model number, case-insensitive:
//   "switched"    / "PDU41004"    switched, 8 outlets, 2 banks, 15 A
//   "metered"     / "PDU81004"    metered by outlet, 8 outlets, 2 banks, 15 A, meter at 12.3 kWh
//   "ats"         / "PDU44005"    ATS, 10 outlets, 1 bank, 16 A, 217.9 V (the walk's unit)
//   "three-phase" / "PDU3PH-SIM"  three-phase, 24 outlets, 6 banks, 32 A
// nullopt for any other name. Everything else is simulator_options' default.
std::optional<simulator_options> preset(std::string_view name);

class simulator : public snmp::mib, public std::enable_shared_from_this<simulator> {
 public:
  // Longest outlet / PDU name a SET may write (longer is wrongLength).
  static constexpr std::size_t max_name_length = 31;

  // Throws std::invalid_argument when the options describe no possible PDU.
  static std::shared_ptr<simulator> create(asio::any_io_executor executor,
                                           simulator_options options);
  ~simulator() override;
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  snmp::value get(const snmp::oid& name) const override;
  std::optional<snmp::varbind> get_next(const snmp::oid& name) const override;
  set_outcome set(std::span<const snmp::varbind> varbinds) override;

  // Direct views for tests; outlets and banks are numbered from 1.
  cyberpower::outlet_state state_of(std::size_t outlet) const;
  bool command_pending(std::size_t outlet) const;
  const std::string& name_of(std::size_t outlet) const;
  std::size_t bank_of(std::size_t outlet) const;
  std::uint32_t bank_load_deciamps(std::size_t bank) const;
  std::size_t phases() const noexcept;  // 3 on three_phase, else 1
  std::size_t phase_of_bank(std::size_t bank) const;
  std::size_t phase_of(std::size_t outlet) const;
  // The voltage the outlets get: the input's, or on an ATS the selected source's.
  double supply_voltage_v() const;
  // ATS: 1 source A, 2 source B; 0 on other families.
  std::int32_t selected_source() const;
  // Energy counted so far, the starting value included.
  double energy_kwh() const;
  std::uint64_t sets_accepted() const noexcept { return sets_accepted_; }
  std::uint64_t sets_received() const noexcept;
  const simulator_options& options() const noexcept { return options_; }

  // The fault knobs as they are now (the test OIDs write them too). set_faults throws
  // std::invalid_argument when a value is out of range; it restarts the drop sequence.
  const fault_options& faults() const noexcept { return options_.faults; }
  void set_faults(const fault_options& faults);
  // What the agent does with this datagram under the current knobs; counts what it decides.
  // Give it to udp_agent::set_fault_hook.
  snmp::fault_plan plan_faults(std::span<const std::uint8_t> datagram);

  // Who sent the request being handled, for the SET log; the agent handles one at a time.
  void set_request_source(std::string source) { request_source_ = std::move(source); }
  // Serves the agent's counters at test_oids; they must outlive the simulator or be detached.
  void attach_agent_counters(const snmp::agent_counters* counters) { agent_counters_ = counters; }

  // Cancels pending outlet commands so the io_context can run out of work.
  void stop();

 private:
  struct outlet {
    std::string name;
    cyberpower::outlet_state state = cyberpower::outlet_state::on;
    bool pending = false;
    std::uint64_t generation = 0;  // bumped by every command: a stale timer completion is ignored
    std::size_t bank = 0;
    std::size_t phase = 1;
    double current_a = 0;
    mutable double energy_kwh = 0;  // up to energy_at_; reading the meter brings it up to date
    std::unique_ptr<asio::steady_timer> timer;
  };
  // Electrical sums over a set of outlets (true draw, not what a meter shows).
  struct load {
    double current_a = 0;
    double power_w = 0;
    double energy_kwh = 0;
  };
  struct entry {
    std::function<snmp::value()> read;
    // Checks (apply = false) or writes (apply = true) a value; empty when read-only.
    std::function<snmp::errc(const snmp::value&, bool apply)> write;
  };

  simulator(asio::any_io_executor executor, simulator_options options);
  void build();
  void build_outlet_device();
  void build_load_tables();
  void build_metering();
  void build_ats();
  void build_envirosensor();
  void build_test_oids();
  std::chrono::steady_clock::time_point now() const;
  // Adds the energy drawn since the last call to every outlet; called before anything that
  // changes the power, so the power is constant between two calls.
  void accrue() const;
  double draw_a(const outlet& o) const;  // what the outlet draws now
  load sum(const std::function<bool(const outlet&)>& which) const;
  void add_scalar(const snmp::oid& name, std::function<snmp::value()> read,
                  std::function<snmp::errc(const snmp::value&, bool)> write = {});
  void add_cell(const snmp::oid& column, std::uint32_t row, std::function<snmp::value()> read,
                std::function<snmp::errc(const snmp::value&, bool)> write = {});
  snmp::errc outlet_command(std::size_t index, const snmp::value& v, bool apply);
  void run_command(std::size_t index, cyberpower::outlet_command command);
  void schedule(std::size_t index, std::chrono::milliseconds after, std::function<void()> then);
  void switch_outlet(std::size_t index, cyberpower::outlet_state state, bool done);
  void add_knob(const snmp::oid& name, std::string what, std::int64_t max,
                std::function<std::int64_t()> read, std::function<void(std::int32_t)> write);
  const outlet& at(std::size_t number) const;

  asio::any_io_executor executor_;
  simulator_options options_;
  std::chrono::steady_clock::time_point started_;
  std::vector<outlet> outlets_;
  mutable std::chrono::steady_clock::time_point energy_at_;
  std::map<snmp::oid, entry> entries_;  // in OID order, for GETNEXT
  // The same entries by exact OID: a thousand simulated PDUs' trees do not fit the CPU cache,
  // and a GET walked ~11 cold tree nodes per varbind (a fifth of the simulator's CPU at 1000).
  struct oid_hash {
    std::size_t operator()(const snmp::oid& o) const noexcept;
  };
  std::unordered_map<snmp::oid, const entry*, oid_hash> index_;
  std::set<snmp::oid> objects_;  // scalar and column OIDs: tells noSuchObject from noSuchInstance
  std::uint64_t sets_accepted_ = 0;
  std::uint64_t set_calls_ = 0;
  const snmp::agent_counters* agent_counters_ = nullptr;
  std::string request_source_ = "local";
  drop_dice dice_;
  std::uint64_t requests_lost_ = 0;
  std::uint64_t set_responses_dropped_ = 0;
  std::uint64_t responses_delayed_ = 0;
  std::uint64_t sets_failed_ = 0;
};

}  // namespace pdu2mqtt::sim
