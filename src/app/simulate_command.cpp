// `pdu2mqtt simulate`: a simulated CyberPower PDU answering SNMP v1/v2c (and v3 for the
// --v3-user, as a real network card with a v3 user configured) on UDP until
// SIGINT/SIGTERM. Prints one "listening" line per PDU once bound, which tests and demos wait
// for. `--count N` serves N independent PDUs from one process on consecutive ports (or N free
// ones), so a scale benchmark needs one simulator process, not a thousand. `--model` names a
// preset (switched, metered, ats, three-phase, or their model numbers) to pick the family.
// Fault knobs (late, lost, withheld and refused answers) start from options here and can be
// changed at run time over SNMP; see sim::test_oids in pdu2mqtt/sim/simulator.hpp.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "pdu2mqtt/app/commands.hpp"
#include "pdu2mqtt/common/result.hpp"
#include "pdu2mqtt/sim/simulator.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"
#include "snmp_cli_options.hpp"

namespace pdu2mqtt::app {

namespace {

using asio::ip::udp;

struct simulate_options {
  std::string listen = "127.0.0.1:16161";
  std::size_t count = 1;
  std::size_t outlets = 8;
  std::size_t banks = 2;
  int apply_delay_ms = 500;
  int reboot_off_ms = 5000;
  std::size_t max_varbinds = 12;
  std::string community = "public";
  std::string write_community = "private";
  v3_cli_options v3;  // served besides v1/v2c when --v3-user is given
  // snmpEngineBoots to start from: a restart with a higher number is a rebooted PDU.
  std::int32_t engine_boots = 1;
  std::string name = "pdu2mqtt-sim";
  std::string serial = "SIM000000001";
  std::string model = "PDU41004";
  double outlet_current_a = 0.5;
  std::vector<std::string> without_outlet_names;  // "config", "control", "status"
  // Fault knobs.
  int response_delay_ms = 0;
  int drop_percent = 0;
  std::uint32_t seed = 1;
  bool drop_set_responses = false;
  std::string fail_sets_with = "none";
  std::uint32_t drop_next = 0;
  bool ats_source_a_lost = false;
  std::uint32_t contacts_abnormal = 0;
  // Which of the options a preset also sets were given on the command line (they win).
  bool outlets_given = false;
  bool banks_given = false;
};

// The presets and the fault knobs' OIDs, for --help.
constexpr const char* footer_help =
    R"(Models (--model NAME, case-insensitive: a preset name or its model number):
  switched    PDU41004    switched, 8 outlets, 2 banks, 15 A
  metered     PDU81004    switched and metered by outlet, 8 outlets, 2 banks, 15 A; energy
                          meter at 12.3 kWh; idle outlets read a phantom 0.1 A / 2 W (off)
                          or 1 W (on, nothing drawn), as the real meters do
  ats         PDU44005    switched ATS (inputs A 217 V, B 222 V), 10 outlets, 1 bank, 16 A,
                          ENVIROSENSOR (20.70 C, 45.36 %, 4 dry contacts)
  three-phase PDU3PH-SIM  three phases, 24 outlets, 6 banks (bank b on phase (b-1)%3+1), 32 A
--outlets and --banks given on the command line override the preset's. Any other NAME only
sets the model string of a switched PDU.

Fault injection (for fault-tolerance tests). The options above set each knob's starting
value; each is also an Integer32 at a private OID, readable with either community and
settable at run time with the write community, e.g.
  snmpset -v2c -c private 127.0.0.1:16161 .1.3.6.1.4.1.99999.2.2.0 i 100
  .1.3.6.1.4.1.99999.2.1.0  response_delay_ms   0..600000 (--response-delay-ms)
  .1.3.6.1.4.1.99999.2.2.0  drop_percent        0..100 (--drop-percent)
  .1.3.6.1.4.1.99999.2.3.0  drop_set_responses  0|1 (--drop-set-responses)
  .1.3.6.1.4.1.99999.2.4.0  drop_seed           0..2147483647; writing it restarts the drops (--seed)
  .1.3.6.1.4.1.99999.2.5.0  fail_sets_with      0 = off, or an error-status 1..18 (--fail-sets-with)
  .1.3.6.1.4.1.99999.2.6.0  drop_next           0..1000000, counts down (--drop-next)
  .1.3.6.1.4.1.99999.2.7.0  ats_source_a_lost   0|1: ATS input A fails; the unit runs on B,
                            A reads 0 V and under-voltage, redundancy lost (--ats-source-a-lost)
  .1.3.6.1.4.1.99999.2.8.0  contacts_abnormal   0..15: bit k = ENVIROSENSOR contact k+1 reads
                            abnormal (--contacts-abnormal)
Requests naming only OIDs under .1.3.6.1.4.1.99999 are never delayed, dropped or failed.
Counters (Counter32, read-only) under .1.3.6.1.4.1.99999.1:
  .1.0 SETs applied  .2.0 SETs answered or refused  .3.0 requests received (lost ones too)
  .4.0 requests dropped by the agent (bad community, undecodable, too many varbinds)
  .5.0 requests lost to drop_percent/drop_next  .6.0 SET answers withheld
  .7.0 answers delayed  .8.0 SETs refused by fail_sets_with)";

std::string describe(const udp::endpoint& ep) {
  std::ostringstream out;
  out << ep;
  return out.str();
}

// "host:port" or "[v6]:port"; port 0 asks the kernel for a free one (tests use that).
result<udp::endpoint> parse_listen(const std::string& text) {
  const auto invalid = [&](const std::string& why) {
    return error{std::make_error_code(std::errc::invalid_argument), "'" + text + "': " + why};
  };
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return invalid("expected [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return invalid("expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (ec != std::errc{} || end != port.data() + port.size() || port.empty() ||
      port_number > 65535) {
    return invalid("port must be a number from 0 to 65535");
  }
  if (host.empty()) return invalid("no host");
  asio::io_context io;
  udp::resolver resolver(io);
  std::error_code resolve_ec;
  auto found = resolver.resolve(host, port, udp::resolver::passive | udp::resolver::numeric_service,
                                resolve_ec);
  if (resolve_ec || found.empty()) {
    return error{resolve_ec ? resolve_ec : std::make_error_code(std::errc::invalid_argument),
                 "cannot resolve '" + host + "'"};
  }
  return found.begin()->endpoint();
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// One socket per simulated PDU: a thousand of them need more descriptors than the usual
// soft limit of 1024. The hard limit is ours to take.
void raise_descriptor_limit(std::size_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// --model: a preset's options, else a switched PDU with that model string. Options given on
// the command line win over the preset's.
sim::simulator_options base_options(const simulate_options& o) {
  auto preset = sim::preset(o.model);
  sim::simulator_options sim_options = preset.value_or(sim::simulator_options{});
  if (!preset) sim_options.model = o.model;
  if (!preset || o.outlets_given) sim_options.outlets = o.outlets;
  if (!preset || o.banks_given) sim_options.banks = o.banks;
  return sim_options;
}

// RFC 3411 5 SnmpEngineID in its text format (4): CyberPower's enterprise number (3808), then
// the serial, so each of --count PDUs is an engine of its own, as real units are.
std::string engine_id_for(const std::string& serial) {
  std::string id{'\x80', '\x00', '\x0e', '\xe0', '\x04'};
  return id + serial.substr(0, snmp::v3::max_engine_id_length - id.size());
}

// The n-th of --count PDUs (0-based) differs from the first by its serial, name and port.
sim::simulator_options options_for(const simulate_options& o, std::size_t n,
                                   const std::optional<snmp::v3::user>& v3_user) {
  sim::simulator_options sim_options = base_options(o);
  sim_options.name = o.name;
  sim_options.serial = o.serial;
  sim_options.apply_delay = std::chrono::milliseconds(o.apply_delay_ms);
  sim_options.reboot_off_time = std::chrono::milliseconds(o.reboot_off_ms);
  sim_options.default_current_a = o.outlet_current_a;
  for (const auto& column : o.without_outlet_names) {
    auto& without = sim_options.without_outlet_names;
    if (column == "config") {
      without.config = true;
    } else if (column == "control") {
      without.control = true;
    } else {
      without.status = true;
    }
  }
  sim_options.agent.read_community = o.community;
  sim_options.agent.write_community = o.write_community;
  sim_options.agent.max_request_varbinds = o.max_varbinds;
  sim_options.faults.response_delay = std::chrono::milliseconds(o.response_delay_ms);
  sim_options.faults.drop_percent = static_cast<std::uint32_t>(o.drop_percent);
  sim_options.faults.drop_seed = o.seed;
  sim_options.faults.drop_set_responses = o.drop_set_responses;
  sim_options.faults.fail_sets_with =
      sim::parse_error_status(o.fail_sets_with)
          .value_or(snmp::errc{});  // validated by the option's check
  sim_options.faults.drop_next = o.drop_next;
  sim_options.faults.ats_source_a_lost = o.ats_source_a_lost;
  sim_options.faults.contacts_abnormal = o.contacts_abnormal;
  if (n > 0) {
    const auto suffix = "-" + std::to_string(n + 1);
    sim_options.name += suffix;
    sim_options.serial += suffix;
  }
  if (v3_user) {
    sim_options.agent.engine_id = engine_id_for(sim_options.serial);
    sim_options.agent.v3_users = {*v3_user};
    sim_options.agent.engine_boots = o.engine_boots;
  }
  return sim_options;
}

struct served_pdu {
  std::shared_ptr<sim::simulator> pdu;
  std::shared_ptr<snmp::udp_agent> agent;
};

void run_simulator(const simulate_options& o) {
  auto listen = parse_listen(o.listen);
  if (!listen) {
    std::cerr << "pdu2mqtt simulate: --listen: " << listen.err().to_string() << "\n";
    throw CLI::RuntimeError(1);
  }
  if (o.count > 1 && listen->port() != 0 && listen->port() + o.count - 1 > 65535) {
    std::cerr << "pdu2mqtt simulate: --count " << o.count << " PDUs from port " << listen->port()
              << " would go past port 65535\n";
    throw CLI::RuntimeError(1);
  }
  raise_descriptor_limit(o.count + 64);
  std::optional<snmp::v3::user> v3_user;
  if (!o.v3.user.empty()) {
    auto user = o.v3.make_user();
    if (!user) {
      std::cerr << "pdu2mqtt simulate: " << user.err().detail << "\n";
      throw CLI::RuntimeError(1);
    }
    v3_user = std::move(*user);
  }

  asio::io_context io;
  std::vector<served_pdu> served;
  served.reserve(o.count);
  for (std::size_t n = 0; n < o.count; ++n) {
    const auto sim_options = options_for(o, n, v3_user);
    std::shared_ptr<sim::simulator> pdu;
    try {
      pdu = sim::simulator::create(io.get_executor(), sim_options);
    } catch (const std::invalid_argument& e) {
      std::cerr << "pdu2mqtt simulate: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
    auto endpoint = *listen;
    if (endpoint.port() != 0) endpoint.port(static_cast<std::uint16_t>(endpoint.port() + n));
    auto agent = snmp::udp_agent::create(
        io.get_executor(), endpoint, *pdu, sim_options.agent,
        [pdu](const udp::endpoint& peer) { pdu->set_request_source(describe(peer)); });
    if (!agent) {
      std::cerr << "pdu2mqtt simulate: " << agent.err().to_string() << "\n";
      throw CLI::RuntimeError(1);
    }
    pdu->attach_agent_counters(&(*agent)->counters());
    (*agent)->set_fault_hook(
        [pdu](std::span<const std::uint8_t> datagram) { return pdu->plan_faults(datagram); });
    served.push_back({pdu, *agent});
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("simulated PDU: signal {}, shutting down", signal_number);
    for (auto& s : served) {
      s.agent->close();
      s.pdu->stop();
    }
  });

  const auto& shape = served.front().pdu->options();
  spdlog::info("simulated PDU{}: {} ({}), {} phase{}", o.count > 1 ? "s" : "", shape.model,
               sim::family_name(shape.family), served.front().pdu->phases(),
               served.front().pdu->phases() == 1 ? "" : "s");
  if (v3_user) {
    spdlog::info("simulated PDU{}: SNMPv3 user \"{}\" ({}, {}/{}) besides the communities",
                 o.count > 1 ? "s" : "", v3_user->name, snmp::v3::to_string(v3_user->level()),
                 snmp::v3::to_string(v3_user->auth), snmp::v3::to_string(v3_user->priv));
  }
  for (const auto& s : served) {
    std::cout << "simulated PDU listening on udp " << describe(s.agent->local_endpoint()) << " ("
              << plural(shape.outlets, "outlet") << ", " << plural(shape.banks, "bank") << ")\n";
  }
  std::cout << std::flush;
  io.run();
  std::uint64_t requests = 0;
  std::uint64_t sets = 0;
  for (auto& s : served) {
    s.pdu->attach_agent_counters(nullptr);
    requests += s.agent->counters().requests;
    sets += s.agent->counters().sets_accepted;
  }
  spdlog::info("simulated PDU{}: stopped after {} requests ({} SETs accepted)",
               o.count > 1 ? "s" : "", requests, sets);
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto options = std::make_shared<simulate_options>();
  auto* cmd = app.add_subcommand("simulate",
                                 "Run a simulated CyberPower PDU (SNMP v1/v2c/v3 agent on UDP)");
  cmd->add_option("--listen", options->listen, "UDP HOST:PORT to answer on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--count", options->count,
                  "Serve this many PDUs, on consecutive ports from --listen's (port 0: any free "
                  "ones); one 'listening' line each")
      ->check(CLI::Range(1, 20000))
      ->capture_default_str();
  // No default shown: it is the model's (8 outlets, 2 banks for a model that is no preset).
  auto* outlets = cmd->add_option("--outlets", options->outlets,
                                  "Number of switched outlets (default: the model's, else 8)")
                      ->check(CLI::Range(1, 96));
  auto* banks = cmd->add_option("--banks", options->banks,
                                "Number of banks (outlets split evenly; 0 = none; default: the "
                                "model's, else 2)")
                    ->check(CLI::Range(0, 12));
  cmd->add_option("--apply-delay-ms", options->apply_delay_ms,
                  "Delay before an immediate outlet command takes effect")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--reboot-off-ms", options->reboot_off_ms,
                  "How long an outlet stays off during a reboot")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--max-varbinds", options->max_varbinds,
                  "Requests with more varbinds are dropped unanswered, like real units")
      ->check(CLI::Range(1, 2048))
      ->capture_default_str();
  cmd->add_option("--community", options->community, "Read community")->capture_default_str();
  cmd->add_option("--write-community", options->write_community, "Write community (may also read)")
      ->capture_default_str();
  options->v3.add_to(*cmd, "--v3-user");
  cmd->add_option("--engine-boots", options->engine_boots,
                  "SNMPv3 snmpEngineBoots to start from (a restart with a higher number is a "
                  "rebooted PDU; a lower one, a PDU that lost its counter)")
      ->check(CLI::Range(1, snmp::v3::max_engine_boots - 1))
      ->capture_default_str();
  cmd->add_option("--name", options->name, "PDU name (ePDUIdentName, sysName)")
      ->capture_default_str();
  cmd->add_option("--serial", options->serial, "Serial number (ePDUIdentSerialNumber)")
      ->capture_default_str();
  cmd->add_option("--model", options->model,
                  "A preset (switched, metered, ats, three-phase, or its model number; see "
                  "below), else the model number (ePDUIdentModelNumber) of a switched PDU")
      ->capture_default_str();
  cmd->add_option("--outlet-current-a", options->outlet_current_a,
                  "Current each outlet draws while on, in amps")
      ->check(CLI::Range(0.0, 16.0))
      ->capture_default_str();
  cmd->add_option("--response-delay-ms", options->response_delay_ms,
                  "Send every answer this many ms late (others are served meanwhile)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--drop-percent", options->drop_percent,
                  "Drop this share of requests unanswered and unapplied (see --seed)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the --drop-percent sequence (deterministic)")
      ->check(CLI::Range(std::uint32_t{0}, sim::fault_options::max_drop_seed))
      ->capture_default_str();
  cmd->add_flag("--drop-set-responses", options->drop_set_responses,
                "Apply outlet command SETs but never answer them");
  cmd->add_option("--fail-sets-with", options->fail_sets_with,
                  "Refuse outlet command SETs with this error-status (genErr, 13, ...; none: off)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (sim::parse_error_status(text)) return {};
            return "not an SNMP error-status name or number 1..18: " + text;
          },
          "ERR"))
      ->capture_default_str();
  cmd->add_option("--drop-next", options->drop_next,
                  "Drop the first N requests unanswered (then drop-percent applies)")
      ->check(CLI::Range(std::uint32_t{0}, sim::fault_options::max_drop_next))
      ->capture_default_str();
  cmd->add_option("--without-outlet-names", options->without_outlet_names,
                  "Outlet name columns the unit lacks (noSuchObject): config "
                  "(ePDUOutletConfigOutletName, as on some real units), control, status")
      ->delimiter(',')
      ->check(CLI::IsMember({"config", "control", "status"}));
  cmd->add_flag("--ats-source-a-lost", options->ats_source_a_lost,
                "ATS: start with input A lost (the unit runs on B)");
  cmd->add_option("--contacts-abnormal", options->contacts_abnormal,
                  "ATS: ENVIROSENSOR contacts reading abnormal, a bitmask (1 = contact 1)")
      ->check(CLI::Range(std::uint32_t{0}, sim::fault_options::max_contacts_abnormal))
      ->capture_default_str();
  cmd->footer(footer_help);
  cmd->callback([options, outlets, banks] {
    options->outlets_given = outlets->count() > 0;
    options->banks_given = banks->count() > 0;
    const auto shape = base_options(*options);
    if (shape.banks > shape.outlets) {
      throw CLI::ValidationError("--banks", "cannot exceed --outlets (" +
                                                std::to_string(shape.outlets) + " for " +
                                                shape.model + ")");
    }
    run_simulator(*options);
  });
}

}  // namespace pdu2mqtt::app
