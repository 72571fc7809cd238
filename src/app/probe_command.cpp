// `pdu2mqtt probe HOST`: reads identity, outlets, banks and everything capability detection
// finds (the metrics the bridge would publish), prints a table or JSON.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "pdu2mqtt/device/snapshot_json.hpp"
#include "run_io.hpp"
#include "snmp_cli_options.hpp"

namespace pdu2mqtt::app {

namespace {

void print_table(const device::snapshot& s, std::ostream& out) {
  const auto& id = s.id;
  out << "PDU        " << id.name << " (" << id.model << ")\n"
      << "serial     " << id.serial << "\n"
      << "firmware   " << id.firmware << ", hardware " << id.hardware << "\n"
      << "system     " << id.sys_descr << " / " << id.sys_name << "\n";
  if (id.uptime_ticks) out << "uptime     " << *id.uptime_ticks / 100 << " s\n";
  out << "outlets    " << s.size.outlets << ", banks " << s.size.banks << "\n\n";
  out << std::left << std::setw(4) << "#" << std::setw(24) << "outlet" << std::setw(6) << "state"
      << "bank\n";
  for (const auto& o : s.outlets) {
    out << std::setw(4) << o.number << std::setw(24) << o.name << std::setw(6)
        << device::to_string(o.state) << (o.bank ? std::to_string(*o.bank) : "-")
        << (o.command_pending ? "  (command pending)" : "") << "\n";
  }
  if (!s.banks.empty()) {
    out << "\n"
        << std::setw(6) << "bank" << std::setw(12) << "current"
        << "load\n";
    for (const auto& b : s.banks) {
      std::ostringstream amps;
      if (b.current_a) amps << std::fixed << std::setprecision(1) << *b.current_a << " A";
      out << std::setw(6) << b.number << std::setw(12) << (b.current_a ? amps.str() : "-")
          << device::to_string(b.load) << "\n";
    }
  }
  const auto& caps = s.caps;
  out << "\ndetected   " << caps.phases << (caps.phases == 1 ? " phase" : " phases")
      << (caps.outlet_metering ? ", metered outlets" : ", no outlet meters")
      << (caps.ats ? ", ATS (two inputs)" : "") << (caps.environment ? ", environment sensor" : "")
      << (caps.delayed_commands ? ", delayed outlet commands" : "") << "; " << caps.metrics.size()
      << " readings\n";
  if (s.size.outlets > 0 && caps.outlet_names != device::outlet_name_column::config) {
    out << "names      from " << device::outlet_name_column_name(caps.outlet_names) << " (no "
        << device::outlet_name_column_name(device::outlet_name_column::config) << ")\n";
  }
  if (caps.metrics.empty()) return;
  out << "\n"
      << std::setw(34) << "reading (topic below the PDU)"
      << "value\n";
  for (const auto& m : caps.metrics) {
    const auto it = s.metrics.find(m.id);
    std::string value =
        it == s.metrics.end() ? "-" : device::payload_text(m.id.quantity, it->second);
    if (!m.label.empty() && m.id.scope == device::scope::contact) value += "  (" + m.label + ")";
    out << std::setw(34) << device::topic_suffix(m.id) << value << "\n";
  }
}

}  // namespace

void add_probe_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "probe", "Read a PDU's identity, outlets, banks and every reading it has, once");
  auto options = std::make_shared<snmp_cli_options>();
  auto json_output = std::make_shared<bool>(false);
  options->add_to(*cmd, "public");
  cmd->add_flag("--json", *json_output, "print JSON instead of a table");
  cmd->callback([options, json_output] {
    auto t = make_target(*options);
    if (!t) {
      std::cerr << "pdu2mqtt probe: " << t.err().detail << "\n";
      throw CLI::RuntimeError(2);
    }
    asio::io_context io;
    auto client =
        snmp::client::create(io.get_executor(), asio::ip::udp::endpoint(t->endpoint.protocol(), 0));
    auto snapshot = run_to_completion(io, device::async_read_snapshot(*client, *t));
    client->close();
    if (!snapshot) {
      std::cerr << "pdu2mqtt probe: " << options->host << ": " << snapshot.err().to_string()
                << "\n";
      if (snapshot.code() == snmp::errc::timeout) {
        std::cerr << "  (" << device::no_answer_hint(t->endpoint.port()) << ")\n";
      }
      throw CLI::RuntimeError(1);
    }
    if (*json_output) {
      std::cout << device::to_json(*snapshot).dump(2, ' ', false,
                                                   nlohmann::json::error_handler_t::replace)
                << std::endl;
    } else {
      print_table(*snapshot, std::cout);
    }
  });
}

}  // namespace pdu2mqtt::app
