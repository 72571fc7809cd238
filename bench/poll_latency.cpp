// Section 1: a full 24-outlet, 2-bank poll (counts, sysUpTime, every outlet's name, state,
// pending flag and bank, every bank's load and load state, and the 21 readings capability
// detection finds on the simulated switched unit: 124 OIDs), in process, against our
// simulator and against net-snmp's snmpd serving the same values. Baselines in the same run:
// the raw UDP floor (the same request bytes sent and received, nothing encoded or decoded),
// one GET per OID (what Home Assistant's SNMP integration does), and pysnmp. Then SNMPv3
// authPriv (SHA-256/AES) against the v2c poll of the same simulator, interleaved.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "measure.hpp"
#include "pdu2mqtt/device/cyberpower_profile.hpp"
#include "pdu2mqtt/device/reader.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "sections.hpp"
#include "support/process.hpp"
#include "support/run_coroutine.hpp"
#include "support/simulator_fixture.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::bench {
namespace {

using test::run;
namespace v3 = snmp::v3;
const device::counts shape{24, 2};
// The fewest requests: a response must fit one Ethernet frame (1472 bytes of UDP payload, the
// simulator's limit, like real agents'), which 124 varbinds of names and numbers do not; 52 a
// request (three requests) do. Larger requests come back tooBig and get split anyway.
constexpr std::size_t fewest = 52;
constexpr std::size_t device_sized = 10;  // what real CyberPower agents accept (config default)

snmp::target target_for(std::uint16_t port, std::size_t max_varbinds) {
  snmp::target t;
  t.endpoint = asio::ip::udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  t.community = "public";
  t.timeout = std::chrono::milliseconds(2000);
  t.retries = 1;
  t.max_varbinds = max_varbinds;
  return t;
}

// The poll as the bridge does it: request(s) encoded once, sent, answers decoded and parsed
// into the model.
awaitable<samples> poll_with_client(snmp::client& c, snmp::target t, std::vector<snmp::oid> oids,
                                    device::capabilities caps, int polls, int warmup) {
  samples out;
  std::vector<device::outlet> outlets(static_cast<std::size_t>(shape.outlets));
  std::vector<device::bank> banks(static_cast<std::size_t>(shape.banks));
  std::map<device::metric_id, device::metric_value> metrics;
  const auto prepared = snmp::client::prepare_get(t, std::move(oids));  // as the poller does
  for (int i = 0; i < warmup + polls; ++i) {
    const auto started = clock::now();
    auto got = co_await c.async_get(t, prepared);
    if (!got) throw std::runtime_error("poll failed: " + got.err().to_string());
    device::parse_status(shape, std::span(*got).subspan(device::poll_header), outlets, banks);
    device::parse_metrics(
        caps, std::span(*got).subspan(device::poll_header + device::status_varbinds(shape)),
        outlets, metrics);
    if (i >= warmup) out.add(clock::now() - started);
  }
  co_return out;
}

// The per-entity approach: one GetRequest per OID, one after another.
awaitable<samples> poll_one_oid_at_a_time(snmp::client& c, snmp::target t,
                                          std::vector<snmp::oid> oids, int polls) {
  samples out;
  for (int i = 0; i < polls + 2; ++i) {
    const auto started = clock::now();
    for (const auto& o : oids) {
      std::vector<snmp::oid> one{o};
      auto got = co_await c.async_get(t, std::move(one));
      if (!got) throw std::runtime_error("GET failed: " + got.err().to_string());
    }
    if (i >= 2) out.add(clock::now() - started);
  }
  co_return out;
}

// The floor: the poll's datagrams, encoded once, sent and received on a blocking socket.
samples raw_udp_floor(std::uint16_t port, const std::vector<snmp::oid>& oids,
                      std::size_t max_varbinds, int polls, int warmup) {
  std::vector<std::vector<std::uint8_t>> datagrams;
  for (std::size_t at = 0; at < oids.size(); at += max_varbinds) {
    snmp::message m{snmp::version::v2c, "public", {}};
    m.pdu.request_id = 0x12345678;
    for (std::size_t i = at; i < std::min(oids.size(), at + max_varbinds); ++i) {
      m.pdu.varbinds.push_back({oids[i], snmp::null_value{}});
    }
    datagrams.push_back(snmp::encode(m));
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    throw std::runtime_error("raw UDP socket");
  }
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::vector<std::uint8_t> answer(65536);
  samples out;
  for (int i = 0; i < warmup + polls; ++i) {
    const auto started = clock::now();
    for (const auto& d : datagrams) {
      if (::send(fd, d.data(), d.size(), 0) != static_cast<ssize_t>(d.size()) ||
          ::recv(fd, answer.data(), answer.size(), 0) <= 0) {
        ::close(fd);
        throw std::runtime_error("raw UDP exchange failed");
      }
    }
    if (i >= warmup) out.add(clock::now() - started);
  }
  ::close(fd);
  return out;
}

samples pysnmp_poll(const settings& s, std::uint16_t port, const std::filesystem::path& oids_file,
                    std::size_t max_varbinds, int polls) {
  auto r =
      test::run_command({"/usr/bin/python3", (s.bench_dir / "pysnmp_poll.py").string(), "--port",
                         std::to_string(port), "--oids-file", oids_file.string(), "--polls",
                         std::to_string(polls), "--max-varbinds", std::to_string(max_varbinds)},
                        std::chrono::minutes(10));
  auto j = nlohmann::json::parse(r.stdout_text, nullptr, false);
  if (r.exit_code != 0 || !j.is_object()) {
    throw std::runtime_error("pysnmp_poll.py failed: " + r.stdout_text + r.stderr_text);
  }
  samples out;
  for (const auto& us : j["latencies_us"])
    out.add_us(us.get<double>());
  return out;
}

// snmpd.conf `override` lines serving what the simulator answered, type for type; the system
// group (sysUpTime) is snmpd's own.
std::vector<std::string> snmpd_overrides(const std::vector<snmp::varbind>& vbs) {
  const snmp::oid system{1, 3, 6, 1, 2, 1, 1};
  std::vector<std::string> lines;
  for (const auto& vb : vbs) {
    if (vb.name.starts_with(system)) continue;
    const auto oid = vb.name.to_string();  // ".1.3.6...", as snmpd.conf takes it
    if (const auto* i = std::get_if<std::int32_t>(&vb.value)) {
      lines.push_back(fmt::format("override {} integer {}", oid, *i));
    } else if (const auto* g = std::get_if<snmp::gauge32>(&vb.value)) {
      lines.push_back(fmt::format("override {} unsigned {}", oid, g->value));
    } else if (const auto* text = std::get_if<std::string>(&vb.value)) {
      lines.push_back(fmt::format("override {} octet_str \"{}\"", oid, *text));
    } else {
      throw std::runtime_error("no snmpd override type for " + oid);
    }
  }
  return lines;
}

struct agent_figures {
  samples ours, ours_chunked, floor, floor_chunked, per_oid, pysnmp;
};

const v3::user bench_user{.name = "bench",
                          .auth = v3::auth_protocol::sha256,
                          .auth_password = "bench-auth-pass",
                          .priv = v3::priv_protocol::aes128,
                          .priv_password = "bench-priv-pass"};

// The device-sized poll over v2c and over v3 authPriv, in alternating rounds.
std::pair<samples, samples> measure_v3(const settings& s, asio::io_context& io, snmp::client& c,
                                       std::uint16_t port, const std::vector<snmp::oid>& oids,
                                       const device::capabilities& caps) {
  samples v2c;
  samples v3;
  auto secure = target_for(port, device_sized);
  secure.version = snmp::version::v3;
  secure.user = std::make_shared<const v3::user>(bench_user);
  const int warmup = s.quick ? 20 : 100;
  const int rounds = 4;
  for (int r = 0; r < rounds; ++r) {
    const int n = s.polls / rounds;
    v2c.merge(run(io, poll_with_client(c, target_for(port, device_sized), oids, caps, n, warmup)));
    v3.merge(run(io, poll_with_client(c, secure, oids, caps, n, warmup)));
  }
  return {v2c, v3};
}

agent_figures measure_agent(const settings& s, asio::io_context& io, snmp::client& c,
                            std::uint16_t port, const std::vector<snmp::oid>& oids,
                            const device::capabilities& caps,
                            const std::filesystem::path& oids_file) {
  agent_figures f;
  const int warmup = s.quick ? 20 : 100;
  const auto limit = std::chrono::seconds(600);
  // Interleaved in rounds, so a slow moment of the machine hits every method alike.
  const int rounds = 4;
  for (int r = 0; r < rounds; ++r) {
    const int n = s.polls / rounds;
    auto a = run(io, poll_with_client(c, target_for(port, fewest), oids, caps, n, warmup), limit);
    auto b = raw_udp_floor(port, oids, fewest, n, warmup);
    auto a2 =
        run(io, poll_with_client(c, target_for(port, device_sized), oids, caps, n, warmup), limit);
    auto b2 = raw_udp_floor(port, oids, device_sized, n, warmup);
    f.ours.merge(a);
    f.floor.merge(b);
    f.ours_chunked.merge(a2);
    f.floor_chunked.merge(b2);
  }
  f.per_oid =
      run(io, poll_one_oid_at_a_time(c, target_for(port, fewest), oids, s.slow_polls), limit);
  f.pysnmp = pysnmp_poll(s, port, oids_file, fewest, s.slow_polls);
  return f;
}

}  // namespace

nlohmann::json poll_latency(const settings& s) {
  std::cout << "\n== 1. Poll latency: 24 outlets, 2 banks and their readings (" << s.polls
            << " polls; " << s.slow_polls << " for the slow baselines) ==\n";
  test::temp_dir secrets;
  const auto auth_file = secrets.write_file("auth.pw", bench_user.auth_password);
  const auto priv_file = secrets.write_file("priv.pw", bench_user.priv_password);
  test::simulator_fixture sim({"--outlets", "24", "--banks", "2", "--max-varbinds", "128",
                               "--apply-delay-ms", "0", "--v3-user", bench_user.name, "-a",
                               "SHA-256", "-x", "AES", "--auth-password-file", auth_file.string(),
                               "--priv-password-file", priv_file.string()});
  asio::io_context io;
  auto c = snmp::client::create(io.get_executor());
  // The poll the bridge sends this unit: outlets and banks, then every reading capability
  // detection found (input, totals, phase, bank power, cold start).
  auto probed =
      run(io, device::async_probe_capabilities(*c, target_for(sim.port(), fewest), shape));
  if (!probed) throw std::runtime_error("capability probe: " + probed.err().to_string());
  const auto caps = probed->caps;
  const auto oids = device::poll_request(shape, caps);
  test::temp_dir dir;
  std::string listing;
  for (const auto& o : oids)
    listing += o.to_string() + "\n";
  const auto oids_file = dir.write_file("oids.txt", listing);

  auto values = run(io, c->async_get(target_for(sim.port(), fewest), oids));
  if (!values) throw std::runtime_error("simulator: " + values.err().to_string());
  test::snmpd_fixture snmpd(snmpd_overrides(*values));
  // The same data, checked: a benchmark against an agent that answers errors measures nothing.
  auto check = run(io, c->async_get(target_for(snmpd.port(), fewest), oids));
  if (!check) throw std::runtime_error("snmpd: " + check.err().to_string());
  for (std::size_t i = 3; i < oids.size(); ++i) {
    if ((*check)[i].value != (*values)[i].value) {
      throw std::runtime_error("snmpd serves other data at " + oids[i].to_string() + ": " +
                               std::string(snmp::type_name((*check)[i].value)) + " " +
                               snmp::to_display_string((*check)[i].value) + " instead of " +
                               std::string(snmp::type_name((*values)[i].value)) + " " +
                               snmp::to_display_string((*values)[i].value) + "\n" +
                               snmpd.process().output());
    }
  }

  table t({{"agent", 10},
           {"method", 34},
           {"req/poll", 8},
           {"median", 10},
           {"p99", 10},
           {"ratio (median)", 40}});
  nlohmann::json out = {{"oids", oids.size()}, {"agents", nlohmann::json::object()}};
  for (const auto& [name, port] :
       {std::pair<std::string, std::uint16_t>{"simulate", sim.port()}, {"snmpd", snmpd.port()}}) {
    const auto f = measure_agent(s, io, *c, port, oids, caps, oids_file);
    const double ours = f.ours.median();
    const auto chunks = (oids.size() + device_sized - 1) / device_sized;
    const auto requests = (oids.size() + fewest - 1) / fewest;
    t.row({name, "pdu2mqtt (encode+send+decode+parse)", std::to_string(requests), format_us(ours),
           format_us(f.ours.p99()), ""});
    t.row({name, "raw UDP floor (no encode/decode)", std::to_string(requests),
           format_us(f.floor.median()), format_us(f.floor.p99()),
           "pdu2mqtt/floor " + ratio_text(ours / f.floor.median(), 1.2, true)});
    t.row({name, "pdu2mqtt, device-sized requests", std::to_string(chunks),
           format_us(f.ours_chunked.median()), format_us(f.ours_chunked.p99()), ""});
    t.row({name, "raw UDP floor, device-sized", std::to_string(chunks),
           format_us(f.floor_chunked.median()), format_us(f.floor_chunked.p99()),
           "pdu2mqtt/floor " +
               ratio_text(f.ours_chunked.median() / f.floor_chunked.median(), 1.2, true)});
    t.row({name, "one GET per OID (per-entity)", std::to_string(oids.size()),
           format_us(f.per_oid.median()), format_us(f.per_oid.p99()),
           "per-OID/pdu2mqtt " + ratio_text(f.per_oid.median() / ours, 20, false)});
    t.row({name, "pysnmp 4.4 (python3-pysnmp4)", std::to_string(requests),
           format_us(f.pysnmp.median()), format_us(f.pysnmp.p99()),
           "pysnmp/pdu2mqtt " + ratio_text(f.pysnmp.median() / ours, 50, false)});
    out["agents"][name] = {
        {"pdu2mqtt", f.ours.to_json()},
        {"floor", f.floor.to_json()},
        {"pdu2mqtt_device_sized", f.ours_chunked.to_json()},
        {"floor_device_sized", f.floor_chunked.to_json()},
        {"device_sized_requests", chunks},
        {"per_oid", f.per_oid.to_json()},
        {"pysnmp", f.pysnmp.to_json()},
        {"ratio_over_floor", ours / f.floor.median()},
        {"ratio_over_floor_device_sized", f.ours_chunked.median() / f.floor_chunked.median()},
        {"ratio_per_oid", f.per_oid.median() / ours},
        {"ratio_pysnmp", f.pysnmp.median() / ours}};
  }
  const auto [v2c, v3] = measure_v3(s, io, *c, sim.port(), oids, caps);
  const auto chunks = std::to_string((oids.size() + device_sized - 1) / device_sized);
  t.row({"simulate", "pdu2mqtt v2c, device-sized", chunks, format_us(v2c.median()),
         format_us(v2c.p99()), ""});
  t.row({"simulate", "pdu2mqtt v3 authPriv SHA-256/AES", chunks, format_us(v3.median()),
         format_us(v3.p99()), "v3/v2c " + ratio_text(v3.median() / v2c.median(), 1.5, true)});
  out["v3"] = {{"v2c", v2c.to_json()},
               {"v3_auth_priv_sha256_aes", v3.to_json()},
               {"ratio_v3_over_v2c", v3.median() / v2c.median()}};
  c->close();
  return out;
}

}  // namespace pdu2mqtt::bench
