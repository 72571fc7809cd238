// A simulated CyberPower switched PDU as an snmp::mib: identity scalars, outlets that switch a
// moment after a SET (as real units do), bank loads that follow the outlets, and fault knobs
// (late, lost and refused answers) settable over SNMP at run time. For demo and tests.
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
#include <vector>

#include "pdu2mqtt/pdu/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/asio.hpp"
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
}  // namespace test_oids

// The knobs above; all off by default. Ranges as above.
struct fault_options {
  std::chrono::milliseconds response_delay{0};
  std::uint32_t drop_percent = 0;
  std::uint32_t drop_seed = 1;
  bool drop_set_responses = false;
  snmp::errc fail_sets_with{};  // value-initialised (0) = off
  std::uint32_t drop_next = 0;

  static constexpr std::chrono::milliseconds max_response_delay{600000};
  static constexpr std::uint32_t max_drop_seed = 2147483647;
  static constexpr std::uint32_t max_drop_next = 1000000;
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

struct simulator_options {
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

  // Communities and the request varbind limit (12, dropped beyond, like the real firmware).
  snmp::agent_options agent;

  // Fault injection (see test_oids): the knobs' starting values.
  fault_options faults;
};

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
    double current_a = 0;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct entry {
    std::function<snmp::value()> read;
    // Checks (apply = false) or writes (apply = true) a value; empty when read-only.
    std::function<snmp::errc(const snmp::value&, bool apply)> write;
  };

  simulator(asio::any_io_executor executor, simulator_options options);
  void build();
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
  std::map<snmp::oid, entry> entries_;
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
