// Snapshot reads and confirmed outlet switching on top of the SNMP client.
#include "pdu2mqtt/device/reader.hpp"

#include <algorithm>

#include "pdu2mqtt/device/capability_probe.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"

namespace pdu2mqtt::device {

namespace cp = cyberpower;
using clock = std::chrono::steady_clock;

varbind_reader client_reader(snmp::client& snmp, snmp::target t) {
  return [&snmp, t = std::move(t)](const std::vector<snmp::oid>& oids) {
    return snmp.async_get(t, oids);
  };
}

// (Named lists, not temporaries, as the arguments of co_awaited reads: g++ 12 has had bugs with
// temporaries' lifetime across a suspension.)
awaitable<result<snapshot>> async_read_snapshot(varbind_reader read) {
  const auto identity_oids = identity_request();
  auto ident = co_await read(identity_oids);
  if (!ident) co_return ident.err();
  auto parsed = parse_identity(*ident);
  snapshot out{.id = std::move(parsed.id), .size = parsed.size};
  // Capabilities before the outlets: they say which column holds the outlet names.
  auto probed = co_await async_probe_capabilities(read, out.size);
  if (!probed) co_return probed.err();
  out.caps = std::move(probed->caps);
  out.metrics = std::move(probed->values);
  if (out.size.outlets + out.size.banks > 0) {
    const auto status_oids = status_request(out.size, out.caps.outlet_names);
    auto status = co_await read(status_oids);
    if (!status) co_return status.err();
    parse_status(out.size, *status, out.outlets, out.banks);
  }
  floor_idle_outlets(out.caps, out.outlets, out.metrics);
  co_return out;
}

awaitable<result<snapshot>> async_read_snapshot(snmp::client& snmp, const snmp::target& t) {
  co_return co_await async_read_snapshot(client_reader(snmp, t));
}

awaitable<result<probe_result>> async_probe_capabilities(varbind_reader read, counts size) {
  const auto sizes_oids = probe_sizes_request();
  auto sizes = co_await read(sizes_oids);
  if (!sizes) co_return sizes.err();
  const auto plan = plan_probe(parse_probe_sizes(*sizes), size);
  auto cells = co_await read(plan.request);
  if (!cells) co_return cells.err();
  co_return parse_probe(plan, *cells);
}

awaitable<result<probe_result>> async_probe_capabilities(snmp::client& snmp, const snmp::target& t,
                                                         const counts& size) {
  co_return co_await async_probe_capabilities(client_reader(snmp, t), size);
}

awaitable<result<counts>> async_read_counts(varbind_reader read) {
  const auto counts_oids = counts_request();
  auto got = co_await read(counts_oids);
  if (!got) co_return got.err();
  co_return parse_counts(*got);
}

awaitable<result<counts>> async_read_counts(snmp::client& snmp, const snmp::target& t) {
  co_return co_await async_read_counts(client_reader(snmp, t));
}

power_state expected_state(outlet_action action) noexcept {
  switch (action) {
    case outlet_action::off:
    case outlet_action::delayed_off:
      return power_state::off;
    case outlet_action::on:
    case outlet_action::delayed_on:
    case outlet_action::reboot:
      return power_state::on;
    case outlet_action::cancel:
      break;
  }
  return power_state::unknown;
}

switch_verdict judge(const switch_outcome& o, outlet_action action) noexcept {
  if (o.lost_answer) return switch_verdict::answer_lost;
  if (o.confirmed_expected) return switch_verdict::done;
  if (o.scheduled) return switch_verdict::scheduled;
  if (!o.read_any) return switch_verdict::no_read_back;
  if (is_delayed(action)) return switch_verdict::not_scheduled;
  if (action == outlet_action::cancel) return switch_verdict::still_pending;
  return switch_verdict::not_reached;
}

namespace {

// ON, OFF and CANCEL: sending one twice does no harm.
bool may_repeat(outlet_action a) {
  return a == outlet_action::on || a == outlet_action::off || a == outlet_action::cancel;
}

}  // namespace

awaitable<result<std::vector<switch_outcome>>> async_switch_outlets(
    snmp::client& snmp, const snmp::target& read, const snmp::target& write,
    std::vector<outlet_switch> switches, std::chrono::milliseconds deadline,
    std::chrono::milliseconds poll_every, outlet_observer observe) {
  std::vector<snmp::oid> watch;
  std::vector<snmp::varbind> set_varbinds;
  bool repeatable = true;
  for (const auto& s : switches) {
    const auto row = static_cast<std::uint32_t>(s.outlet);
    watch.push_back(cp::outlet::state.child(row));
    watch.push_back(cp::outlet::command_pending.child(row));
    set_varbinds.push_back(outlet_command_varbind(s.outlet, s.action));
    repeatable = repeatable && may_repeat(s.action);
  }
  snmp::target once = write;
  if (!repeatable) once.retries = 0;

  const auto started = clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  };
  auto set = co_await snmp.async_set(once, std::move(set_varbinds));
  std::vector<switch_outcome> out(switches.size());
  std::optional<error> lost;
  if (!set) {
    if (set.code() != snmp::errc::timeout) co_return set.err();
    lost = set.err();
  }
  // A reboot is only done once the outlet was seen going off.
  std::vector<bool> left_on(switches.size());
  std::vector<bool> done(switches.size());
  for (std::size_t i = 0; i < switches.size(); ++i)
    left_on[i] = switches[i].action != outlet_action::reboot;

  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    auto got = co_await snmp.async_get(read, watch);
    if (got) {
      for (std::size_t i = 0; i < switches.size(); ++i) {
        if (done[i]) continue;
        auto& o = out[i];
        const auto action = switches[i].action;
        o.read_any = true;
        o.pending = snmp::as_integer((*got)[2 * i + 1].value) == 1;
        o.confirmed = parse_power_state((*got)[2 * i].value);
        if (observe) observe(switches[i].outlet, o.confirmed, o.pending);
        if (action == outlet_action::reboot && (o.confirmed == power_state::off || o.pending)) {
          left_on[i] = true;
        }
        const auto want = expected_state(action);
        if (want != power_state::unknown && o.confirmed == want && left_on[i] && !o.pending) {
          o.confirmed_expected = true;
          done[i] = true;
        } else if (is_delayed(action) && o.pending) {
          o.scheduled = true;
          done[i] = true;
        } else if (action == outlet_action::cancel && !o.pending) {
          o.confirmed_expected = true;
          done[i] = true;
        }
      }
    }
    if (lost) break;
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    if (elapsed() + poll_every > deadline) break;
    pause.expires_after(poll_every);
    co_await pause.async_wait(as_tuple_awaitable);
  }
  for (auto& o : out) {
    o.latency = elapsed();
    o.lost_answer = lost;
  }
  co_return out;
}

awaitable<result<switch_outcome>> async_switch_outlet(snmp::client& snmp, const snmp::target& read,
                                                      const snmp::target& write, int outlet,
                                                      outlet_action action,
                                                      std::chrono::milliseconds deadline,
                                                      std::chrono::milliseconds poll_every,
                                                      outlet_observer observe) {
  std::vector<outlet_switch> one{{outlet, action}};
  auto got = co_await async_switch_outlets(snmp, read, write, std::move(one), deadline, poll_every,
                                           std::move(observe));
  if (!got) co_return got.err();
  co_return std::move(got->front());
}

awaitable<result<std::string>> async_rename_outlet(snmp::client& snmp, const snmp::target& read,
                                                   const snmp::target& write, int outlet,
                                                   std::string name) {
  const auto cell = cp::outlet::config_name.child(static_cast<std::uint32_t>(outlet));
  std::vector<snmp::varbind> set{{cell, std::move(name)}};
  auto done = co_await snmp.async_set(write, std::move(set));
  if (!done) co_return done.err();
  std::vector<snmp::oid> back{cell};
  auto got = co_await snmp.async_get(read, std::move(back));
  if (!got) co_return got.err();
  const auto text = snmp::as_octets((*got)[0].value);
  if (!text)
    co_return error{make_error_code(snmp::errc::response_mismatch), "the PDU answered no name"};
  co_return std::string(text->substr(0, text->find('\0')));
}

}  // namespace pdu2mqtt::device
