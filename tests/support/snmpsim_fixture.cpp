// snmpsimd serving recorded PDU walks on a free loopback port, started the way it accepts as
// root (privilege drop to nobody/nogroup, data readable by that user).
#include "support/snmpsim_fixture.hpp"

#include <unistd.h>

#include <stdexcept>

#include "support/ports.hpp"
#include "support/snmpd_fixture.hpp"

namespace pdu2mqtt::test {
namespace {

// Python start-up plus indexing the recording: about 1-2 s, more on a loaded CI machine.
constexpr auto start_timeout = 30s;
constexpr int start_attempts = 5;

}  // namespace

std::filesystem::path snmpsim_fixture::default_recording() {
  return std::filesystem::path(PDU2MQTT_FIXTURES) / "PDU44005.snmprec";
}

snmpsim_fixture::snmpsim_fixture(std::vector<std::filesystem::path> recordings) {
  if (recordings.empty()) throw std::invalid_argument("snmpsim_fixture: no recordings");
  namespace fs = std::filesystem;
  const fs::path data_dir = dir_.path() / "data";
  const fs::path cache_dir = dir_.path() / "cache";
  fs::create_directory(data_dir);
  fs::create_directory(cache_dir);
  for (const auto& recording : recordings) {
    fs::copy_file(recording, data_dir / recording.filename());
    fs::permissions(data_dir / recording.filename(),
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read);
  }
  community_ = recordings.front().stem().string();

  std::vector<std::string> launcher;
  if (::geteuid() == 0) {
    // snmpsimd refuses to run as root ("Must drop priveleges to a non-priveleged user&group"),
    // but its own --process-user drop is a credential change, which makes the kernel clear
    // PR_SET_PDEATHSIG: it would outlive a crashed test. setpriv drops first and sets the
    // death signal after, then execs snmpsimd, which as nobody needs no --process-user.
    launcher = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--pdeathsig=KILL"};
    // nobody must read the data and write its index into the cache dir; mkdtemp made the temp
    // dir 0700, so open it up (nothing secret in there).
    constexpr auto readable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(dir_.path(), readable);
    fs::permissions(data_dir, readable);
    fs::permissions(cache_dir, fs::perms::all);
  }

  std::string last_output;
  for (int attempt = 0; attempt < start_attempts; ++attempt) {
    port_ = free_udp_port();
    std::vector<std::string> argv = launcher;
    argv.insert(argv.end(),
                {"snmpsimd", "--data-dir=" + data_dir.string(), "--cache-dir=" + cache_dir.string(),
                 "--agent-udpv4-endpoint=" + endpoint()});
    process_.start(std::move(argv));
    if (wait_for_snmp_agent(process_, endpoint(), community_, start_timeout)) return;
    process_.stop();
    last_output = process_.output();
    // The port was taken between free_udp_port() and snmpsimd's bind: try another one.
    if (last_output.find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error("snmpsimd did not start answering:\n" + last_output);
}

std::string snmpsim_fixture::endpoint() const {
  return "127.0.0.1:" + std::to_string(port_);
}

}  // namespace pdu2mqtt::test
