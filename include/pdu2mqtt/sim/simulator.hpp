// A simulated CyberPower switched PDU as an snmp::mib: identity scalars, outlets that switch a
// moment after a SET (as real units do), bank loads that follow the outlets. For demo and tests.
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
#include <vector>

#include "pdu2mqtt/pdu/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/asio.hpp"

namespace pdu2mqtt::sim {

// Private OIDs (enterprise 99999, not a real vendor's) through which a test in another process
// can read what reached the simulated PDU, e.g. assert "no SET was applied". All Counter32.
namespace test_oids {
// SetRequests applied (every varbind accepted and written).
inline const snmp::oid sets_accepted{1, 3, 6, 1, 4, 1, 99999, 1, 1, 0};
// SetRequests answered, refused ones included: with the read community, tooBig, or an
// error from the MIB. Counts only SETs that reached the MIB until an agent is attached.
inline const snmp::oid sets_received{1, 3, 6, 1, 4, 1, 99999, 1, 2, 0};
// Datagrams received by the attached agent (0 until one is attached).
inline const snmp::oid requests_received{1, 3, 6, 1, 4, 1, 99999, 1, 3, 0};
// Datagrams dropped unanswered: bad community, undecodable, too many varbinds.
inline const snmp::oid requests_dropped{1, 3, 6, 1, 4, 1, 99999, 1, 4, 0};
}  // namespace test_oids

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
};

}  // namespace pdu2mqtt::sim
