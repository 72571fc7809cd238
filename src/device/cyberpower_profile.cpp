// CyberPower request lists and varbind parsing. Real firmware sends NULL for some columns
// and INTEGER for Gauge ones (reference walk of a PDU44005), so every read is tolerant.
#include "pdu2mqtt/device/cyberpower_profile.hpp"

#include <algorithm>
#include <chrono>

namespace pdu2mqtt::device {

namespace cp = cyberpower;
using snmp::oid;
using snmp::varbind;

namespace {

// PDU strings are untrusted: bounded, and cut at the first NUL some agents pad with.
std::string text(const snmp::value& v) {
  constexpr std::size_t max_text = 128;
  auto bytes = snmp::as_octets(v);
  if (!bytes) return {};
  std::string out(bytes->substr(0, std::min(bytes->find('\0'), max_text)));
  return out;
}

std::optional<std::int64_t> number(const snmp::value& v) {
  return snmp::as_integer(v);
}

}  // namespace

const snmp::value& value_at(std::span<const varbind> vbs, std::size_t i) noexcept {
  static const snmp::value absent = snmp::no_such_object{};
  return i < vbs.size() ? vbs[i].value : absent;
}

int count_at(std::span<const varbind> vbs, std::size_t i, int max) noexcept {
  const auto n = number(value_at(vbs, i)).value_or(0);
  return static_cast<int>(std::clamp<std::int64_t>(n, 0, max));
}

std::vector<oid> identity_request() {
  return {cp::system::descr,
          cp::system::object_id,
          cp::system::up_time,
          cp::system::name,
          cp::system::location,
          cp::system::contact,
          cp::ident::name,
          cp::ident::model,
          cp::ident::serial,
          cp::ident::firmware_rev,
          cp::ident::hardware_rev,
          cp::ident::device_rating_a,
          cp::counts::controlled_outlets,
          cp::counts::banks};
}

identity_and_counts parse_identity(std::span<const varbind> vbs) {
  identity_and_counts out;
  const auto at = [&](std::size_t i) -> const snmp::value& { return value_at(vbs, i); };
  auto& id = out.id;
  id.sys_descr = text(at(0));
  if (const auto* o = std::get_if<oid>(&at(1))) id.sys_object_id = o->to_string();
  if (const auto* t = std::get_if<snmp::time_ticks>(&at(2))) {
    id.uptime_ticks = t->value;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    id.booted_at = now - static_cast<std::int64_t>(t->value / 100);
  }
  id.sys_name = text(at(3));
  id.sys_location = text(at(4));
  id.sys_contact = text(at(5));
  id.name = text(at(6));
  id.model = text(at(7));
  id.serial = text(at(8));
  id.firmware = text(at(9));
  id.hardware = text(at(10));
  if (auto r = number(at(11))) id.rating_a = static_cast<int>(*r);
  out.size = parse_counts(vbs.size() > 12 ? vbs.subspan(12) : std::span<const varbind>{});
  return out;
}

std::vector<oid> counts_request() {
  return {cp::counts::controlled_outlets, cp::counts::banks};
}

counts parse_counts(std::span<const varbind> vbs) {
  // The MIB allows 24 outlets in the legacy table and 96 rows in ePDU2; 12 banks.
  return {.outlets = count_at(vbs, 0, 96), .banks = count_at(vbs, 1, 12)};
}

power_state parse_power_state(const snmp::value& v) {
  const auto state = number(v);
  return state == 1 ? power_state::on : state == 2 ? power_state::off : power_state::unknown;
}

namespace {

// Each column an outlet's name can come from, with its MIB name: one table for both lookups.
struct outlet_name_source {
  outlet_name_column column;
  const oid* at;
  std::string_view mib_name;
};

const outlet_name_source& source_of(outlet_name_column column) noexcept {
  static const outlet_name_source sources[] = {
      {outlet_name_column::config, &cp::outlet::config_name, "ePDUOutletConfigOutletName"},
      {outlet_name_column::control, &cp::outlet::control_name, "ePDUOutletControlOutletName"},
      {outlet_name_column::status, &cp::outlet::status_name, "ePDUOutletStatusOutletName"},
  };
  for (const auto& s : sources) {
    if (s.column == column) return s;
  }
  return sources[0];
}

}  // namespace

const oid& outlet_name_oid(outlet_name_column column) noexcept {
  return *source_of(column).at;
}

std::string_view outlet_name_column_name(outlet_name_column column) noexcept {
  return source_of(column).mib_name;
}

std::vector<oid> status_request(const counts& size, outlet_name_column names) {
  std::vector<oid> out;
  out.reserve(status_varbinds(size));
  const auto& name = outlet_name_oid(names);
  for (int n = 1; n <= size.outlets; ++n) {
    const auto row = static_cast<std::uint32_t>(n);
    out.push_back(name.child(row));
    out.push_back(cp::outlet::state.child(row));
    out.push_back(cp::outlet::command_pending.child(row));
    out.push_back(cp::outlet::bank.child(row));
  }
  for (int b = 1; b <= size.banks; ++b) {
    const auto row = static_cast<std::uint32_t>(b);
    out.push_back(cp::bank::load.child(row));
    out.push_back(cp::bank::load_state.child(row));
  }
  return out;
}

void parse_status(const counts& size, std::span<const varbind> vbs, std::vector<outlet>& outlets,
                  std::vector<bank>& banks) {
  const auto at = [&](std::size_t i) -> const snmp::value& { return value_at(vbs, i); };
  outlets.resize(static_cast<std::size_t>(size.outlets));
  banks.resize(static_cast<std::size_t>(size.banks));
  std::size_t i = 0;
  for (int n = 1; n <= size.outlets; ++n) {
    auto& o = outlets[static_cast<std::size_t>(n - 1)];
    o.number = n;
    o.name = text(at(i++));
    o.state = parse_power_state(at(i++));
    o.command_pending = number(at(i++)) == 1;
    const auto b = number(at(i++));
    o.bank = b && *b > 0 ? std::optional<int>(static_cast<int>(*b)) : std::nullopt;
  }
  for (int n = 1; n <= size.banks; ++n) {
    auto& b = banks[static_cast<std::size_t>(n - 1)];
    b.number = n;
    const auto tenths = number(at(i++));
    b.current_a =
        tenths ? std::optional<double>(static_cast<double>(*tenths) / 10.0) : std::nullopt;
    switch (number(at(i++)).value_or(0)) {
      case 1:
        b.load = load_state::normal;
        break;
      case 2:
        b.load = load_state::low;
        break;
      case 3:
        b.load = load_state::near_overload;
        break;
      case 4:
        b.load = load_state::overload;
        break;
      default:
        b.load = load_state::unknown;
    }
  }
}

std::size_t status_varbinds(const counts& size) noexcept {
  return static_cast<std::size_t>(size.outlets * 4 + size.banks * 2);
}

std::vector<oid> poll_request(const counts& size, const capabilities& caps) {
  std::vector<oid> oids = counts_request();
  oids.push_back(cp::system::up_time);
  auto status = status_request(size, caps.outlet_names);
  oids.insert(oids.end(), std::make_move_iterator(status.begin()),
              std::make_move_iterator(status.end()));
  for (const auto& m : caps.metrics)
    oids.push_back(m.oid);
  return oids;
}

namespace {

cp::outlet_command control_command(outlet_action a) noexcept {
  switch (a) {
    case outlet_action::off:
      return cp::outlet_command::immediate_off;
    case outlet_action::reboot:
      return cp::outlet_command::immediate_reboot;
    case outlet_action::delayed_on:
      return cp::outlet_command::delayed_on;
    case outlet_action::delayed_off:
      return cp::outlet_command::delayed_off;
    case outlet_action::cancel:
      return cp::outlet_command::cancel_pending;
    case outlet_action::on:
      break;
  }
  return cp::outlet_command::immediate_on;
}

}  // namespace

varbind outlet_command_varbind(int outlet, outlet_action action) {
  return {cp::outlet::command.child(static_cast<std::uint32_t>(outlet)),
          static_cast<std::int32_t>(control_command(action))};
}

}  // namespace pdu2mqtt::device
