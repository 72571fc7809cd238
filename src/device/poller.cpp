// The per-PDU loop: commands first (in arrival order), then a poll, then wait for the next
// interval or a wake-up. Requests to one PDU never overlap: real units take one at a time.
#include "pdu2mqtt/device/poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "pdu2mqtt/device/capability_probe.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"

namespace pdu2mqtt::device {

using clock = std::chrono::steady_clock;

std::string describe(const command_request& r) {
  if (const auto* rename = std::get_if<outlet_rename>(&r.command)) {
    return "outlet " + std::to_string(rename->outlet) + " " + std::string(rename_name);
  }
  std::string out;
  const auto plan = switching(r.command);
  for (const auto& step : plan.steps) {
    if (!out.empty()) out += ", ";
    out += "outlet " + std::to_string(step.outlet) + " " + std::string(action_name(step.action));
  }
  return out;
}

namespace {

// Why a step the PDU was sent did not succeed, in the words of its result; nullopt when it did.
// sr holds what the PDU reported last for the outlet.
std::optional<std::string> step_error(const switch_outcome& o, const step_report& sr) {
  const auto after = std::to_string(o.latency.count()) + " ms";
  switch (judge(o, *sr.action)) {
    case switch_verdict::done:
    case switch_verdict::scheduled:
      return std::nullopt;
    case switch_verdict::answer_lost:
      return "no answer to the SET (" + o.lost_answer->to_string() +
             "): it may or may not have been applied; the PDU now reports " +
             (o.read_any ? std::string(to_string(sr.state)) : std::string("nothing"));
    case switch_verdict::no_read_back:
      return "the PDU accepted the command but answered no read-back within " + after +
             ": its state is unknown";
    case switch_verdict::not_scheduled:
      return "the PDU accepted the command but shows nothing pending after " + after +
             "; it reports " + std::string(to_string(sr.state));
    case switch_verdict::still_pending:
      return "the PDU still shows a command pending after " + after;
    case switch_verdict::not_reached:
      break;
  }
  return "the PDU accepted the command but still reports " + std::string(to_string(sr.state)) +
         " after " + after;
}

}  // namespace

std::shared_ptr<poller> poller::create(asio::any_io_executor executor,
                                       std::shared_ptr<snmp::client> snmp, poller_settings settings,
                                       poller_callbacks callbacks) {
  return std::shared_ptr<poller>(
      new poller(executor, std::move(snmp), std::move(settings), std::move(callbacks)));
}

poller::poller(asio::any_io_executor executor, std::shared_ptr<snmp::client> snmp,
               poller_settings settings, poller_callbacks callbacks)
    : executor_(executor),
      snmp_(std::move(snmp)),
      settings_(std::move(settings)),
      callbacks_(std::move(callbacks)),
      wakeup_(executor),
      effective_max_varbinds_(settings_.read.max_varbinds) {}

void poller::start() {
  auto self = shared_from_this();
  asio::co_spawn(
      executor_, [self] { return self->run(); },
      [id = settings_.id](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::critical("[{}] poller stopped by an unexpected error: {}", id, ex.what());
        }
      });
}

void poller::stop() {
  stopped_ = true;
  wakeup_.cancel();
}

void poller::refresh() {
  refresh_requested_ = true;
  wakeup_.cancel();
}

std::optional<std::string> poller::refusal(const command_request& r) const {
  if (settings_.read_only) return "this PDU is read-only (read_only: true): no command is sent";
  if (!current_) return "the PDU has not been read yet";
  if (!online_) return "the PDU is offline: the command was not sent";
  if (const auto* rename = std::get_if<outlet_rename>(&r.command)) {
    if (auto why = rename_refusal(*rename)) return why;
  } else {
    const auto plan = switching(r.command);
    if (plan.steps.empty()) return "no outlet named";
    // All or nothing: one refused outlet refuses the whole command, so a whole-PDU set never
    // half-happens.
    for (const auto& step : plan.steps) {
      if (auto why = step_refusal(step, plan.confirmed)) return why;
    }
  }
  if (queue_.size() >= settings_.max_queued_commands) {
    return "too many commands waiting for this PDU (" +
           std::to_string(settings_.max_queued_commands) + "): refused";
  }
  return std::nullopt;
}

std::optional<std::string> poller::rename_refusal(const outlet_rename& rename) const {
  const int outlets = current_->size.outlets;
  if (rename.outlet < 1 || rename.outlet > outlets) {
    return "no outlet " + std::to_string(rename.outlet) + ": this PDU has " +
           std::to_string(outlets) + " outlets";
  }
  if (current_->caps.outlet_names != outlet_name_column::config) {
    return "this PDU has no " + std::string(outlet_name_column_name(outlet_name_column::config)) +
           " (its outlet names are read-only): renaming is not supported";
  }
  return std::nullopt;
}

std::optional<std::string> poller::step_refusal(const outlet_step& step, bool confirmed) const {
  const int outlets = current_->size.outlets;
  const std::string outlet = "outlet " + std::to_string(step.outlet);
  if (step.outlet < 1 || step.outlet > outlets) {
    return "no " + outlet + ": this PDU has " + std::to_string(outlets) + " outlets";
  }
  if (cuts_power(step.action) && std::ranges::count(settings_.protected_outlets, step.outlet) > 0) {
    return outlet + " is protected (protected_outlets): OFF, DELAYOFF and REBOOT are refused";
  }
  if ((is_delayed(step.action) || step.action == outlet_action::cancel) &&
      !current_->caps.delayed_commands) {
    return "this PDU reports no outlet delays: " + std::string(action_name(step.action)) +
           " is not supported";
  }
  if (step.action == outlet_action::reboot && settings_.confirm_reboot && !confirmed) {
    return R"(this PDU has confirm_reboot: send {"state": "REBOOT", "confirm": true} to reboot )" +
           outlet;
  }
  if (cuts_power(step.action) && settings_.min_power_cycle_interval.count() > 0) {
    if (const auto last = last_power_cut_.find(step.outlet); last != last_power_cut_.end()) {
      const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - last->second);
      if (since < settings_.min_power_cycle_interval) {
        const auto wait = settings_.min_power_cycle_interval - since;
        return outlet + " lost power " + std::to_string(since.count() / 1000) +
               " s ago; min_power_cycle_interval_s is " +
               std::to_string(settings_.min_power_cycle_interval.count() / 1000) +
               ": OFF and REBOOT refused for another " +
               std::to_string((wait.count() + 999) / 1000) + " s";
      }
    }
  }
  return std::nullopt;
}

void poller::submit(command_request request) {
  if (auto why = refusal(request)) {
    report(std::move(request), std::move(*why));
    return;
  }
  queue_.push_back(std::move(request));
  wakeup_.cancel();
}

void poller::report(command_request request, std::string error_text) {
  command_report r;
  if (const auto* rename = std::get_if<outlet_rename>(&request.command)) {
    r.steps.push_back(blank_report(rename->outlet, std::nullopt));
  }
  const auto plan = switching(request.command);
  for (const auto& step : plan.steps) {
    r.steps.push_back(blank_report(step.outlet, step.action));
  }
  for (auto& sr : r.steps)
    sr.error = error_text;
  r.request = std::move(request);
  r.error = std::move(error_text);
  if (callbacks_.command_done) callbacks_.command_done(r);
}

step_report poller::blank_report(int outlet, std::optional<outlet_action> action) const {
  step_report sr{.outlet = outlet, .action = action};
  if (current_ && outlet >= 1 && outlet <= current_->size.outlets) {
    const auto& o = current_->outlets[static_cast<std::size_t>(outlet - 1)];
    sr.state = o.state;
    sr.pending = o.command_pending;
  }
  return sr;
}

awaitable<void> poller::run() {
  // Polls are due at a fixed rate (due, due + interval, ...), not an interval after the last
  // one ended, so a PDU polled every second is read 60 times a minute however long each read
  // takes. A poll that ends after the next one was due has missed its interval: it is counted,
  // and the schedule restarts from now rather than firing a burst to catch up.
  if (settings_.start_delay.count() > 0) {
    wakeup_.expires_after(settings_.start_delay);
    co_await wakeup_.async_wait(as_tuple_awaitable);
  }
  auto due = clock::now();
  while (!stopped_) {
    const auto cycle_start = clock::now();
    while (!queue_.empty() && !stopped_) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      co_await execute(std::move(next));
    }
    if (stopped_) break;
    // Early: asked for by a command or the `get` topic, not by the schedule.
    const bool early = cycle_start < due;
    refresh_requested_ = false;
    bool polled = false;
    // A recheck the PDU left unanswered is this cycle's failed read: polling it as well would
    // make the cycle cost two timeouts and break the offline bound.
    bool answered = true;
    if (discovered_ && settings_.capability_recheck.count() > 0 &&
        cycle_start - probed_at_ >= settings_.capability_recheck) {
      answered = co_await recheck_capabilities();
    }
    if (answered && discovered_) {
      polled = co_await poll();
    } else if (answered) {
      co_await discover();
    }
    const auto finished = clock::now();
    if (polled && !early && finished > due + settings_.poll_interval) ++polls_missed_;
    due = early ? cycle_start + settings_.poll_interval : due + settings_.poll_interval;
    if (due < finished) due = finished;
    if (stopped_ || !queue_.empty() || refresh_requested_) continue;
    wakeup_.expires_at(due);
    co_await wakeup_.async_wait(as_tuple_awaitable);
  }
}

// CyberPower agents silently drop requests with too many varbinds, so a PDU that answered a
// moment ago and now says nothing may want smaller requests, or may be gone (unplugged,
// restarting). One request of one varbind tells the two apart. A gone PDU must not pay more for
// that than any other failed read (timeout x attempts): the offline bound in the README is
// offline_after_failures such reads. So the check takes the place of the read's last attempt;
// with retries 0 there is none to spare, and it becomes the next read's first. Only a PDU that
// answers it gets smaller sizes tried, one attempt each: it is there, so a lost datagram costs
// one timeout, not a retry ladder per size.
awaitable<result<std::vector<snmp::varbind>>> poller::read(const std::vector<snmp::oid>& oids,
                                                           const snmp::prepared_get* prepared) {
  using out_t = result<std::vector<snmp::varbind>>;
  if (oids.empty()) co_return out_t(snmp::errc::invalid_request, "no OIDs");
  if (!unchecked_.empty()) {
    if (!co_await answers(unchecked_, 1)) {
      answered_recently_ = false;
      co_return out_t(snmp::errc::timeout, "the PDU left a request of " +
                                               std::to_string(unchecked_.size()) +
                                               " varbinds unanswered, and now one of one varbind");
    }
    // (A named list, not a temporary, across the suspension: see discover().)
    const auto unanswered = std::exchange(unchecked_, {});
    const auto previous = effective_max_varbinds_;
    effective_max_varbinds_ = co_await largest_answered(unanswered);
    if (effective_max_varbinds_ != previous) log_smaller(previous);
  }
  snmp::target t = settings_.read;
  t.max_varbinds = effective_max_varbinds_;
  const auto size = std::min(effective_max_varbinds_, oids.size());
  const bool may_shrink = answered_recently_ && size > 1;
  if (may_shrink && t.retries > 0) --t.retries;  // the last attempt is the check's
  // (Two statements, not one conditional expression with two co_awaits: g++ 12 miscompiles
  // that into a valueless variant.)
  out_t got = std::vector<snmp::varbind>{};
  if (prepared) {
    got = co_await snmp_->async_get(t, *prepared);
  } else {
    got = co_await snmp_->async_get(t, oids);
  }
  if (!got && got.code() == snmp::errc::timeout && may_shrink) {
    const std::vector<snmp::oid> request(oids.begin(),
                                         oids.begin() + static_cast<std::ptrdiff_t>(size));
    if (settings_.read.retries == 0) {
      unchecked_ = request;
    } else if (!co_await answers(request, 1)) {
      got = out_t(snmp::errc::timeout,
                  got.err().detail + ", nor to a request of one varbind after them");
    } else {
      // The smaller size is kept only if the whole read succeeds with it: a PDU that answers
      // one varbind and then nothing is failing, and shrinking for good would slow every poll.
      const auto previous = effective_max_varbinds_;
      effective_max_varbinds_ = co_await largest_answered(request);
      t.max_varbinds = effective_max_varbinds_;
      t.retries = settings_.read.retries;
      if (prepared) {
        got = co_await snmp_->async_get(t, *prepared);
      } else {
        got = co_await snmp_->async_get(t, oids);
      }
      if (!got) {
        effective_max_varbinds_ = previous;
      } else if (effective_max_varbinds_ != previous) {
        log_smaller(previous);
      }
    }
  }
  if (got) {
    answered_recently_ = true;
  } else if (got.code() == snmp::errc::timeout) {
    answered_recently_ = false;
  }
  co_return got;
}

awaitable<bool> poller::answers(const std::vector<snmp::oid>& request, std::size_t count) {
  snmp::target t = settings_.read;
  t.retries = 0;
  t.max_varbinds = count;
  std::vector<snmp::oid> sample(request.begin(),
                                request.begin() + static_cast<std::ptrdiff_t>(count));
  auto got = co_await snmp_->async_get(t, std::move(sample));
  co_return got || got.code() != snmp::errc::timeout;  // an error-status is an answer too
}

awaitable<std::size_t> poller::largest_answered(const std::vector<snmp::oid>& request) {
  // The full size once more first: it gets back the attempt the check took, so a datagram
  // lost on the way does not shrink requests for good.
  for (std::size_t size = request.size(); size > 1; size /= 2) {
    if (co_await answers(request, size)) co_return size;
  }
  co_return 1;
}

void poller::log_smaller(std::size_t previous) const {
  spdlog::warn(
      "[{}] no answer to requests of {} varbinds, answers to {}: using at most {} from now on",
      settings_.id, previous, effective_max_varbinds_, effective_max_varbinds_);
}

awaitable<bool> poller::discover() {
  // The two counts first: a tiny request any agent answers, proving the PDU is there before
  // larger requests (which may need splitting) are tried.
  auto counted = co_await async_read_counts(reader());
  if (!counted) {
    poll_failed(counted.err());
    co_return false;
  }
  // Then what async_read_snapshot reads, through read() like every request to the PDU. Its
  // capability detection decides what else the unit measures, and which column names its
  // outlets, polled from then on; rechecks are due counting from here.
  probed_at_ = clock::now();
  auto got = co_await async_read_snapshot(reader());
  if (!got) {
    poll_failed(got.err());
    co_return false;
  }
  snapshot next = std::move(*got);
  spdlog::info(
      "[{}] discovered {} {} (serial {}, firmware {}): {} outlets, {} banks, {} phases, {} "
      "metrics{}{}{}",
      settings_.id, next.id.model, next.id.name, next.id.serial, next.id.firmware,
      next.size.outlets, next.size.banks, next.caps.phases, next.caps.metrics.size(),
      next.caps.outlet_metering ? ", metered outlets" : "", next.caps.ats ? ", ATS" : "",
      next.caps.environment ? ", environment sensor" : "");
  if (next.size.outlets > 0 && next.caps.outlet_names != outlet_name_column::config) {
    spdlog::info("[{}] the PDU has no {}: outlet names from {}", settings_.id,
                 outlet_name_column_name(outlet_name_column::config),
                 outlet_name_column_name(next.caps.outlet_names));
  }
  const auto before = current_;
  current_ = next;
  discovered_ = true;
  prepare_poll(poll_request(next.size, next.caps));
  consecutive_failures_ = 0;
  ++polls_ok_;
  if (callbacks_.discovered) callbacks_.discovered(*current_, before);
  for (const auto& o : current_->outlets) {
    if (o.state != power_state::unknown && callbacks_.outlet_changed) callbacks_.outlet_changed(o);
  }
  for (const auto& b : current_->banks) {
    if (callbacks_.bank_changed) callbacks_.bank_changed(b);
  }
  if (callbacks_.state_changed) callbacks_.state_changed(*current_);
  if (!online_) {
    online_ = true;
    if (callbacks_.availability) callbacks_.availability(true);
  }
  co_return true;
}

awaitable<bool> poller::poll() {
  const auto size = current_->size;
  if (poll_prepared_->max_varbinds() != effective_max_varbinds_) {
    prepare_poll(poll_prepared_->oids());
  }
  auto got = co_await read(poll_prepared_->oids(), &*poll_prepared_);
  if (!got) {
    poll_failed(got.err());
    co_return false;
  }
  const auto& vbs = *got;
  // Clamped like discovery's counts, so an out-of-range count does not look like a change.
  const counts now_size = parse_counts(vbs);
  const auto* uptime = std::get_if<snmp::time_ticks>(&vbs[2].value);
  const bool rebooted =
      uptime && current_->id.uptime_ticks && uptime->value < *current_->id.uptime_ticks;
  if (now_size != size || rebooted) {
    spdlog::info("[{}] the PDU {}; reading it again", settings_.id,
                 rebooted ? "restarted" : "changed its outlet or bank count");
    discovered_ = false;
    // A request size learnt while it was restarting (its silence looked like dropped large
    // requests) says nothing about the PDU now up: start again from the configured one.
    if (rebooted) effective_max_varbinds_ = settings_.read.max_varbinds;
    co_return co_await discover();
  }
  snapshot next = *current_;
  if (uptime) next.id.uptime_ticks = uptime->value;
  parse_status(size, std::span(vbs).subspan(poll_header), next.outlets, next.banks);
  parse_metrics(next.caps, std::span(vbs).subspan(poll_header + status_varbinds(size)),
                next.outlets, next.metrics);
  consecutive_failures_ = 0;
  ++polls_ok_;
  if (!online_) {
    online_ = true;
    if (callbacks_.availability) callbacks_.availability(true);
  }
  apply_status(std::move(next));
  co_return true;
}

// The prepared request keeps the only copy of the poll's OIDs: with a thousand PDUs a second
// copy was 12 MB.
void poller::prepare_poll(std::vector<snmp::oid> oids) {
  snmp::target t = settings_.read;
  t.max_varbinds = effective_max_varbinds_;
  poll_prepared_ = snmp::client::prepare_get(t, std::move(oids));
}

varbind_reader poller::reader() {
  return [this](const std::vector<snmp::oid>& oids) { return read(oids); };
}

awaitable<bool> poller::recheck_capabilities() {
  probed_at_ = clock::now();
  auto probed = co_await async_probe_capabilities(reader(), current_->size);
  if (!probed && probed.code() == snmp::errc::timeout) {
    poll_failed(probed.err());
    co_return false;
  }
  // Any other failure is left to the poll that follows.
  if (!probed || !current_ || !discovered_) co_return true;
  if (probed->caps == current_->caps) co_return true;
  spdlog::info("[{}] the PDU's readings changed: {} now (were {}); announcing them again",
               settings_.id, probed->caps.metrics.size(), current_->caps.metrics.size());
  const snapshot before = *current_;
  current_->caps = std::move(probed->caps);
  current_->metrics = std::move(probed->values);
  floor_idle_outlets(current_->caps, current_->outlets, current_->metrics);
  prepare_poll(poll_request(current_->size, current_->caps));
  if (callbacks_.discovered) callbacks_.discovered(*current_, before);
  if (callbacks_.state_changed) callbacks_.state_changed(*current_);
  co_return true;
}

void poller::apply_status(snapshot next) {
  // Moved, not copied: current_ is replaced by next below, before anyone reads it again.
  const snapshot before = std::move(*current_);
  bool changed = false;
  bool names_changed = false;
  for (std::size_t i = 0; i < next.outlets.size(); ++i) {
    const auto& was = before.outlets[i];
    auto& is = next.outlets[i];
    if (is.state == power_state::unknown) is.state = was.state;  // keep only what was reported
    if (is.name != was.name || is.bank != was.bank) names_changed = true;
    if (is.state != was.state || is.command_pending != was.command_pending) changed = true;
  }
  for (std::size_t i = 0; i < next.banks.size(); ++i) {
    if (next.banks[i] != before.banks[i]) changed = true;
  }
  if (next.metrics != before.metrics) changed = true;
  current_ = std::move(next);
  if (names_changed) {
    changed = true;
    if (callbacks_.discovered) callbacks_.discovered(*current_, before);
  }
  for (std::size_t i = 0; i < current_->outlets.size(); ++i) {
    const auto& o = current_->outlets[i];
    if (o.state != before.outlets[i].state && callbacks_.outlet_changed)
      callbacks_.outlet_changed(o);
  }
  for (std::size_t i = 0; i < current_->banks.size(); ++i) {
    if (current_->banks[i] != before.banks[i] && callbacks_.bank_changed) {
      callbacks_.bank_changed(current_->banks[i]);
    }
  }
  if (changed && callbacks_.state_changed) callbacks_.state_changed(*current_);
}

void poller::poll_failed(const error& e) {
  ++polls_failed_;
  ++consecutive_failures_;
  if (consecutive_failures_ == 1) {
    spdlog::warn("[{}] reading the PDU failed: {}", settings_.id, e.to_string());
  } else {
    spdlog::debug("[{}] reading the PDU failed ({} in a row): {}", settings_.id,
                  consecutive_failures_, e.to_string());
  }
  if (consecutive_failures_ >= settings_.offline_after_failures) {
    // Whatever comes back is discovered afresh: it may be another unit at the same address.
    discovered_ = false;
    effective_max_varbinds_ = settings_.read.max_varbinds;
    if (online_) {
      online_ = false;
      spdlog::warn("[{}] PDU offline after {} failed reads", settings_.id, consecutive_failures_);
      if (callbacks_.availability) callbacks_.availability(false);
    }
  }
}

awaitable<void> poller::execute(command_request request) {
  if (auto why = refusal(request)) {  // the PDU may have changed since the command was queued
    report(std::move(request), std::move(*why));
    co_return;
  }
  if (std::holds_alternative<outlet_rename>(request.command)) {
    co_await execute_rename(std::move(request));
    co_return;
  }
  const auto received = clock::now();
  const pdu_command plan = switching(request.command);
  const auto& steps = plan.steps;
  command_report r;
  r.request = request;
  r.sent = true;
  ++sets_sent_;
  for (const auto& step : steps) {
    if (cuts_power(step.action)) last_power_cut_[step.outlet] = std::chrono::steady_clock::now();
  }
  spdlog::info("[{}] {} ({})", settings_.id, describe(request), request.topic);

  snmp::target write = settings_.read;
  write.community = settings_.write_community;
  // Every read-back that shows a new state is published at once: MQTT follows the PDU
  // within one confirm_every of its change.
  auto observe = [this](int number, power_state state, bool pending) {
    auto& outlet = current_->outlets[static_cast<std::size_t>(number - 1)];
    if (state == power_state::unknown) return;
    if (state == outlet.state && pending == outlet.command_pending) return;
    const bool state_moved = state != outlet.state;
    outlet.state = state;
    outlet.command_pending = pending;
    if (state_moved && callbacks_.outlet_changed) callbacks_.outlet_changed(outlet);
    if (callbacks_.state_changed) callbacks_.state_changed(*current_);
  };
  // As few SETs as the PDU takes: it drops requests with more varbinds than it allows, so a
  // whole-PDU command larger than that goes out in parts (each atomic on the PDU).
  const std::size_t per_set = std::max<std::size_t>(1, effective_max_varbinds_);
  for (std::size_t first = 0; first < steps.size(); first += per_set) {
    std::vector<outlet_switch> part;
    for (std::size_t i = first; i < std::min(steps.size(), first + per_set); ++i) {
      part.push_back({steps[i].outlet, steps[i].action});
    }
    const auto count = part.size();
    auto outcomes =
        co_await async_switch_outlets(*snmp_, settings_.read, write, std::move(part),
                                      settings_.command_timeout, settings_.confirm_every, observe);
    for (std::size_t k = 0; k < count; ++k) {
      const auto& step = steps[first + k];
      auto sr = blank_report(step.outlet, step.action);
      if (!outcomes) {
        sr.error = "the PDU refused the command: " + outcomes.err().to_string();
      } else {
        const auto& o = (*outcomes)[k];
        sr.ok = succeeded(judge(o, step.action));
        sr.error = step_error(o, sr);
      }
      r.steps.push_back(std::move(sr));
    }
    if (outcomes && !outcomes->empty() && outcomes->front().lost_answer &&
        std::none_of(outcomes->begin(), outcomes->end(),
                     [](const switch_outcome& o) { return o.read_any; })) {
      // Neither the SET nor any read-back was answered: as far as availability goes, this was
      // a failed poll. Without this, a stream of commands to a dead PDU kept it "online".
      poll_failed(*outcomes->front().lost_answer);
    }
    // A part the PDU refused, or whose fate is unknown, ends the command: the parts after it
    // are not sent, so a whole-PDU command never carries on past a failure.
    const bool part_failed = !outcomes || (!outcomes->empty() && outcomes->front().lost_answer);
    if (part_failed && first + per_set < steps.size()) {
      for (std::size_t i = first + per_set; i < steps.size(); ++i) {
        auto sr = blank_report(steps[i].outlet, steps[i].action);
        sr.error = "not sent: an earlier part of this command failed";
        r.steps.push_back(std::move(sr));
      }
      break;
    }
  }
  r.latency = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - received);
  r.ok = std::all_of(r.steps.begin(), r.steps.end(), [](const step_report& s) { return s.ok; });
  for (const auto& s : r.steps) {
    if (s.error) {
      r.error =
          r.steps.size() == 1 ? *s.error : "outlet " + std::to_string(s.outlet) + ": " + *s.error;
      break;
    }
  }
  if (callbacks_.command_done) callbacks_.command_done(r);
}

awaitable<void> poller::execute_rename(command_request request) {
  const auto received = clock::now();
  const auto rename = std::get<outlet_rename>(request.command);
  const int number = rename.outlet;
  command_report r;
  r.request = request;
  r.sent = true;
  ++sets_sent_;
  spdlog::info("[{}] outlet {} renamed to \"{}\" ({})", settings_.id, number, rename.name,
               request.topic);
  snmp::target write = settings_.read;
  write.community = settings_.write_community;
  auto got = co_await async_rename_outlet(*snmp_, settings_.read, write, number, rename.name);
  step_report sr{.outlet = number};
  if (!got) {
    sr.error = "the PDU refused the name: " + got.err().to_string();
  } else {
    r.name = *got;
    sr.ok = *got == rename.name;
    if (!sr.ok) sr.error = "the PDU stored the name as \"" + *got + "\"";
    auto& outlet = current_->outlets[static_cast<std::size_t>(number - 1)];
    if (outlet.name != *got) {
      const snapshot before = *current_;
      outlet.name = *got;
      // A new name is a new entity name in Home Assistant: announced again at once.
      if (callbacks_.discovered) callbacks_.discovered(*current_, before);
      if (callbacks_.state_changed) callbacks_.state_changed(*current_);
    }
  }
  sr.state = current_->outlets[static_cast<std::size_t>(number - 1)].state;
  r.ok = sr.ok;
  r.error = sr.error;
  r.steps.push_back(std::move(sr));
  r.latency = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - received);
  if (callbacks_.command_done) callbacks_.command_done(r);
}

}  // namespace pdu2mqtt::device
