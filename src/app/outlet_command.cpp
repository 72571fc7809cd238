// `pdu2mqtt outlet HOST N on|off|reboot|delayon|delayoff|cancel`: one SET, then read back until
// the PDU confirms (a delayed command: until the PDU shows it pending).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/common/ascii.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "run_io.hpp"
#include "snmp_cli_options.hpp"

namespace pdu2mqtt::app {

namespace {

struct outlet_options {
  snmp_cli_options snmp;
  std::string read_community = "public";
  int outlet = 0;
  std::string action;
  int confirm_timeout_ms = 0;  // 0: 5 s for on/off, 20 s for reboot
};

// Why a SET failed, in words that point at the likely fix.
std::string explain(const error& e) {
  using snmp::errc;
  if (e.code == errc::timeout) {
    return e.to_string() +
           "\n  (a PDU silently drops requests with a wrong community: check --community is the "
           "write community)";
  }
  if (e.code == errc::no_access || e.code == errc::authorization_error ||
      e.code == errc::not_writable || e.code == errc::read_only || e.code == errc::no_such_name) {
    return e.to_string() + "\n  (the PDU refused the write: is --community the write community?)";
  }
  return e.to_string();
}

awaitable<int> switch_outlet(snmp::client& client, snmp::target read, snmp::target write,
                             outlet_options options) {
  auto size = co_await device::async_read_counts(client, read);
  if (!size) {
    std::cerr << "pdu2mqtt outlet: " << options.snmp.host << ": " << explain(size.err()) << "\n";
    co_return 1;
  }
  if (options.outlet > size->outlets) {
    std::cerr << "pdu2mqtt outlet: no such outlet " << options.outlet << ": the PDU has "
              << size->outlets << " controllable outlets\n";
    co_return 2;
  }
  // The words are the MQTT payload's; CLI11 has checked it is one of them, and anything else
  // must not become some default action.
  const auto parsed = device::parse_outlet_command(options.action);
  if (!parsed) {
    std::cerr << "pdu2mqtt outlet: " << parsed.err().detail << "\n";
    co_return 2;
  }
  const auto action = *parsed;
  const auto deadline = std::chrono::milliseconds(
      options.confirm_timeout_ms > 0 ? options.confirm_timeout_ms
                                     : (action == device::outlet_action::reboot ? 20000 : 5000));
  auto outcome =
      co_await device::async_switch_outlet(client, read, write, options.outlet, action, deadline);
  if (!outcome) {
    std::cerr << "pdu2mqtt outlet: " << options.snmp.host << ": " << explain(outcome.err()) << "\n";
    co_return 1;
  }
  switch (device::judge(*outcome, action)) {
    case device::switch_verdict::answer_lost:
      std::cerr << "pdu2mqtt outlet: " << options.snmp.host << ": "
                << explain(*outcome->lost_answer)
                << "\n  the SET may or may not have been applied; outlet " << options.outlet
                << " now reports "
                << (outcome->read_any ? device::to_string(outcome->confirmed) : "nothing") << "\n";
      co_return 1;
    case device::switch_verdict::scheduled:
      std::cout << "outlet " << options.outlet << " is " << device::to_string(outcome->confirmed)
                << "; " << options.action << " is pending on the PDU (it acts after the outlet's "
                << "delay)" << std::endl;
      co_return 0;
    case device::switch_verdict::done:
      std::cout << "outlet " << options.outlet << " is " << device::to_string(outcome->confirmed);
      if (action == device::outlet_action::cancel) {
        std::cout << "; nothing pending" << std::endl;
      } else {
        std::cout << " (confirmed in " << outcome->latency.count() << " ms)" << std::endl;
      }
      co_return 0;
    case device::switch_verdict::no_read_back:
    case device::switch_verdict::not_scheduled:
    case device::switch_verdict::still_pending:
    case device::switch_verdict::not_reached:
      break;
  }
  std::cerr << "pdu2mqtt outlet: outlet " << options.outlet << " still reports "
            << device::to_string(outcome->confirmed) << " after " << outcome->latency.count()
            << " ms; the command was accepted but not confirmed\n";
  co_return 3;
}

}  // namespace

void add_outlet_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("outlet", "Switch one outlet and wait until the PDU confirms");
  auto options = std::make_shared<outlet_options>();
  options->snmp.add_to(*cmd, "private");
  cmd->add_option("outlet", options->outlet, "outlet number, from 1")
      ->required()
      ->check(CLI::Range(1, 96));
  std::vector<std::string> words;
  for (const auto& known : device::outlet_action_words)
    words.push_back(ascii_lower(known.word));
  std::string listed;
  for (std::size_t i = 0; i < words.size(); ++i) {
    listed += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  }
  cmd->add_option("action", options->action, listed)
      ->required()
      ->transform(CLI::IsMember(words, CLI::ignore_case));
  cmd->add_option("--read-community", options->read_community,
                  "community for reading the state back")
      ->capture_default_str();
  cmd->add_option("--confirm-timeout-ms", options->confirm_timeout_ms,
                  "how long to wait for the PDU to report the new state (default 5000, reboot "
                  "20000)");
  cmd->callback([options] {
    auto write = make_target(options->snmp);
    if (!write) {
      std::cerr << "pdu2mqtt outlet: " << write.err().detail << "\n";
      throw CLI::RuntimeError(2);
    }
    snmp::target read = *write;
    read.community = options->read_community;
    asio::io_context io;
    auto client = snmp::client::create(io.get_executor(),
                                       asio::ip::udp::endpoint(write->endpoint.protocol(), 0));
    const int code = run_to_completion(io, switch_outlet(*client, read, *write, *options));
    client->close();
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace pdu2mqtt::app
