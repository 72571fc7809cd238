// One PDU, kept in sync: discovery, periodic polls with change detection, availability, and a
// serialized command queue (SET, then fast re-reads until the PDU confirms). No MQTT here:
// everything the outside should know leaves through poller_callbacks.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "pdu2mqtt/device/capability_probe.hpp"
#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/model.hpp"
#include "pdu2mqtt/device/options.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::device {

struct poller_settings : pdu_options {
  std::string id;     // for logs
  snmp::target read;  // community for reads
  std::string write_community = "private";
  // Before the first read: a bridge with many PDUs spreads their polls over the interval, so
  // a thousand PDUs do not all send (and answer) in the same millisecond, every interval.
  std::chrono::milliseconds start_delay{0};
  std::chrono::milliseconds confirm_every{20};  // re-read pace while confirming
  std::size_t max_queued_commands = 16;
};

struct command_request {
  // What to do (make_command). Several outlets switched at once are sent in one SET, or in as
  // few as the PDU's request size allows.
  device::command command;
  std::string topic;    // where it came from, echoed in error reports
  std::string payload;  // printable excerpt of what was received
};

// "outlet 3 OFF, outlet 4 ON" or "outlet 6 RENAME": for logs.
std::string describe(const command_request& r);

// One outlet's part of a command.
struct step_report {
  int outlet = 0;
  std::optional<outlet_action> action;  // what the outlet was asked to do; none: a rename
  bool ok = false;
  power_state state = power_state::unknown;  // last state the PDU reported for the outlet
  bool pending = false;                      // a delayed command is waiting on the PDU
  std::optional<std::string> error;
};

struct command_report {
  command_request request;
  std::vector<step_report> steps;    // one per request step, in order
  bool ok = false;                   // every step ok
  std::optional<std::string> error;  // why it failed / was refused (each failed step has its own)
  std::optional<std::string> name;   // rename: the name the PDU reports now
  bool sent = false;                 // a SET left the process
  std::chrono::milliseconds latency{0};  // received → confirmed (or given up)
};

struct poller_callbacks {
  std::function<void(bool online)> availability;
  // After every (re)discovery, and when identity, counts or outlet names change.
  std::function<void(const snapshot& now, const std::optional<snapshot>& before)> discovered;
  std::function<void(const outlet&)> outlet_changed;  // state the PDU reported, when it changes
  std::function<void(const bank&)> bank_changed;
  std::function<void(const snapshot&)> state_changed;  // anything changed in this poll
  std::function<void(const command_report&)> command_done;
};

class poller : public std::enable_shared_from_this<poller> {
 public:
  static std::shared_ptr<poller> create(asio::any_io_executor executor,
                                        std::shared_ptr<snmp::client> snmp,
                                        poller_settings settings, poller_callbacks callbacks);

  void start();
  void stop();

  // Validates against what the PDU has and the safety settings; refused commands are
  // reported through command_done at once (nothing is sent). Accepted ones run in order.
  void submit(command_request request);

  // Re-read now (the `get` topic).
  void refresh();

  bool online() const noexcept { return online_; }
  const std::optional<snapshot>& current() const noexcept { return current_; }
  const poller_settings& settings() const noexcept { return settings_; }
  std::uint64_t polls_ok() const noexcept { return polls_ok_; }
  std::uint64_t polls_failed() const noexcept { return polls_failed_; }
  std::uint64_t sets_sent() const noexcept { return sets_sent_; }
  // Polls that ended after the next one was due (a slow PDU, or an overloaded bridge).
  std::uint64_t polls_missed() const noexcept { return polls_missed_; }

 private:
  poller(asio::any_io_executor executor, std::shared_ptr<snmp::client> snmp,
         poller_settings settings, poller_callbacks callbacks);
  awaitable<void> run();
  awaitable<bool> discover();
  awaitable<bool> poll();
  // read(), for reader.hpp's reads.
  varbind_reader reader();
  // False when the PDU did not answer (counted as a failed read).
  awaitable<bool> recheck_capabilities();
  void prepare_poll(std::vector<snmp::oid> oids);
  awaitable<void> execute(command_request request);
  // The OIDs' values, in requests of effective_max_varbinds_; `prepared` (encoded for the same
  // OIDs) is used when it was prepared for that size.
  awaitable<result<std::vector<snmp::varbind>>> read(const std::vector<snmp::oid>& oids,
                                                     const snmp::prepared_get* prepared = nullptr);
  // One GET of the first `count` OIDs of request, one attempt: is a request that size answered?
  awaitable<bool> answers(const std::vector<snmp::oid>& request, std::size_t count);
  // The largest of request.size(), half that, ... the PDU answers (one attempt each), or 1.
  awaitable<std::size_t> largest_answered(const std::vector<snmp::oid>& request);
  void log_smaller(std::size_t previous) const;
  void apply_status(snapshot next);
  void poll_failed(const error& e);
  awaitable<void> execute_rename(command_request request);
  // A refused command's report: every outlet it names gets error_text.
  void report(command_request request, std::string error_text);
  // An outlet's report before anything is sent: its state as last read.
  step_report blank_report(int outlet, std::optional<outlet_action> action) const;
  std::optional<std::string> refusal(const command_request& request) const;
  std::optional<std::string> rename_refusal(const outlet_rename& rename) const;
  std::optional<std::string> step_refusal(const outlet_step& step, bool confirmed) const;

  asio::any_io_executor executor_;
  std::shared_ptr<snmp::client> snmp_;
  poller_settings settings_;
  poller_callbacks callbacks_;
  asio::steady_timer wakeup_;
  std::deque<command_request> queue_;
  std::map<int, std::chrono::steady_clock::time_point> last_power_cut_;  // by outlet
  std::optional<snapshot> current_;
  bool online_ = false;
  bool discovered_ = false;
  bool stopped_ = false;
  bool refresh_requested_ = false;
  bool answered_recently_ = false;
  int consecutive_failures_ = 0;
  std::size_t effective_max_varbinds_ = 10;
  // A request left unanswered right after the PDU had answered, when retries 0 left no attempt
  // for read()'s check: the next read makes the check first, and tries smaller sizes with it.
  std::vector<snmp::oid> unchecked_;
  std::uint64_t polls_ok_ = 0;
  std::uint64_t polls_failed_ = 0;
  std::uint64_t polls_missed_ = 0;
  std::uint64_t sets_sent_ = 0;
  // poll_request() for the discovered shape, encoded once for effective_max_varbinds_.
  std::optional<snmp::prepared_get> poll_prepared_;
  std::chrono::steady_clock::time_point probed_at_;  // last capability detection
};

}  // namespace pdu2mqtt::device
