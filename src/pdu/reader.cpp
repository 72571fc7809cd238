// Snapshot reads and confirmed outlet switching on top of the SNMP client.
#include "pdu2mqtt/pdu/reader.hpp"

#include "pdu2mqtt/pdu/capability_probe.hpp"
#include "pdu2mqtt/pdu/cyberpower_profile.hpp"

namespace pdu2mqtt::device {

namespace cp = cyberpower;
using clock = std::chrono::steady_clock;

awaitable<result<snapshot>> async_read_snapshot(snmp::client& snmp, const snmp::target& t) {
  auto ident = co_await snmp.async_get(t, identity_request());
  if (!ident) co_return ident.err();
  auto parsed = parse_identity(*ident);
  snapshot out{.id = std::move(parsed.id), .size = parsed.size};
  if (out.size.outlets + out.size.banks > 0) {
    auto status = co_await snmp.async_get(t, status_request(out.size));
    if (!status) co_return status.err();
    parse_status(out.size, *status, out.outlets, out.banks);
  }
  auto probed = co_await async_probe_capabilities(snmp, t, out.size);
  if (!probed) co_return probed.err();
  out.caps = std::move(probed->caps);
  out.metrics = std::move(probed->values);
  if (out.caps.outlet_metering) {
    for (const auto& o : out.outlets)
      floor_idle_outlet(o, out.metrics);
  }
  co_return out;
}

awaitable<result<probe_result>> async_probe_capabilities(snmp::client& snmp, const snmp::target& t,
                                                         const counts& size) {
  const auto sizes_oids = probe_sizes_request();
  auto sizes = co_await snmp.async_get(t, sizes_oids);
  if (!sizes) co_return sizes.err();
  const auto plan = plan_probe(parse_probe_sizes(*sizes), size);
  auto cells = co_await snmp.async_get(t, plan.request);
  if (!cells) co_return cells.err();
  co_return parse_probe(plan, *cells);
}

awaitable<result<counts>> async_read_counts(snmp::client& snmp, const snmp::target& t) {
  auto got = co_await snmp.async_get(t, counts_request());
  if (!got) co_return got.err();
  co_return parse_counts(*got);
}

power_state expected_state(cp::outlet_command command) noexcept {
  switch (command) {
    case cp::outlet_command::immediate_off:
    case cp::outlet_command::delayed_off:
      return power_state::off;
    case cp::outlet_command::immediate_on:
    case cp::outlet_command::delayed_on:
    case cp::outlet_command::immediate_reboot:
    case cp::outlet_command::delayed_reboot:
      return power_state::on;
    case cp::outlet_command::cancel_pending:
    case cp::outlet_command::identify:
      break;
  }
  return power_state::unknown;
}

awaitable<result<switch_outcome>> async_switch_outlet(snmp::client& snmp, const snmp::target& read,
                                                      const snmp::target& write, int outlet,
                                                      cp::outlet_command command,
                                                      std::chrono::milliseconds deadline,
                                                      std::chrono::milliseconds poll_every,
                                                      outlet_observer observe) {
  const auto row = static_cast<std::uint32_t>(outlet);
  const std::vector<snmp::oid> watch = {cp::outlet::state.child(row),
                                        cp::outlet::command_pending.child(row)};
  const bool is_reboot = command == cp::outlet_command::immediate_reboot ||
                         command == cp::outlet_command::delayed_reboot;
  const auto want = expected_state(command);

  snmp::target once = write;
  if (command != cp::outlet_command::immediate_on && command != cp::outlet_command::immediate_off) {
    once.retries = 0;
  }
  const auto started = clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  };
  std::vector<snmp::varbind> set_varbinds{outlet_command_varbind(outlet, command)};
  auto set = co_await snmp.async_set(once, std::move(set_varbinds));
  switch_outcome out;
  if (!set) {
    if (set.code() != snmp::errc::timeout) co_return set.err();
    out.lost_answer = set.err();
  }

  bool left_on = !is_reboot;  // a reboot is only done once the outlet was seen going off
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    auto got = co_await snmp.async_get(read, watch);
    if (got) {
      out.read_any = true;
      const bool pending = snmp::as_integer((*got)[1].value) == 1;
      out.confirmed = parse_power_state((*got)[0].value);
      if (observe) observe(out.confirmed, pending);
      if (is_reboot && (out.confirmed == power_state::off || pending)) left_on = true;
      if (out.lost_answer) break;
      if (want != power_state::unknown && out.confirmed == want && left_on && !pending) {
        out.confirmed_expected = true;
        break;
      }
      if (want == power_state::unknown) break;  // cancel/identify: nothing to wait for
    }
    if (elapsed() + poll_every > deadline) break;
    pause.expires_after(poll_every);
    co_await pause.async_wait(as_tuple_awaitable);
  }
  out.latency = elapsed();
  co_return out;
}

}  // namespace pdu2mqtt::device
