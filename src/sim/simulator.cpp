// The simulated CyberPower PDU: one sorted OID map (so GETNEXT and walks just work), values
// read at request time, outlet commands applied later on the io_context's timers. The load
// tables, metering and the ATS / ENVIROSENSOR parts are built in their own files.
#include "pdu2mqtt/sim/simulator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <variant>

#include "pdu2mqtt/common/ascii.hpp"
#include "sim_internal.hpp"

namespace pdu2mqtt::sim {

namespace cp = cyberpower;
using snmp::errc;
using snmp::oid;
using snmp::value;

using namespace detail;

namespace {

constexpr std::size_t max_outlets = 96;  // ePDU2 outlet rows
constexpr std::size_t max_banks = 12;    // ePDU2 bank rows
constexpr std::size_t max_sys_string = 255;

value seconds(std::chrono::milliseconds d) {
  return static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::string_view command_name(cp::outlet_command c) {
  switch (c) {
    case cp::outlet_command::immediate_on:
      return "immediateOn";
    case cp::outlet_command::immediate_off:
      return "immediateOff";
    case cp::outlet_command::immediate_reboot:
      return "immediateReboot";
    case cp::outlet_command::delayed_on:
      return "delayedOn";
    case cp::outlet_command::delayed_off:
      return "delayedOff";
    case cp::outlet_command::delayed_reboot:
      return "delayedReboot";
    case cp::outlet_command::cancel_pending:
      return "cancelPendingCommand";
    case cp::outlet_command::identify:
      return "outletIdentify";
  }
  return "unknown";
}

// DisplayString (RFC 2579): printable NVT ASCII, bounded by the object's size.
errc check_display_string(const value& v, std::size_t max_length) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return errc::wrong_type;
  if (s->size() > max_length) return errc::wrong_length;
  for (unsigned char c : *s) {
    if (c < 0x20 || c > 0x7e) return errc::wrong_value;
  }
  return errc{};
}

// A writer for a DisplayString held in target.
std::function<errc(const value&, bool)> string_writer(std::string& target, std::size_t max_length,
                                                      std::string what) {
  return [&target, max_length, what = std::move(what)](const value& v, bool apply) {
    if (const errc e = check_display_string(v, max_length); e != errc{}) return e;
    if (apply) {
      target = std::get<std::string>(v);
      spdlog::info("simulated PDU: {} set to \"{}\"", what, target);
    }
    return errc{};
  };
}

bool is_outlet_command(const oid& name) {
  return name.size() == cp::outlet::command.size() + 1 && name.starts_with(cp::outlet::command);
}

void validate(const fault_options& f) {
  if (f.response_delay < std::chrono::milliseconds::zero() ||
      f.response_delay > fault_options::max_response_delay) {
    throw std::invalid_argument("response delay must be 0.." +
                                std::to_string(fault_options::max_response_delay.count()) + " ms");
  }
  if (f.drop_percent > 100) throw std::invalid_argument("drop percent must be 0..100");
  if (f.drop_seed > fault_options::max_drop_seed) {
    throw std::invalid_argument("drop seed must be 0.." +
                                std::to_string(fault_options::max_drop_seed));
  }
  if (f.fail_sets_with != errc{} && !snmp::is_error_status(f.fail_sets_with)) {
    throw std::invalid_argument("fail-sets-with must be an error-status 1..18 or none");
  }
  if (f.drop_next > fault_options::max_drop_next) {
    throw std::invalid_argument("drop-next must be 0.." +
                                std::to_string(fault_options::max_drop_next));
  }
  if (f.contacts_abnormal > fault_options::max_contacts_abnormal) {
    throw std::invalid_argument("contacts-abnormal must be 0.." +
                                std::to_string(fault_options::max_contacts_abnormal));
  }
}

// Written so that NaN fails too. The bounds are whole numbers, printed as such.
void check_range(double v, std::int64_t min, std::int64_t max, const char* what) {
  if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max))) {
    throw std::invalid_argument(std::string(what) + " must be " + std::to_string(min) + ".." +
                                std::to_string(max));
  }
}

void validate(const simulator_options& o) {
  check_range(o.input_voltage_v, 0, 500, "input voltage");
  check_range(o.source_b_voltage_v, 0, 500, "source B voltage");
  check_range(o.input_frequency_hz, 0, 100, "input frequency");
  check_range(o.power_factor, 0, 1, "power factor");
  // Served in tenths as a Gauge32.
  check_range(o.start_energy_kwh, 0, 400000000, "start energy (kWh)");
  check_range(o.coldstart_delay_s, -1, 300, "cold start delay (s)");
  check_range(o.coldstart_state, 1, 2, "cold start state");
  check_range(o.preferred_source, 1, 3, "preferred source");
  check_range(o.temperature_c, -100, 200, "temperature (C)");
  check_range(o.humidity_percent, 0, 100, "humidity (%)");
  check_range(o.temperature_unit, 1, 2, "temperature unit");
  check_range(o.default_current_a, 0, 1000, "outlet current (A)");
  for (double a : o.outlet_current_a)
    check_range(a, 0, 1000, "outlet current (A)");
}

// RFC 3416 section 3, in wire order from 1.
constexpr std::array<std::string_view, 18> error_status_names = {"tooBig",
                                                                 "noSuchName",
                                                                 "badValue",
                                                                 "readOnly",
                                                                 "genErr",
                                                                 "noAccess",
                                                                 "wrongType",
                                                                 "wrongLength",
                                                                 "wrongEncoding",
                                                                 "wrongValue",
                                                                 "noCreation",
                                                                 "inconsistentValue",
                                                                 "resourceUnavailable",
                                                                 "commitFailed",
                                                                 "undoFailed",
                                                                 "authorizationError",
                                                                 "notWritable",
                                                                 "inconsistentName"};

}  // namespace

std::optional<errc> parse_error_status(std::string_view text) {
  if (equals_ignoring_ascii_case(text, "none")) return errc{};
  int number = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (!text.empty() && ec == std::errc{} && end == text.data() + text.size()) {
    if (number == 0) return errc{};
    if (snmp::is_error_status(static_cast<errc>(number))) return static_cast<errc>(number);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < error_status_names.size(); ++i) {
    if (equals_ignoring_ascii_case(text, error_status_names[i])) return static_cast<errc>(i + 1);
  }
  return std::nullopt;
}

std::string_view error_status_name(errc status) {
  if (status == errc{}) return "none";
  if (!snmp::is_error_status(status)) return "unknown";
  return error_status_names[static_cast<std::size_t>(status) - 1];
}

bool drop_dice::roll(std::uint32_t percent) noexcept {
  // splitmix64 (Steele, Lea, Flood 2014): every seed, 0 included, gives a good sequence.
  state_ += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z % 100 < percent;
}

std::shared_ptr<simulator> simulator::create(asio::any_io_executor executor,
                                             simulator_options options) {
  if (options.outlets < 1 || options.outlets > max_outlets) {
    throw std::invalid_argument("outlets must be 1.." + std::to_string(max_outlets));
  }
  if (options.banks > max_banks || options.banks > options.outlets) {
    throw std::invalid_argument("banks must be 0.." + std::to_string(max_banks) +
                                " and not more than the outlets");
  }
  using ms = std::chrono::milliseconds;
  if (options.apply_delay < ms::zero() || options.reboot_off_time < ms::zero() ||
      options.delayed_on_time < ms::zero() || options.delayed_off_time < ms::zero()) {
    throw std::invalid_argument("delays must not be negative");
  }
  validate(options);
  validate(options.faults);
  std::shared_ptr<simulator> self(new simulator(std::move(executor), std::move(options)));
  self->build();
  return self;
}

simulator::simulator(asio::any_io_executor executor, simulator_options options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      started_(options_.clock ? options_.clock() : std::chrono::steady_clock::now()),
      energy_at_(started_),
      dice_(options_.faults.drop_seed) {
  const std::size_t n = options_.outlets;
  outlets_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& o = outlets_[i];
    o.name = "Outlet" + std::to_string(i + 1);
    o.bank = options_.banks == 0 ? 0 : i * options_.banks / n + 1;
    // Without banks the outlets are split over the phases the way they are over banks.
    o.phase = o.bank != 0 ? phase_of_bank(o.bank) : i * phases() / n + 1;
    o.current_a = i < options_.outlet_current_a.size() ? options_.outlet_current_a[i]
                                                       : options_.default_current_a;
    // Each outlet's meter holds its share, so the sums over banks, phases and the device
    // start at the configured total.
    o.energy_kwh = options_.start_energy_kwh / static_cast<double>(n);
    o.timer = std::make_unique<asio::steady_timer>(executor_);
  }
}

simulator::~simulator() = default;

void simulator::stop() {
  for (auto& o : outlets_) {
    ++o.generation;
    o.pending = false;
    o.timer->cancel();
  }
}

void simulator::add_scalar(const oid& name, std::function<value()> read,
                           std::function<errc(const value&, bool)> write) {
  oid object(std::vector<std::uint32_t>(name.arcs().begin(), name.arcs().end() - 1));
  objects_.insert(std::move(object));
  auto& e = entries_[name];
  e = entry{std::move(read), std::move(write)};
  index_[name] = &e;
}

void simulator::add_cell(const oid& column, std::uint32_t row, std::function<value()> read,
                         std::function<errc(const value&, bool)> write) {
  objects_.insert(column);
  auto name = column.child(row);
  auto& e = entries_[name];
  e = entry{std::move(read), std::move(write)};
  index_[std::move(name)] = &e;
}

void simulator::build() {
  const auto& o = options_;
  const auto n = static_cast<std::int32_t>(o.outlets);
  const auto banks = static_cast<std::int32_t>(o.banks);

  add_scalar(cp::system::descr, [] { return value{std::string("CPS Power Distributed Unit")}; });
  add_scalar(cp::system::object_id, [] { return value{cp::epdu2}; });
  add_scalar(cp::system::up_time, [this] {
    const auto elapsed = now() - started_;
    const auto ticks = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 10;
    return value{snmp::time_ticks{static_cast<std::uint32_t>(ticks)}};
  });
  // sysContact, sysName and sysLocation are read-write in MIB-II (RFC 1213).
  auto sys_contact = std::make_shared<std::string>(o.contact);
  auto sys_name = std::make_shared<std::string>(o.name);
  auto sys_location = std::make_shared<std::string>(o.location);
  add_scalar(
      cp::system::contact, [sys_contact] { return value{*sys_contact}; },
      string_writer(*sys_contact, max_sys_string, "sysContact"));
  add_scalar(
      cp::system::name, [sys_name] { return value{*sys_name}; },
      string_writer(*sys_name, max_sys_string, "sysName"));
  add_scalar(
      cp::system::location, [sys_location] { return value{*sys_location}; },
      string_writer(*sys_location, max_sys_string, "sysLocation"));

  add_scalar(
      cp::ident::name, [this] { return value{options_.name}; },
      string_writer(options_.name, max_name_length, "PDU name"));
  add_scalar(cp::ident::hardware_rev, [this] { return value{options_.hardware}; });
  add_scalar(cp::ident::firmware_rev, [this] { return value{options_.firmware}; });
  add_scalar(cp::ident::manufacture_date, [this] { return value{options_.manufacture_date}; });
  add_scalar(cp::ident::model, [this] { return value{options_.model}; });
  add_scalar(cp::ident::serial, [this] { return value{options_.serial}; });
  add_scalar(cp::ident::device_rating_a, [this] { return integer(options_.rating_a); });
  add_scalar(cp::ident::num_outlets, [n] { return integer(n); });
  const auto phase_count = static_cast<std::int64_t>(phases());
  add_scalar(cp::ident::num_phases, [phase_count] { return integer(phase_count); });
  add_scalar(extra::ident_num_breakers, [] { return integer(0); });

  add_scalar(cp::load::num_phases, [phase_count] { return integer(phase_count); });
  add_scalar(extra::load_max_bank_load, [this] { return integer(options_.rating_a); });
  add_scalar(cp::counts::banks, [banks] { return integer(banks); });
  add_scalar(cp::counts::controlled_outlets, [n] { return integer(n); });
  add_scalar(extra::total_outlets, [n] { return integer(n); });

  for (std::size_t i = 0; i < o.outlets; ++i) {
    const auto row = static_cast<std::uint32_t>(i + 1);
    const outlet& out = outlets_[i];
    auto name = [&out] { return value{out.name}; };
    auto state = [&out] { return integer(static_cast<std::int32_t>(out.state)); };
    auto bank = [&out] { return integer(static_cast<std::int64_t>(out.bank)); };
    auto index = [row] { return integer(row); };
    auto phase = [&out] { return integer(static_cast<std::int64_t>(out.phase)); };

    add_cell(extra::control_index, row, index);
    if (!o.without_outlet_names.control) add_cell(cp::outlet::control_name, row, name);
    add_cell(extra::control_phase, row, phase);
    // A GET of the command column reads the state (walk of a PDU44005, fw 1.3.2).
    add_cell(cp::outlet::command, row, state,
             [this, i](const value& v, bool apply) { return outlet_command(i, v, apply); });
    add_cell(extra::control_bank, row, bank);

    add_cell(extra::config_index, row, index);
    if (!o.without_outlet_names.config) {
      add_cell(cp::outlet::config_name, row, name, [this, i](const value& v, bool apply) {
        if (const errc e = check_display_string(v, max_name_length); e != errc{}) {
          return e;
        }
        if (apply) {
          spdlog::info("simulated PDU: outlet {} renamed \"{}\" -> \"{}\" from {}", i + 1,
                       outlets_[i].name, std::get<std::string>(v), request_source_);
          outlets_[i].name = std::get<std::string>(v);
        }
        return errc{};
      });
    }
    add_cell(extra::config_phase, row, phase);
    add_cell(extra::config_power_on_time, row,
             [this] { return seconds(options_.delayed_on_time); });
    add_cell(extra::config_power_off_time, row,
             [this] { return seconds(options_.delayed_off_time); });
    add_cell(extra::config_reboot_duration, row,
             [this] { return seconds(options_.reboot_off_time); });

    add_cell(extra::status_index, row, index);
    if (!o.without_outlet_names.status) add_cell(cp::outlet::status_name, row, name);
    add_cell(extra::status_phase, row, phase);
    add_cell(cp::outlet::state, row, state);
    add_cell(cp::outlet::command_pending, row, [&out] { return integer(out.pending ? 1 : 2); });
    add_cell(cp::outlet::bank, row, bank);
  }

  add_scalar(cp::table_size::bank, [banks] { return integer(banks); });
  // The bank table exists in the MIB even without rows: a GET there is noSuchInstance.
  for (const auto* column : {&extra::bank_index, &extra::bank_module_index, &extra::bank_number,
                             &cp::bank::load_state, &cp::bank::load}) {
    objects_.insert(*column);
  }
  for (std::size_t b = 1; b <= o.banks; ++b) {
    const auto row = static_cast<std::uint32_t>(b);
    add_cell(extra::bank_index, row, [row] { return integer(row); });
    add_cell(extra::bank_module_index, row, [] { return integer(1); });
    add_cell(extra::bank_number, row, [row] { return integer(row); });
    add_cell(cp::bank::load_state, row, [this, b] {
      const auto rating = static_cast<std::uint32_t>(std::max(options_.rating_a, 0)) * 10;
      return integer(load_state(bank_load_deciamps(b), rating));
    });
    add_cell(cp::bank::load, row,
             [this, b] { return value{snmp::gauge32{bank_load_deciamps(b)}}; });
  }

  build_outlet_device();
  build_load_tables();
  build_metering();
  if (o.family == family::ats) {
    build_ats();
    build_envirosensor();
  }
  build_test_oids();
}

void simulator::build_test_oids() {
  auto counter = [](std::uint64_t v) {
    return value{
        snmp::counter32{static_cast<std::uint32_t>(v)}};  // Counter32 wraps (RFC 2578 7.1.6)
  };
  add_scalar(test_oids::sets_accepted, [this, counter] { return counter(sets_accepted_); });
  add_scalar(test_oids::sets_received, [this, counter] { return counter(sets_received()); });
  add_scalar(test_oids::requests_dropped, [this, counter] {
    if (!agent_counters_) return counter(0);
    const auto& c = *agent_counters_;
    return counter(c.bad_community + c.undecodable + c.too_many_varbinds);
  });
  add_scalar(test_oids::requests_received, [this, counter] {
    return counter((agent_counters_ ? agent_counters_->requests : 0) + requests_lost_);
  });
  add_scalar(test_oids::requests_lost, [this, counter] { return counter(requests_lost_); });
  add_scalar(test_oids::set_responses_dropped,
             [this, counter] { return counter(set_responses_dropped_); });
  add_scalar(test_oids::responses_delayed, [this, counter] { return counter(responses_delayed_); });
  add_scalar(test_oids::sets_failed, [this, counter] { return counter(sets_failed_); });

  auto& f = options_.faults;
  add_knob(
      test_oids::response_delay_ms, "response_delay_ms", fault_options::max_response_delay.count(),
      [&f] { return f.response_delay.count(); },
      [&f](std::int32_t v) { f.response_delay = std::chrono::milliseconds(v); });
  add_knob(
      test_oids::drop_percent, "drop_percent", 100, [&f] { return f.drop_percent; },
      [&f](std::int32_t v) { f.drop_percent = static_cast<std::uint32_t>(v); });
  add_knob(
      test_oids::drop_set_responses, "drop_set_responses", 1,
      [&f] { return f.drop_set_responses ? 1 : 0; },
      [&f](std::int32_t v) { f.drop_set_responses = v != 0; });
  add_knob(
      test_oids::drop_seed, "drop_seed", fault_options::max_drop_seed, [&f] { return f.drop_seed; },
      [this, &f](std::int32_t v) {
        f.drop_seed = static_cast<std::uint32_t>(v);
        dice_ = drop_dice(f.drop_seed);
      });
  add_knob(
      test_oids::fail_sets_with, "fail_sets_with", 18,
      [&f] { return static_cast<std::int64_t>(f.fail_sets_with); },
      [&f](std::int32_t v) { f.fail_sets_with = static_cast<errc>(v); });
  add_knob(
      test_oids::drop_next, "drop_next", fault_options::max_drop_next, [&f] { return f.drop_next; },
      [&f](std::int32_t v) { f.drop_next = static_cast<std::uint32_t>(v); });
  // Losing input A moves an ATS to B, whose voltage then feeds the outlets: the meter counts
  // up to that moment at the old power.
  add_knob(
      test_oids::ats_source_a_lost, "ats_source_a_lost", 1,
      [&f] { return f.ats_source_a_lost ? 1 : 0; },
      [this, &f](std::int32_t v) {
        accrue();
        f.ats_source_a_lost = v != 0;
      });
  add_knob(
      test_oids::contacts_abnormal, "contacts_abnormal", fault_options::max_contacts_abnormal,
      [&f] { return f.contacts_abnormal; },
      [&f](std::int32_t v) { f.contacts_abnormal = static_cast<std::uint32_t>(v); });
}

void simulator::add_knob(const oid& name, std::string what, std::int64_t max,
                         std::function<std::int64_t()> read,
                         std::function<void(std::int32_t)> write) {
  add_scalar(
      name, [read] { return integer(read()); },
      [this, what = std::move(what), max, write = std::move(write)](const value& v, bool apply) {
        const auto* number = std::get_if<std::int32_t>(&v);
        if (!number) return errc::wrong_type;
        if (*number < 0 || *number > max) return errc::wrong_value;
        if (apply) {
          write(*number);
          spdlog::info("simulated PDU: fault knob {} = {} from {}", what, *number, request_source_);
        }
        return errc{};
      });
}

void simulator::set_faults(const fault_options& faults) {
  validate(faults);
  accrue();  // ats_source_a_lost may change the supply voltage, so the power
  options_.faults = faults;
  dice_ = drop_dice(faults.drop_seed);
}

snmp::fault_plan simulator::plan_faults(std::span<const std::uint8_t> datagram) {
  const auto decoded = snmp::decode(datagram);
  if (decoded && !decoded->pdu.varbinds.empty() &&
      std::all_of(
          decoded->pdu.varbinds.begin(), decoded->pdu.varbinds.end(),
          [](const snmp::varbind& vb) { return vb.name.starts_with(test_oids::subtree); })) {
    return {};  // the counters and the knobs themselves: never a fault, or a test locks itself out
  }
  auto& f = options_.faults;
  if (f.drop_next > 0) {
    --f.drop_next;
    ++requests_lost_;
    spdlog::debug("simulated PDU: request from {} dropped (drop_next, {} more)", request_source_,
                  f.drop_next);
    return {.drop_request = true};
  }
  if (dice_.roll(f.drop_percent)) {
    ++requests_lost_;
    spdlog::debug("simulated PDU: request from {} dropped (drop_percent)", request_source_);
    return {.drop_request = true};
  }
  if (f.drop_set_responses && decoded && decoded->pdu.type == snmp::pdu_type::set_request &&
      decoded->community == options_.agent.write_community &&
      std::any_of(decoded->pdu.varbinds.begin(), decoded->pdu.varbinds.end(),
                  [](const snmp::varbind& vb) { return is_outlet_command(vb.name); })) {
    ++set_responses_dropped_;
    spdlog::info("simulated PDU: answer to the outlet SET from {} withheld (drop_set_responses)",
                 request_source_);
    return {.drop_reply = true};
  }
  if (f.response_delay > std::chrono::milliseconds::zero()) {
    ++responses_delayed_;
    return {.reply_delay = f.response_delay};
  }
  return {};
}

std::size_t simulator::oid_hash::operator()(const snmp::oid& o) const noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the arcs
  for (const auto arc : o.arcs()) {
    h ^= arc;
    h *= 0x100000001b3ull;
  }
  return static_cast<std::size_t>(h);
}

value simulator::get(const oid& name) const {
  if (auto it = index_.find(name); it != index_.end()) return it->second->read();
  // RFC 3416 4.2.1: noSuchInstance when the object type exists (a scalar's or column's OID is a
  // prefix of the name), noSuchObject otherwise.
  oid prefix;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    prefix.push_back(name[i]);
    if (objects_.contains(prefix)) return snmp::no_such_instance{};
  }
  return snmp::no_such_object{};
}

std::optional<snmp::varbind> simulator::get_next(const oid& name) const {
  auto it = entries_.upper_bound(name);
  if (it == entries_.end()) return std::nullopt;
  return snmp::varbind{it->first, it->second.read()};
}

simulator::set_outcome simulator::set(std::span<const snmp::varbind> varbinds) {
  ++set_calls_;
  if (const errc fail = options_.faults.fail_sets_with; fail != errc{}) {
    for (std::size_t i = 0; i < varbinds.size(); ++i) {
      if (!is_outlet_command(varbinds[i].name)) continue;
      ++sets_failed_;
      spdlog::info("simulated PDU: outlet SET from {} refused with {} (fail_sets_with)",
                   request_source_, error_status_name(fail));
      return {fail, i};
    }
  }
  // RFC 3416 4.2.5: check every varbind first, then apply all of them.
  for (std::size_t i = 0; i < varbinds.size(); ++i) {
    auto it = entries_.find(varbinds[i].name);
    // net-snmp 5.9.3 snmpd answers notWritable to a SET on an OID it does not serve; rows
    // cannot be created here, so the same holds for a missing row of a known column.
    if (it == entries_.end() || !it->second.write) return {errc::not_writable, i};
    if (const errc e = it->second.write(varbinds[i].value, false); e != errc{}) return {e, i};
  }
  for (const auto& vb : varbinds)
    entries_.at(vb.name).write(vb.value, true);
  ++sets_accepted_;
  return {};
}

std::uint64_t simulator::sets_received() const noexcept {
  if (agent_counters_) return agent_counters_->sets_accepted + agent_counters_->sets_refused;
  return set_calls_;
}

errc simulator::outlet_command(std::size_t index, const value& v, bool apply) {
  const auto* number = std::get_if<std::int32_t>(&v);
  if (!number) return errc::wrong_type;
  if (*number < static_cast<std::int32_t>(cp::outlet_command::immediate_on) ||
      *number > static_cast<std::int32_t>(cp::outlet_command::identify)) {
    return errc::wrong_value;
  }
  const auto command = static_cast<cp::outlet_command>(*number);
  if (apply) {
    spdlog::info("simulated PDU: SET outlet {} command {} ({}) from {}", index + 1,
                 command_name(command), *number, request_source_);
    run_command(index, command);
  }
  return errc{};
}

void simulator::run_command(std::size_t index, cp::outlet_command command) {
  using cp::outlet_command;
  using cp::outlet_state;
  auto reboot_from_off = [this, index] {
    switch_outlet(index, outlet_state::off, false);
    schedule(index, options_.reboot_off_time,
             [this, index] { switch_outlet(index, outlet_state::on, true); });
  };
  switch (command) {
    case outlet_command::immediate_on:
      schedule(index, options_.apply_delay,
               [this, index] { switch_outlet(index, outlet_state::on, true); });
      break;
    case outlet_command::immediate_off:
      schedule(index, options_.apply_delay,
               [this, index] { switch_outlet(index, outlet_state::off, true); });
      break;
    case outlet_command::immediate_reboot:
      schedule(index, options_.apply_delay, reboot_from_off);
      break;
    case outlet_command::delayed_on:
      schedule(index, options_.delayed_on_time,
               [this, index] { switch_outlet(index, outlet_state::on, true); });
      break;
    case outlet_command::delayed_off:
      schedule(index, options_.delayed_off_time,
               [this, index] { switch_outlet(index, outlet_state::off, true); });
      break;
    case outlet_command::delayed_reboot:
      schedule(index, options_.delayed_off_time, reboot_from_off);
      break;
    case outlet_command::cancel_pending: {
      auto& o = outlets_[index];
      ++o.generation;
      o.pending = false;
      o.timer->cancel();
      break;
    }
    case outlet_command::identify:
      // The real unit shows the outlet number on its display; nothing to change here.
      break;
  }
}

void simulator::schedule(std::size_t index, std::chrono::milliseconds after,
                         std::function<void()> then) {
  auto& o = outlets_[index];
  const auto generation = ++o.generation;
  o.pending = true;
  if (after <= std::chrono::milliseconds::zero()) {
    o.timer->cancel();
    then();
    return;
  }
  o.timer->expires_after(after);
  // A weak reference: a completion already queued when the simulator goes away must not run.
  o.timer->async_wait(
      [weak = weak_from_this(), index, generation, then = std::move(then)](std::error_code ec) {
        if (ec) return;
        auto self = weak.lock();
        if (!self || self->outlets_[index].generation != generation) return;
        then();
      });
}

void simulator::switch_outlet(std::size_t index, cp::outlet_state state, bool done) {
  accrue();
  auto& o = outlets_[index];
  if (o.state != state) {
    spdlog::info("simulated PDU: outlet {} is now {}", index + 1,
                 state == cp::outlet_state::on ? "on" : "off");
  }
  o.state = state;
  if (done) o.pending = false;
}

const simulator::outlet& simulator::at(std::size_t number) const {
  if (number < 1 || number > outlets_.size()) throw std::out_of_range("no such outlet");
  return outlets_[number - 1];
}

cp::outlet_state simulator::state_of(std::size_t outlet) const {
  return at(outlet).state;
}

bool simulator::command_pending(std::size_t outlet) const {
  return at(outlet).pending;
}

const std::string& simulator::name_of(std::size_t outlet) const {
  return at(outlet).name;
}

std::size_t simulator::bank_of(std::size_t outlet) const {
  return at(outlet).bank;
}

std::uint32_t simulator::bank_load_deciamps(std::size_t bank) const {
  double sum_a = 0;
  for (const auto& o : outlets_) {
    if (o.bank == bank && o.state == cp::outlet_state::on) sum_a += o.current_a;
  }
  return static_cast<std::uint32_t>(std::lround(std::max(sum_a, 0.0) * 10));
}

}  // namespace pdu2mqtt::sim
