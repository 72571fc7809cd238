// The soak's book of commands: what was published, what the bridge answered, and, once the
// answer window has passed, what became of each one. Pure bookkeeping, no I/O.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pdu2mqtt::soak {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

enum class action { on, off, reboot };
std::string_view name(action a) noexcept;

// A closed or still open interval during which something was down or disconnected.
struct outage {
  clock::time_point from;
  std::optional<clock::time_point> to;  // nullopt: still going on
  bool overlaps(clock::time_point begin, clock::time_point end) const noexcept {
    return from <= end && (!to || *to >= begin);
  }
};

enum class fate {
  not_sent,          // our client was not connected: nothing was published
  pending,           // no answer yet, still inside the answer window
  answered,          // a result (or an error) arrived
  excused_broker,    // no answer, but the broker went down within command_timeout + 2 s
  excused_offline,   // no answer, but the bridge or the PDU was not online at send time
  excused_observer,  // no answer, but our own MQTT client was disconnected meanwhile
  lost,              // none of the above: the bridge swallowed the command
};
std::string_view name(fate f) noexcept;

struct command {
  int id = 0;
  clock::time_point at;
  int outlet = 0;
  action what = action::on;
  bool sent = false;           // published while our client was connected
  bool bridge_online = false;  // pdu2mqtt/bridge/state was "online" at send time
  bool pdu_online = false;     // pdu2mqtt/<id>/availability was "online" at send time

  std::optional<clock::time_point> result_at;
  bool ok = false;
  std::string result_state;  // "ON", "OFF" or "" (null)
  std::string result_error;  // "" when null
  long latency_ms = 0;

  std::optional<clock::time_point> error_at;  // the <id>/error message, if any
  std::string error_text;
  bool late = false;  // the first answer came after the answer window had closed

  fate outcome = fate::pending;

  bool answered() const noexcept { return result_at || error_at; }
  std::string payload() const { return std::string(name(what)); }
};

// "the PDU accepted the command but still reports OFF after 5012 ms" and the same with 5003
// are one kind of failure: digit runs become "N" so failures can be counted by kind.
std::string error_kind(std::string_view text);

class ledger {
 public:
  ledger(std::chrono::milliseconds answer_window, std::chrono::milliseconds broker_grace)
      : answer_window_(answer_window), broker_grace_(broker_grace) {}

  command& add(command c);

  // Answers are matched to the newest command that fits (same outlet and command, not yet
  // answered, sent at most a minute ago and before the bridge started on it, by the result's
  // latency_ms). Oldest-first was wrong after a broker restart: a command published before
  // the bridge re-subscribed never reached it, yet took the answer of the next one that did,
  // and that one was then counted lost.
  // A message on <base>/<id>/outlet/<n>/result; returns the matched command or nullptr.
  const command* on_result(clock::time_point now, int outlet, const nlohmann::json& result);
  // A message on <base>/<id>/error.
  const command* on_error(clock::time_point now, const nlohmann::json& error);

  // Gives every command whose answer window has closed its fate; returns those that changed.
  std::vector<const command*> resolve(clock::time_point now, const std::vector<outage>& broker,
                                      const std::vector<outage>& observer);

  // Sent, unanswered, and still inside its answer window.
  bool in_flight(clock::time_point now) const;
  // When a command was last sent to this outlet.
  std::optional<clock::time_point> last_sent(int outlet) const;

  const std::vector<command>& commands() const noexcept { return commands_; }
  int unmatched_results() const noexcept { return unmatched_results_; }
  int unmatched_errors() const noexcept { return unmatched_errors_; }
  int late_answers() const noexcept { return late_answers_; }

 private:
  std::chrono::milliseconds answer_window_;
  std::chrono::milliseconds broker_grace_;
  std::vector<command> commands_;
  std::size_t first_open_ = 0;  // commands before this index all have a fate
  std::map<int, clock::time_point> last_sent_;
  int unmatched_results_ = 0;
  int unmatched_errors_ = 0;
  int late_answers_ = 0;
};

}  // namespace pdu2mqtt::soak
