// snmpsimd (Python SNMP simulator) replaying recorded walks of real PDUs, as a test peer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace pdu2mqtt::test {

// snmpsimd on 127.0.0.1:<free port> serving copies of .snmprec recordings. Each recording is
// reached with its file stem as the v2c community ("PDU44005" for PDU44005.snmprec); other
// communities get no answer at all. Read-only: a SET answers noSuchInstance.
// As root it runs as nobody/nogroup, so $TMPDIR must be world-traversable (/tmp is).
class snmpsim_fixture {
 public:
  // Throws std::runtime_error with snmpsimd's output if it does not answer within 30 s.
  explicit snmpsim_fixture(std::vector<std::filesystem::path> recordings = {default_recording()});

  // tests/fixtures/PDU44005.snmprec: a CyberPower PDU44005 (sysDescr "CPS Power Distributed
  // Unit").
  static std::filesystem::path default_recording();

  std::uint16_t port() const noexcept { return port_; }
  std::string endpoint() const;  // "127.0.0.1:PORT"
  // The community of the first recording.
  const std::string& community() const noexcept { return community_; }
  child_process& process() noexcept { return process_; }

 private:
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::string community_;
  child_process process_;
};

}  // namespace pdu2mqtt::test
