// The soak run (see soak.hpp): setup, the main loop (commands, faults, state checks,
// samples), the final settle, the report.
#include "soak.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "ledger.hpp"
#include "pdu2mqtt/mqtt/link.hpp"
#include "support/config_builder.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/oid_text.hpp"
#include "support/process.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::soak {

const std::string_view definitions = R"(Definitions (as counted in the report):
  sent        a command (ON/OFF/REBOOT, random outlet, QoS 1, not retained) published to
              pdu2mqtt/soak/outlet/<n>/set while the soak's own MQTT client was connected;
              one is attempted every second, the others count as "not sent".
  executed    a result arrived on pdu2mqtt/soak/outlet/<n>/result (ok or not).
  confirmed   that result said "ok": true.
  refused/failed  a result with "ok": false or a message on pdu2mqtt/soak/error; listed by
              error text (digit runs shown as N). Expected while the PDU or broker is down.
  lost        sent while the bridge was online (pdu2mqtt/bridge/state and
              pdu2mqtt/soak/availability both last seen "online" since the client's last
              connect), the broker not down at any moment from the send to command_timeout
              (5 s) + 2 s later, and yet neither a result nor an error within 15 s.
              MUST BE 0. Other unanswered commands are "excused", counted by reason.
  wrong state whenever broker, PDU, bridge (state online, availability online) and the soak's
              client have all been up for >= 3 s and no command is in flight (sent,
              unanswered, < 15 s old), every outlet without a command in the last 3 s has
              its last published state (pdu2mqtt/soak/outlet/<n>, retained: forgotten when
              the client reconnects, so it must be published again) compared with the
              simulator's real one (snmpget 1.3.6.1.4.1.3808.1.1.3.3.5.1.1.4.<n>, 1 = ON,
              2 = OFF). A mismatch seen by two checks in a row (1 s apart) is one wrong
              state. MUST BE 0.
  RSS/threads VmRSS and Threads of the bridge from /proc/<pid>/status, 10 s after start and
              at the end (after the final settle); also open file descriptors.
Faults: 20-60 s apart (shorter runs: up to a third of the run), the first after a 10 s
warm-up, seeded: the broker, the PDU or both are killed (SIGKILL) or stopped (SIGTERM) for
1-10 s each, then restarted on the same port. Matching: a result or error goes to the oldest
waiting command for that outlet and command word sent before the bridge started on it
(result time - latency_ms), preferring commands sent while the bridge was seen online.
Pass: lost == 0, wrong == 0, >= 1 state check made, everything answered and checked within
60 s after the end, the bridge alive at the end and exiting 0 within 5 s of SIGTERM.
Exit status: 0 pass, 1 fail, 2 the soak could not set up or restart its peers.
)";

namespace {

using nlohmann::json;
using test::child_process;
using test::mosquitto_fixture;
using test::temp_dir;

// ---- Timing of the soak ------------------------------------------------------------------
constexpr auto command_timeout = 5000ms;  // the bridge's command_timeout_ms
constexpr auto answer_window = 15s;       // a command not answered by then is lost
constexpr auto broker_grace = command_timeout + 2s;
constexpr auto stable_for = 3s;        // everything up this long before states are compared
constexpr auto recent_command = 3s;    // outlets commanded this recently are not compared
constexpr auto check_spacing = 1s;     // between two state checks
constexpr auto warm_up = 10s;          // first RSS sample, and no fault before
constexpr auto fault_quiet_end = 15s;  // no fault starts this close to the end
constexpr auto settle_limit = 60s;     // after the end: everything back, checked, answered
constexpr auto sample_every = 10s;
constexpr auto progress_every = 60s;
constexpr int simulated_banks = 2;

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) {
  interrupted = 1;
}

std::string wall_clock_now() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  ::localtime_r(&t, &local);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return fmt::format("{}.{:03}", text, ms);
}

std::filesystem::path sibling(const std::filesystem::path& report, std::string_view suffix) {
  auto stem = report;
  if (stem.extension() == ".json") stem.replace_extension();
  return stem.string() + std::string(suffix);
}

// The bridge's process in numbers, from /proc.
struct proc_sample {
  double at_s = 0;
  long rss_kb = -1;
  long hwm_kb = -1;
  long threads = -1;
  long fds = -1;
  json to_json() const {
    return {
        {"at_s", at_s}, {"rss_kb", rss_kb}, {"hwm_kb", hwm_kb}, {"threads", threads}, {"fds", fds}};
  }
};

proc_sample sample_process(pid_t pid, double at_s) {
  proc_sample s;
  s.at_s = at_s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const auto number = [](const std::string& text) {
    long value = -1;
    const auto first = text.find_first_of("0123456789");
    if (first != std::string::npos) {
      std::from_chars(text.data() + first, text.data() + text.size(), value);
    }
    return value;
  };
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = number(line);
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = number(line);
    if (line.rfind("Threads:", 0) == 0) s.threads = number(line);
  }
  std::error_code ec;
  long fds = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++fds;
  }
  if (!ec) s.fds = fds;
  return s;
}

// A value as the soak last saw it on MQTT, and since when (for the stability condition).
struct watched {
  std::string value;  // "" = unknown (not seen since our client's last connect)
  clock::time_point since;
};

struct fault_record {
  double at_s = 0;
  std::string target;  // "broker", "pdu", "both"
  std::string broker_how, pdu_how;
  double broker_down_s = 0, pdu_down_s = 0;
};

struct wrong_state {
  double at_s = 0;
  int outlet = 0;
  std::string published, real;
  json timeline;
};

class soak_run {
 public:
  explicit soak_run(const options& o)
      : o_(o),
        rng_(o.seed),
        ledger_(answer_window, broker_grace),
        log_path_(sibling(o.report, ".log")),
        bridge_log_path_(sibling(o.report, ".bridge.log")),
        broker_log_path_(sibling(o.report, ".mosquitto.log")),
        pdu_log_path_(sibling(o.report, ".simulator.log")) {}

  int run();

 private:
  // ---- logging ----
  double rel(clock::time_point t) const { return std::chrono::duration<double>(t - t0_).count(); }
  template <class... Args>
  void note(fmt::format_string<Args...> format, Args&&... args) {
    const auto now = clock::now();
    auto line =
        fmt::format("{:9.3f} {}", rel(now), fmt::format(format, std::forward<Args>(args)...));
    spdlog::info("{}", line);
    events_.push_back({now, wall_clock_now() + " " + line});
  }
  json timeline(clock::time_point from, clock::time_point to) const;
  void append_file(const std::filesystem::path& path, const std::string& text) const {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
  }
  void flush_bridge_log();

  // ---- peers ----
  void start_broker();
  void stop_broker(bool kill);
  void start_pdu();
  void stop_pdu(bool kill);
  void start_bridge();
  void start_client();

  // ---- loop ----
  void pump();
  void on_connection(bool connected);
  void on_message(const mqtt::message& m);
  void set_watched(watched& w, const std::string& value, std::string_view what);
  std::optional<clock::time_point> online_since(const watched& w) const {
    if (w.value != "online") return std::nullopt;
    return w.since;
  }
  void send_command(clock::time_point now);
  void maybe_start_fault(clock::time_point now);
  void restore_due(clock::time_point now, bool force);
  std::chrono::milliseconds fault_gap();
  std::optional<clock::time_point> stable_since() const;
  bool check_states(clock::time_point now);
  void resolve(clock::time_point now);
  void sample(clock::time_point now);
  bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit);

  // ---- results ----
  json report(bool passed, const std::vector<std::string>& failures) const;
  void print_table(const json& r) const;

  options o_;
  std::mt19937_64 rng_;
  ledger ledger_;
  std::filesystem::path log_path_, bridge_log_path_, broker_log_path_, pdu_log_path_;
  clock::time_point t0_ = clock::now();
  clock::time_point start_;  // commands start (bridge ready)
  clock::time_point end_;    // commands stop
  std::vector<std::pair<clock::time_point, std::string>> events_;

  temp_dir dir_;
  std::unique_ptr<mosquitto_fixture> broker_;
  std::optional<clock::time_point> broker_up_since_;
  std::vector<outage> broker_outages_;
  std::optional<clock::time_point> broker_restart_at_;
  int broker_incarnation_ = 1;

  child_process pdu_;
  std::uint16_t pdu_port_ = 0;
  std::optional<clock::time_point> pdu_up_since_;
  std::vector<outage> pdu_outages_;
  std::optional<clock::time_point> pdu_restart_at_;
  int pdu_incarnation_ = 0;

  child_process bridge_;
  std::size_t bridge_log_written_ = 0;
  std::optional<double> bridge_died_at_;

  asio::io_context io_;
  std::unique_ptr<mqtt::link> client_;
  bool connected_ = false;
  clock::time_point connected_since_;
  std::vector<outage> client_outages_;
  watched bridge_state_, availability_;
  std::vector<clock::time_point> offline_seen_;  // availability went "offline"
  std::vector<std::string> published_;           // [n]: last payload on outlet/<n>
  int messages_ = 0;

  int next_id_ = 1;
  clock::time_point next_command_;
  clock::time_point next_fault_;
  clock::time_point next_sample_, next_progress_;
  std::vector<fault_record> faults_;

  std::optional<clock::time_point> last_check_;
  std::vector<int> streak_;  // [n]: checks in a row with a mismatch
  int checks_ = 0, final_checks_ = 0, compared_ = 0, skipped_ = 0, transient_ = 0;
  int check_failures_ = 0;
  std::vector<wrong_state> wrong_;

  std::optional<proc_sample> rss_start_, rss_end_;
  long rss_max_kb_ = -1;
  std::vector<proc_sample> samples_;
  bool bridge_alive_at_end_ = false;
  std::optional<int> bridge_exit_;
  double bridge_exit_s_ = -1;
  bool settled_ = false;
  std::optional<std::string> harness_error_;  // a peer could not be restarted
};

// The bridge's own log in numbers: lines per level, and the ones worth reading (errors,
// critical ones, and the poller's varbind budget being cut, which it never raises again
// unless the PDU goes offline).
json bridge_log_summary(const std::string& text) {
  std::map<std::string, int> levels;
  json notable = json::array();
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    // "2026-11-25 12:33:45.854 warning MQTT: ..."
    std::istringstream words(line);
    std::string date, time, level;
    if (!(words >> date >> time >> level) || date.size() != 10 || date[4] != '-') continue;
    ++levels[level];
    const bool worth =
        level == "error" || level == "critical" || line.find("from now on") != std::string::npos;
    if (worth && notable.size() < 100) notable.push_back(line);
  }
  return {{"lines_by_level", levels}, {"notable", notable}};
}

json soak_run::timeline(clock::time_point from, clock::time_point to) const {
  json lines = json::array();
  for (const auto& [t, line] : events_) {
    if (t >= from && t <= to) lines.push_back(line);
    if (lines.size() >= 400) break;
  }
  return lines;
}

void soak_run::flush_bridge_log() {
  const std::string text = bridge_.stderr_text();
  if (text.size() > bridge_log_written_) {
    append_file(bridge_log_path_, text.substr(bridge_log_written_));
    bridge_log_written_ = text.size();
  }
}

// ---- peers ---------------------------------------------------------------------------------

void soak_run::start_broker() {
  if (!broker_) {
    broker_ = std::make_unique<mosquitto_fixture>();
  } else {
    broker_->start();
  }
  broker_up_since_ = clock::now();
  if (!broker_outages_.empty() && !broker_outages_.back().to) {
    broker_outages_.back().to = clock::now();
  }
  note("broker: up on port {} (pid {}, incarnation {})", broker_->port(), broker_->process().pid(),
       broker_incarnation_);
}

void soak_run::stop_broker(bool kill) {
  const auto pid = broker_->process().pid();
  const auto at = clock::now();
  broker_up_since_.reset();
  broker_outages_.push_back({at, std::nullopt});
  if (kill) broker_->process().signal(SIGKILL);
  const int code = broker_->process().stop();
  append_file(broker_log_path_, fmt::format("===== mosquitto incarnation {} (pid {}), ended: {}\n",
                                            broker_incarnation_, pid, code) +
                                    broker_->process().stderr_text());
  ++broker_incarnation_;
  note("broker: {} (pid {}, exit status {})", kill ? "KILLED (SIGKILL)" : "stopped (SIGTERM)", pid,
       code);
}

void soak_run::start_pdu() {
  const auto deadline = clock::now() + 30s;
  constexpr std::string_view banner = "simulated PDU listening on udp 127.0.0.1:";
  for (;;) {
    ++pdu_incarnation_;
    pdu_.start({o_.binary, "simulate", "--listen", "127.0.0.1:" + std::to_string(pdu_port_),
                "--outlets", std::to_string(o_.outlets), "--banks",
                std::to_string(std::min(simulated_banks, o_.outlets)), "--apply-delay-ms", "50",
                "--reboot-off-ms", "500", "--serial", "SOAK00000001"});
    if (pdu_.wait_for_output(banner, 30s)) {
      const std::string out = pdu_.stdout_text();
      unsigned port = 0;
      const auto first = out.find(banner);
      if (first != std::string::npos) {
        const char* digits = out.data() + first + banner.size();
        std::from_chars(digits, out.data() + out.size(), port);
      }
      if (port > 0 && port <= 65535) {
        pdu_port_ = static_cast<std::uint16_t>(port);
        break;
      }
    }
    const int code = pdu_.stop();
    append_file(pdu_log_path_, fmt::format("===== simulator incarnation {} failed to start ({})\n",
                                           pdu_incarnation_, code) +
                                   pdu_.output());
    note("pdu: simulator failed to start on port {} (exit {}); retrying", pdu_port_, code);
    if (clock::now() > deadline) {
      throw std::runtime_error("the simulator does not start again on port " +
                               std::to_string(pdu_port_) + ":\n" + pdu_.output());
    }
    std::this_thread::sleep_for(500ms);
  }
  pdu_up_since_ = clock::now();
  if (!pdu_outages_.empty() && !pdu_outages_.back().to) pdu_outages_.back().to = clock::now();
  note("pdu: simulator up on udp 127.0.0.1:{} (pid {}, incarnation {}): all outlets ON", pdu_port_,
       pdu_.pid(), pdu_incarnation_);
}

void soak_run::stop_pdu(bool kill) {
  const auto pid = pdu_.pid();
  pdu_up_since_.reset();
  pdu_outages_.push_back({clock::now(), std::nullopt});
  if (kill) pdu_.signal(SIGKILL);
  const int code = pdu_.stop();
  append_file(pdu_log_path_, fmt::format("===== simulator incarnation {} (pid {}), ended: {}\n",
                                         pdu_incarnation_, pid, code) +
                                 pdu_.stderr_text());
  note("pdu: simulator {} (pid {}, exit status {})",
       kill ? "KILLED (SIGKILL)" : "stopped (SIGTERM)", pid, code);
}

void soak_run::start_bridge() {
  const auto config = test::config_builder(broker_->port())
                          .heading("written by pdu2mqtt_soak")
                          .client_id("pdu2mqtt-soak-bridge")
                          .pdu(test::pdu_builder("soak", pdu_port_)
                                   .name("Soak PDU")
                                   .snmp_timing(300, 1)
                                   .poll_interval_ms(500)
                                   .protected_outlets({})
                                   .command_timeout_ms(static_cast<int>(command_timeout.count())))
                          .log_level(o_.bridge_log_level)
                          .text();
  const auto path = dir_.write_file("pdu2mqtt.json", config);
  append_file(bridge_log_path_, "===== config " + path.string() + "\n" + config + "\n");
  bridge_.start({o_.binary, "run", "--config", path.string()});
  note("bridge: started (pid {}): {} run --config {}", bridge_.pid(), o_.binary, path.string());
}

void soak_run::start_client() {
  mqtt::link_options lo;
  lo.broker = *mqtt::parse_broker_url(broker_->uri());
  lo.client_id = "pdu2mqtt-soak-client-" + std::to_string(::getpid());
  lo.min_backoff = 100ms;
  lo.max_backoff = 500ms;
  client_ = std::make_unique<mqtt::link>(io_.get_executor(), lo);
  client_->on_message([this](const mqtt::message& m) { on_message(m); });
  client_->on_connection([this](bool c) { on_connection(c); });
  for (const auto* filter :
       {"pdu2mqtt/bridge/state", "pdu2mqtt/soak/availability", "pdu2mqtt/soak/outlet/+",
        "pdu2mqtt/soak/outlet/+/result", "pdu2mqtt/soak/error"}) {
    client_->subscribe(filter, 1);
  }
  client_->start();
}

// ---- MQTT side -----------------------------------------------------------------------------

void soak_run::pump() {
  io_.restart();
  io_.poll();
}

void soak_run::set_watched(watched& w, const std::string& value, std::string_view what) {
  if (w.value == value) return;
  if (&w == &availability_ && value == "offline") offline_seen_.push_back(clock::now());
  note("mqtt: {} {} -> {}", what, w.value.empty() ? "(unknown)" : w.value,
       value.empty() ? "(unknown)" : value);
  w.value = value;
  w.since = clock::now();
}

void soak_run::on_connection(bool connected) {
  const auto now = clock::now();
  if (connected == connected_) return;
  connected_ = connected;
  if (connected) {
    connected_since_ = now;
    if (!client_outages_.empty() && !client_outages_.back().to) client_outages_.back().to = now;
    note("client: connected");
  } else {
    client_outages_.push_back({now, std::nullopt});
    note("client: DISCONNECTED");
    // What we knew came from the old session: unknown until seen again. Outlet states too:
    // after a broker restart the bridge must publish them again (they are retained), and a
    // new subscriber would see nothing if it did not.
    set_watched(bridge_state_, "", "bridge/state");
    set_watched(availability_, "", "soak/availability");
    std::fill(published_.begin(), published_.end(), std::string());
  }
}

void soak_run::on_message(const mqtt::message& m) {
  const auto now = clock::now();
  ++messages_;
  if (m.topic == "pdu2mqtt/bridge/state") {
    set_watched(bridge_state_, m.payload, "bridge/state");
    return;
  }
  if (m.topic == "pdu2mqtt/soak/availability") {
    set_watched(availability_, m.payload, "soak/availability");
    return;
  }
  if (m.topic == "pdu2mqtt/soak/error") {
    auto j = json::parse(m.payload, nullptr, false);
    const command* c = j.is_object() ? ledger_.on_error(now, j) : nullptr;
    if (c) {
      note("error  #{} outlet {} {}: {}", c->id, c->outlet, name(c->what), c->error_text);
    } else {
      note("error  UNMATCHED: {}", m.payload);
    }
    return;
  }
  constexpr std::string_view prefix = "pdu2mqtt/soak/outlet/";
  if (m.topic.rfind(prefix, 0) != 0) return;
  const std::string_view rest = std::string_view(m.topic).substr(prefix.size());
  int outlet = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), outlet);
  if (ec != std::errc{} || outlet < 1 || outlet > o_.outlets) {
    note("mqtt: message on an unexpected topic {}: {}", m.topic, m.payload);
    return;
  }
  const std::string_view tail(end, static_cast<std::size_t>(rest.data() + rest.size() - end));
  if (tail.empty()) {
    if (published_[static_cast<std::size_t>(outlet)] != m.payload) {
      note("state  outlet {} = {}{}", outlet, m.payload, m.retained ? " (retained)" : "");
    }
    published_[static_cast<std::size_t>(outlet)] = m.payload;
  } else if (tail == "/result") {
    auto j = json::parse(m.payload, nullptr, false);
    const command* c = j.is_object() ? ledger_.on_result(now, outlet, j) : nullptr;
    if (c) {
      note("result #{} outlet {} {}: ok={} state={} {} ms{}{}", c->id, c->outlet, name(c->what),
           c->ok, c->result_state.empty() ? "null" : c->result_state, c->latency_ms,
           c->result_error.empty() ? "" : " error: " + c->result_error, c->late ? " (LATE)" : "");
    } else {
      note("result UNMATCHED on outlet {}: {}", outlet, m.payload);
    }
  }
}

void soak_run::send_command(clock::time_point now) {
  std::uniform_int_distribution<int> pick_outlet(1, o_.outlets);
  std::uniform_int_distribution<int> pick_action(0, 2);
  command c;
  c.id = next_id_++;
  c.at = now;
  c.outlet = pick_outlet(rng_);
  c.what = static_cast<action>(pick_action(rng_));
  c.sent = client_->connected();
  c.bridge_online = bridge_state_.value == "online";
  c.pdu_online = availability_.value == "online";
  if (c.sent) {
    client_->publish("pdu2mqtt/soak/outlet/" + std::to_string(c.outlet) + "/set", c.payload(), 1,
                     false);
  }
  note("cmd    #{} outlet {} {} {} (bridge {}, pdu {})", c.id, c.outlet, name(c.what),
       c.sent ? "sent" : "NOT SENT (client disconnected)",
       bridge_state_.value.empty() ? "?" : bridge_state_.value,
       availability_.value.empty() ? "?" : availability_.value);
  ledger_.add(std::move(c));
}

// ---- faults --------------------------------------------------------------------------------

void soak_run::maybe_start_fault(clock::time_point now) {
  if (now < next_fault_ || broker_restart_at_ || pdu_restart_at_) return;
  if (end_ - now < fault_quiet_end) return;
  std::uniform_int_distribution<int> target(0, 9);  // 0-3 broker, 4-7 PDU, 8-9 both
  std::bernoulli_distribution kill(0.5);
  std::uniform_real_distribution<double> down(1.0, 10.0);
  const int t = target(rng_);
  fault_record f;
  f.at_s = rel(now);
  f.target = t < 4 ? "broker" : t < 8 ? "pdu" : "both";
  if (f.target != "pdu") {
    const bool k = kill(rng_);
    f.broker_how = k ? "kill" : "stop";
    f.broker_down_s = down(rng_);
    note("FAULT  broker {} for {:.1f} s", f.broker_how, f.broker_down_s);
    stop_broker(k);
    broker_restart_at_ =
        clock::now() + std::chrono::milliseconds(static_cast<long>(f.broker_down_s * 1000));
  }
  if (f.target != "broker") {
    const bool k = kill(rng_);
    f.pdu_how = k ? "kill" : "stop";
    f.pdu_down_s = down(rng_);
    note("FAULT  pdu {} for {:.1f} s", f.pdu_how, f.pdu_down_s);
    stop_pdu(k);
    pdu_restart_at_ =
        clock::now() + std::chrono::milliseconds(static_cast<long>(f.pdu_down_s * 1000));
  }
  faults_.push_back(f);
}

void soak_run::restore_due(clock::time_point now, bool force) {
  bool restored = false;
  if (broker_restart_at_ && (force || now >= *broker_restart_at_)) {
    start_broker();
    broker_restart_at_.reset();
    restored = true;
  }
  if (pdu_restart_at_ && (force || now >= *pdu_restart_at_)) {
    start_pdu();
    pdu_restart_at_.reset();
    restored = true;
  }
  if (restored && !broker_restart_at_ && !pdu_restart_at_) next_fault_ = clock::now() + fault_gap();
}

// 20-60 s, or 20 s to a third of the run for short runs (two minutes: 20-40 s).
std::chrono::milliseconds soak_run::fault_gap() {
  const double total_s = std::chrono::duration<double>(end_ - start_).count();
  const double hi = std::clamp(total_s / 3, 20.0, 60.0);
  std::uniform_real_distribution<double> gap(20.0, hi);
  return std::chrono::milliseconds(static_cast<long>(gap(rng_) * 1000));
}

// ---- state checks --------------------------------------------------------------------------

std::optional<clock::time_point> soak_run::stable_since() const {
  if (!broker_up_since_ || !pdu_up_since_ || !connected_) return std::nullopt;
  const auto bridge = online_since(bridge_state_);
  const auto pdu = online_since(availability_);
  if (!bridge || !pdu) return std::nullopt;
  return std::max({*broker_up_since_, *pdu_up_since_, connected_since_, *bridge, *pdu});
}

// Returns true when a check was made.
bool soak_run::check_states(clock::time_point now) {
  const auto since = stable_since();
  const bool may = since && now - *since >= stable_for && !ledger_.in_flight(now) &&
                   (!last_check_ || now - *last_check_ >= check_spacing);
  if (!may) return false;
  // Two checks count as "in a row" only if nothing interrupted them.
  if (last_check_ && now - *last_check_ > 2500ms) {
    std::fill(streak_.begin(), streak_.end(), 0);
  }
  last_check_ = now;

  std::vector<std::string> real(static_cast<std::size_t>(o_.outlets) + 1);
  for (int first = 1; first <= o_.outlets; first += 10) {
    const int last = std::min(o_.outlets, first + 9);
    std::vector<std::string> args{"-Oqv", "-t", "0.5",
                                  "-r",   "1",  "127.0.0.1:" + std::to_string(pdu_port_)};
    for (int n = first; n <= last; ++n) {
      args.push_back(test::oid_at(cyberpower::outlet::state, n));
    }
    const auto got = test::net_snmp_tool("snmpget", "public", std::move(args), 5s);
    std::istringstream lines(got.stdout_text);
    std::string line;
    int n = first;
    while (n <= last && std::getline(lines, line)) {
      real[static_cast<std::size_t>(n++)] = line == "1" ? "ON" : line == "2" ? "OFF" : line;
    }
    if (got.exit_code != 0 || got.timed_out || n <= last) {
      ++check_failures_;
      note("check: snmpget of the simulator failed (exit {}): {}{}", got.exit_code, got.stderr_text,
           got.stdout_text);
      std::fill(streak_.begin(), streak_.end(), 0);
      return false;
    }
  }
  ++checks_;
  // Commands may have been answered while snmpget ran; "recent" is judged from now on.
  const auto after = clock::now();
  for (int n = 1; n <= o_.outlets; ++n) {
    const auto index = static_cast<std::size_t>(n);
    const auto sent = ledger_.last_sent(n);
    if (sent && after - *sent < recent_command) {
      streak_[index] = 0;
      ++skipped_;
      continue;
    }
    ++compared_;
    const auto& published = published_[index];
    if (published == real[index]) {
      if (streak_[index] > 0) note("check: outlet {} agrees again ({})", n, published);
      streak_[index] = 0;
      continue;
    }
    ++streak_[index];
    ++transient_;
    note("check: outlet {} published {} but the PDU says {} ({} check(s) in a row)", n,
         published.empty() ? "(nothing)" : published, real[index], streak_[index]);
    if (streak_[index] == 2) {
      wrong_state w{rel(now), n, published, real[index], json()};
      note("WRONG STATE: outlet {} published {} while the PDU is {}", n,
           published.empty() ? "(nothing)" : published, real[index]);
      w.timeline = timeline(now - 30s, clock::now());
      wrong_.push_back(std::move(w));
    }
  }
  return true;
}

void soak_run::resolve(clock::time_point now) {
  for (const command* c : ledger_.resolve(now, broker_outages_, client_outages_)) {
    if (c->outcome == fate::lost) {
      note("LOST   #{} outlet {} {} sent at {:.3f}: no result or error within {} s", c->id,
           c->outlet, name(c->what), rel(c->at), answer_window.count());
    } else {
      note("unanswered #{} outlet {} {}: {}", c->id, c->outlet, name(c->what), name(c->outcome));
    }
  }
}

void soak_run::sample(clock::time_point now) {
  if (!bridge_.running()) return;
  auto s = sample_process(bridge_.pid(), rel(now));
  rss_max_kb_ = std::max(rss_max_kb_, s.rss_kb);
  samples_.push_back(s);
  note("sample: bridge RSS {} kB (peak {} kB), {} threads, {} fds", s.rss_kb, s.hwm_kb, s.threads,
       s.fds);
}

bool soak_run::wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  const auto deadline = clock::now() + limit;
  while (!ready()) {
    if (clock::now() > deadline) return false;
    pump();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// ---- the run -------------------------------------------------------------------------------

int soak_run::run() {
  std::filesystem::create_directories(std::filesystem::absolute(o_.report).parent_path());
  for (const auto& p : {log_path_, bridge_log_path_, broker_log_path_, pdu_log_path_}) {
    std::filesystem::remove(p);
  }
  auto logger = spdlog::basic_logger_mt("soak", log_path_.string(), true);
  logger->set_pattern("%H:%M:%S.%e %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  ::signal(SIGINT, on_interrupt);
  ::signal(SIGTERM, on_interrupt);
  published_.assign(static_cast<std::size_t>(o_.outlets) + 1, "");
  streak_.assign(static_cast<std::size_t>(o_.outlets) + 1, 0);

  std::cout << "pdu2mqtt soak: " << o_.minutes << " min, seed " << o_.seed << ", " << o_.outlets
            << " outlets, binary " << o_.binary << "\n  log: " << log_path_.string() << std::endl;
  note("soak: {} min, seed {}, {} outlets, binary {}", o_.minutes, o_.seed, o_.outlets, o_.binary);

  try {
    start_broker();
    start_pdu();
    start_client();
    start_bridge();
  } catch (const std::exception& e) {
    std::cerr << "pdu2mqtt_soak: setup failed: " << e.what() << "\n";
    note("setup failed: {}", e.what());
    return 2;
  }
  const bool ready = wait_until(
      [&] {
        if (!connected_ || bridge_state_.value != "online" || availability_.value != "online") {
          return false;
        }
        return std::all_of(published_.begin() + 1, published_.end(),
                           [](const std::string& s) { return !s.empty(); });
      },
      30s);
  if (!ready) {
    flush_bridge_log();
    std::cerr << "pdu2mqtt_soak: the bridge did not come online with every outlet published "
                 "within 30 s; see "
              << bridge_log_path_.string() << "\n";
    note("setup failed: bridge not ready in 30 s");
    return 2;
  }
  start_ = clock::now();
  end_ = start_ + std::chrono::milliseconds(static_cast<long>(o_.minutes * 60000));
  next_command_ = start_;
  next_fault_ = start_ + warm_up + fault_gap();
  next_sample_ = start_ + warm_up;
  next_progress_ = start_ + progress_every;
  note("soak: bridge ready; commands every second until +{:.3f}", rel(end_));

  // ---- main loop ----
  while (!interrupted) {
    pump();
    const auto now = clock::now();
    if (now >= end_) break;
    if (!bridge_.running()) {
      bridge_died_at_ = rel(now);
      note("BRIDGE DIED: exit status {}", bridge_.exit_code().value_or(-1));
      break;
    }
    if (now >= next_command_) {
      send_command(now);
      next_command_ += 1s;
      if (next_command_ < now) next_command_ = now + 1s;  // fell behind: no burst
    }
    try {
      restore_due(now, false);
      maybe_start_fault(now);
    } catch (const std::exception& e) {
      harness_error_ = e.what();
      note("HARNESS ERROR: {}", e.what());
      break;
    }
    check_states(now);
    resolve(now);
    if (now >= next_sample_) {
      sample(now);
      if (!rss_start_ && !samples_.empty()) rss_start_ = samples_.back();
      flush_bridge_log();
      next_sample_ += sample_every;
    }
    if (now >= next_progress_) {
      int sent = 0, confirmed = 0, lost = 0;
      for (const auto& c : ledger_.commands()) {
        sent += c.sent;
        confirmed += c.result_at && c.ok;
        lost += c.outcome == fate::lost;
      }
      std::cout << fmt::format(
                       "  +{:5.0f} s: {} sent, {} confirmed, {} lost, {} wrong, {} faults, {} "
                       "checks, bridge RSS {} kB",
                       rel(now), sent, confirmed, lost, wrong_.size(), faults_.size(), checks_,
                       samples_.empty() ? -1 : samples_.back().rss_kb)
                << std::endl;
      next_progress_ += progress_every;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (interrupted) note("soak: interrupted; finishing early");

  // ---- settle: everything back, every command answered or judged, two clean checks ----
  note("soak: commands stopped; settling (at most {} s)", settle_limit.count());
  try {
    restore_due(clock::now(), true);
  } catch (const std::exception& e) {
    if (!harness_error_) harness_error_ = e.what();
    note("HARNESS ERROR: settle: could not restart a peer: {}", e.what());
  }
  const int checks_before = checks_;
  const auto settle_deadline = clock::now() + settle_limit;
  while (!bridge_died_at_ && clock::now() < settle_deadline) {
    pump();
    const auto now = clock::now();
    if (!bridge_.running()) {
      bridge_died_at_ = rel(now);
      note("BRIDGE DIED: exit status {}", bridge_.exit_code().value_or(-1));
      break;
    }
    resolve(now);
    if (check_states(now)) final_checks_ = checks_ - checks_before;
    if (final_checks_ >= 2 && !ledger_.in_flight(now) &&
        std::none_of(ledger_.commands().begin(), ledger_.commands().end(),
                     [](const command& c) { return c.outcome == fate::pending; })) {
      settled_ = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  resolve(clock::now() + answer_window);  // whatever is still open has had its chance
  note("soak: {} ({} final checks)", settled_ ? "settled" : "DID NOT SETTLE", final_checks_);

  // ---- the bridge at the end ----
  bridge_alive_at_end_ = bridge_.running();
  if (bridge_alive_at_end_) {
    rss_end_ = sample_process(bridge_.pid(), rel(clock::now()));
    rss_max_kb_ = std::max(rss_max_kb_, rss_end_->rss_kb);
    note("sample: bridge RSS {} kB at the end, {} threads, {} fds", rss_end_->rss_kb,
         rss_end_->threads, rss_end_->fds);
    const auto term_at = clock::now();
    bridge_.signal(SIGTERM);
    bridge_exit_ = bridge_.wait(5s);
    bridge_exit_s_ = std::chrono::duration<double>(clock::now() - term_at).count();
    if (!bridge_exit_) bridge_.stop(1s);
    note("bridge: SIGTERM -> {} after {:.2f} s",
         bridge_exit_ ? "exit status " + std::to_string(*bridge_exit_) : std::string("NO EXIT"),
         bridge_exit_s_);
  } else {
    note("bridge: NOT RUNNING at the end (exit status {})", bridge_.exit_code().value_or(-1));
  }
  flush_bridge_log();
  client_->stop(200ms);
  pump();
  if (broker_ && broker_->running()) stop_broker(false);
  if (pdu_.running()) stop_pdu(false);

  std::vector<std::string> failures;
  int lost = 0;
  for (const auto& c : ledger_.commands())
    lost += c.outcome == fate::lost;
  if (lost) failures.push_back(std::to_string(lost) + " command(s) lost");
  if (!wrong_.empty()) failures.push_back(std::to_string(wrong_.size()) + " wrong state(s)");
  if (checks_ == 0) failures.push_back("no state check could be made");
  if (bridge_died_at_) {
    failures.push_back(fmt::format("the bridge died at +{:.1f} s", *bridge_died_at_));
  }
  if (!bridge_alive_at_end_) failures.push_back("the bridge was not running at the end");
  if (bridge_alive_at_end_ && bridge_exit_ != 0) {
    failures.push_back(bridge_exit_
                           ? "the bridge exited " + std::to_string(*bridge_exit_) + " on SIGTERM"
                           : std::string("the bridge did not exit within 5 s of SIGTERM"));
  }
  if (!settled_) failures.push_back("did not settle within 60 s after the end");
  if (harness_error_) failures.push_back("the soak itself failed: " + *harness_error_);
  const bool passed = failures.empty();
  const json r = report(passed, failures);
  std::ofstream(o_.report) << r.dump(2) << "\n";
  print_table(r);
  std::cout << "  report: " << o_.report.string() << "\n  logs:   " << log_path_.string() << ", "
            << bridge_log_path_.string() << ", " << broker_log_path_.string() << ", "
            << pdu_log_path_.string() << std::endl;
  note("soak: {}", passed ? "PASS" : "FAIL");
  return passed ? 0 : harness_error_ ? 2 : 1;
}

// ---- report --------------------------------------------------------------------------------

json soak_run::report(bool passed, const std::vector<std::string>& failures) const {
  int attempted = 0, sent = 0, executed = 0, confirmed = 0, failed = 0, error_only = 0;
  std::map<std::string, int> by_error;
  std::map<std::string, int> by_fate;
  json lost = json::array();
  for (const auto& c : ledger_.commands()) {
    ++attempted;
    by_fate[std::string(name(c.outcome))]++;
    if (!c.sent) continue;
    ++sent;
    if (c.result_at) {
      ++executed;
      if (c.ok) ++confirmed;
    }
    if ((c.result_at && !c.ok) || c.error_at) {
      ++failed;
      const std::string& text = !c.result_error.empty() ? c.result_error : c.error_text;
      by_error[error_kind(text.empty() ? "(ok: false without error text)" : text)]++;
    }
    if (!c.result_at && c.error_at) ++error_only;
    if (c.outcome == fate::lost) {
      lost.push_back({{"id", c.id},
                      {"sent_at_s", rel(c.at)},
                      {"outlet", c.outlet},
                      {"command", name(c.what)},
                      {"late_answer_at_s", c.result_at ? json(rel(*c.result_at)) : json()},
                      {"timeline", timeline(c.at - 20s, c.at + answer_window + 2s)}});
    }
  }
  const json excused = {
      {"broker_outage", by_fate[std::string(name(fate::excused_broker))]},
      {"bridge_or_pdu_offline_at_send", by_fate[std::string(name(fate::excused_offline))]},
      {"client_disconnected", by_fate[std::string(name(fate::excused_observer))]}};
  json faults = json::array();
  int broker_faults = 0, pdu_faults = 0;
  for (const auto& f : faults_) {
    json j = {{"at_s", f.at_s}, {"target", f.target}};
    if (!f.broker_how.empty()) {
      j["broker"] = {{"how", f.broker_how}, {"down_s", f.broker_down_s}};
      ++broker_faults;
    }
    if (!f.pdu_how.empty()) {
      j["pdu"] = {{"how", f.pdu_how}, {"down_s", f.pdu_down_s}};
      ++pdu_faults;
    }
    faults.push_back(j);
  }
  // Informational: did the bridge say "offline" for each PDU outage (as far as our client,
  // connected or not, could see)? While commands keep it busy it does not poll, and may not.
  json pdu_outages = json::array();
  for (const auto& o : pdu_outages_) {
    if (o.from >= end_) continue;  // the teardown
    json j = {{"from_s", rel(o.from)}, {"to_s", o.to ? json(rel(*o.to)) : json()}};
    const auto until = o.to ? *o.to + 2s : clock::now();
    j["availability_offline_after_s"] = json();
    for (const auto t : offline_seen_) {
      if (t >= o.from && t <= until) {
        j["availability_offline_after_s"] = std::chrono::duration<double>(t - o.from).count();
        break;
      }
    }
    pdu_outages.push_back(j);
  }
  json wrong = json::array();
  for (const auto& w : wrong_) {
    wrong.push_back({{"at_s", w.at_s},
                     {"outlet", w.outlet},
                     {"published", w.published},
                     {"real", w.real},
                     {"timeline", w.timeline}});
  }
  json samples = json::array();
  for (const auto& s : samples_)
    samples.push_back(s.to_json());
  return {
      {"passed", passed},
      {"failures", failures},
      {"definitions", definitions},
      {"settings",
       {{"minutes", o_.minutes},
        {"seed", o_.seed},
        {"outlets", o_.outlets},
        {"binary", o_.binary},
        {"poll_interval_ms", 500},
        {"snmp_timeout_ms", 300},
        {"snmp_retries", 1},
        {"command_timeout_ms", command_timeout.count()},
        {"simulator", {{"apply_delay_ms", 50}, {"reboot_off_ms", 500}}},
        {"interrupted", interrupted != 0}}},
      {"duration_s", rel(clock::now())},
      {"commands",
       {{"attempted", attempted},
        {"sent", sent},
        {"not_sent", attempted - sent},
        {"executed", executed},
        {"confirmed", confirmed},
        {"refused_or_failed", failed},
        {"error_only", error_only},
        {"refused_or_failed_by_error", by_error},
        {"lost", lost.size()},
        {"unanswered_excused", excused},
        {"late_answers", ledger_.late_answers()},
        {"unmatched_results", ledger_.unmatched_results()},
        {"unmatched_errors", ledger_.unmatched_errors()}}},
      {"lost_commands", lost},
      {"faults",
       {{"count", faults_.size()},
        {"broker", broker_faults},
        {"pdu", pdu_faults},
        {"list", faults},
        {"pdu_outages_seen_by_bridge", pdu_outages}}},
      {"state_checks",
       {{"checks", checks_},
        {"final_checks", final_checks_},
        {"outlets_compared", compared_},
        {"outlets_skipped_recent_command", skipped_},
        {"mismatch_observations", transient_},
        {"snmp_failures", check_failures_},
        {"wrong_states", wrong_.size()},
        {"wrong", wrong}}},
      {"bridge",
       {{"rss_kb_start", rss_start_ ? json(rss_start_->rss_kb) : json()},
        {"rss_kb_end", rss_end_ ? json(rss_end_->rss_kb) : json()},
        {"rss_kb_max_sampled", rss_max_kb_},
        {"hwm_kb_end", rss_end_ ? json(rss_end_->hwm_kb) : json()},
        {"threads_start", rss_start_ ? json(rss_start_->threads) : json()},
        {"threads_end", rss_end_ ? json(rss_end_->threads) : json()},
        {"fds_start", rss_start_ ? json(rss_start_->fds) : json()},
        {"fds_end", rss_end_ ? json(rss_end_->fds) : json()},
        {"alive_at_end", bridge_alive_at_end_},
        {"died_at_s", bridge_died_at_ ? json(*bridge_died_at_) : json()},
        {"sigterm_exit_status", bridge_exit_ ? json(*bridge_exit_) : json()},
        {"sigterm_exit_s", bridge_exit_s_},
        {"samples", samples}}},
      {"bridge_log", bridge_log_summary(bridge_.stderr_text())},
      {"mqtt_messages_seen", messages_},
      {"logs",
       {{"soak", log_path_.string()},
        {"bridge", bridge_log_path_.string()},
        {"mosquitto", broker_log_path_.string()},
        {"simulator", pdu_log_path_.string()}}},
  };
}

void soak_run::print_table(const json& r) const {
  const auto& c = r["commands"];
  const auto& s = r["state_checks"];
  const auto& b = r["bridge"];
  const auto& f = r["faults"];
  const auto row = [](std::string_view label, const json& value) {
    std::cout << fmt::format("  {:<34} {}", label,
                             value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  };
  std::cout << "\n== pdu2mqtt soak report: " << (r["passed"].get<bool>() ? "PASS" : "FAIL")
            << " ==\n";
  row("minutes / seed", fmt::format("{} / {}", o_.minutes, o_.seed));
  row("faults (broker / pdu)", fmt::format("{} ({} / {})", f["count"].get<int>(),
                                           f["broker"].get<int>(), f["pdu"].get<int>()));
  row("commands attempted", c["attempted"]);
  row("  sent", c["sent"]);
  row("  not sent (client disconnected)", c["not_sent"]);
  row("  executed (result arrived)", c["executed"]);
  row("  confirmed (ok)", c["confirmed"]);
  row("  refused/failed", c["refused_or_failed"]);
  for (const auto& [text, count] : c["refused_or_failed_by_error"].items()) {
    std::cout << fmt::format("      {:>5}  {}", count.get<int>(), text) << "\n";
  }
  const auto& excused = c["unanswered_excused"];
  row("  unanswered, excused: broker down", excused["broker_outage"]);
  row("  unanswered, excused: offline", excused["bridge_or_pdu_offline_at_send"]);
  row("  unanswered, excused: client down", excused["client_disconnected"]);
  row("  LOST (must be 0)", c["lost"]);
  row("  late answers / unmatched",
      fmt::format("{} / {} results, {} errors", c["late_answers"].get<int>(),
                  c["unmatched_results"].get<int>(), c["unmatched_errors"].get<int>()));
  row("state checks (final)",
      fmt::format("{} ({})", s["checks"].get<int>(), s["final_checks"].get<int>()));
  row("  outlets compared / skipped", fmt::format("{} / {}", s["outlets_compared"].get<int>(),
                                                  s["outlets_skipped_recent_command"].get<int>()));
  row("  mismatches seen (all checks)", s["mismatch_observations"]);
  row("  WRONG STATES (must be 0)", s["wrong_states"]);
  row("bridge RSS start / end / max (kB)",
      fmt::format("{} / {} / {}", b["rss_kb_start"].dump(), b["rss_kb_end"].dump(),
                  b["rss_kb_max_sampled"].dump()));
  row("bridge threads start / end",
      fmt::format("{} / {}", b["threads_start"].dump(), b["threads_end"].dump()));
  row("bridge fds start / end", fmt::format("{} / {}", b["fds_start"].dump(), b["fds_end"].dump()));
  int seen = 0, outages = 0;
  for (const auto& o : f["pdu_outages_seen_by_bridge"]) {
    ++outages;
    seen += !o["availability_offline_after_s"].is_null();
  }
  row("PDU outages seen offline on MQTT", fmt::format("{} of {}", seen, outages));
  row("bridge alive at end", b["alive_at_end"]);
  row("bridge SIGTERM exit status",
      fmt::format("{} after {:.2f} s", b["sigterm_exit_status"].dump(),
                  b["sigterm_exit_s"].get<double>()));
  const auto& log = r["bridge_log"];
  row("bridge log lines by level", log["lines_by_level"].dump());
  for (const auto& line : log["notable"]) {
    std::cout << "      " << line.get<std::string>() << "\n";
  }
  for (const auto& failure : r["failures"]) {
    std::cout << "  FAILURE: " << failure.get<std::string>() << "\n";
  }
}

}  // namespace

int run_soak(const options& o) {
  try {
    soak_run run(o);
    return run.run();
  } catch (const std::exception& e) {
    std::cerr << "pdu2mqtt_soak: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pdu2mqtt::soak
