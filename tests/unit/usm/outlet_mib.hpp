// A two-object MIB for the agent's SNMPv3 tests (unit and net-snmp interop): sysDescr.0
// (read-only) and one CyberPower outlet command cell (a writable INTEGER).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>

#include "pdu2mqtt/snmp/agent.hpp"

namespace usm_test {

using namespace pdu2mqtt::snmp;

inline const oid sys_descr_0{1, 3, 6, 1, 2, 1, 1, 1, 0};
inline const oid outlet_state_1{1, 3, 6, 1, 4, 1, 3808, 1, 1, 3, 3, 3, 1, 1, 4, 1};

// sysDescr (read-only) and one outlet command column (writable INTEGER).
class outlet_mib final : public mib {
 public:
  std::int32_t outlet_state = 1;
  std::size_t sets = 0;

  value get(const oid& name) const override {
    if (name == sys_descr_0) return std::string("simulated ePDU");
    if (name == outlet_state_1) return outlet_state;
    return no_such_object{};
  }
  std::optional<varbind> get_next(const oid& name) const override {
    if (name < sys_descr_0) return varbind{sys_descr_0, get(sys_descr_0)};
    if (name < outlet_state_1) return varbind{outlet_state_1, outlet_state};
    return std::nullopt;
  }
  set_outcome set(std::span<const varbind> varbinds) override {
    for (std::size_t i = 0; i < varbinds.size(); ++i) {
      if (varbinds[i].name != outlet_state_1) return {errc::not_writable, i};
      if (!std::holds_alternative<std::int32_t>(varbinds[i].value)) return {errc::wrong_type, i};
    }
    for (const auto& vb : varbinds)
      outlet_state = std::get<std::int32_t>(vb.value);
    ++sets;
    return {};
  }
};

}  // namespace usm_test
