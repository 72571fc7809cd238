// The simulated CyberPower PDU as a MIB (counts, walk order, derived bank load, delayed
// commands on the io_context, SET errors and counters) and served by udp_agent in-process.
#include "pdu2mqtt/sim/simulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"

namespace pdu2mqtt::sim {
namespace {

namespace cp = cyberpower;
using namespace std::chrono_literals;
using snmp::errc;
using snmp::oid;
using snmp::value;
using snmp::varbind;

// Runs the io_context in short slices until pred holds; false after limit.
bool run_until(asio::io_context& io, const std::function<bool()>& pred,
               std::chrono::milliseconds limit = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(2ms);
  }
  return true;
}

std::int64_t number(const value& v) {
  auto n = snmp::as_integer(v);
  EXPECT_TRUE(n.has_value()) << snmp::type_name(v);
  return n.value_or(-1);
}

class simulator_test : public ::testing::Test {
 protected:
  std::shared_ptr<simulator> make(simulator_options o = {}) {
    sim_ = simulator::create(io_.get_executor(), std::move(o));
    return sim_;
  }
  simulator::set_outcome set_command(std::size_t outlet, std::int32_t command) {
    const varbind vb{cp::outlet::command.child(static_cast<std::uint32_t>(outlet)), command};
    return sim_->set(std::span(&vb, 1));
  }
  std::int64_t read(const oid& name) { return number(sim_->get(name)); }

  asio::io_context io_;
  std::shared_ptr<simulator> sim_;
};

TEST_F(simulator_test, serves_identity_and_counts) {
  make();
  EXPECT_EQ(sim_->get(cp::system::descr), value{std::string("CPS Power Distributed Unit")});
  EXPECT_EQ(sim_->get(cp::system::object_id), value{cp::epdu2});
  EXPECT_TRUE(std::holds_alternative<snmp::time_ticks>(sim_->get(cp::system::up_time)));
  EXPECT_EQ(sim_->get(cp::ident::model), value{std::string("PDU41004")});
  EXPECT_EQ(sim_->get(cp::ident::serial), value{std::string("SIM000000001")});
  EXPECT_EQ(sim_->get(cp::ident::firmware_rev), value{std::string("1.3.2")});
  EXPECT_EQ(sim_->get(cp::ident::hardware_rev), value{std::string("1.1")});
  EXPECT_EQ(read(cp::ident::num_outlets), 8);
  EXPECT_EQ(read(cp::ident::num_phases), 1);
  EXPECT_EQ(read(cp::ident::device_rating_a), 15);
  EXPECT_EQ(read(cp::counts::controlled_outlets), 8);
  EXPECT_EQ(read(cp::counts::banks), 2);
  EXPECT_EQ(sim_->get(cp::outlet::config_name.child(3)), value{std::string("Outlet3")});
  EXPECT_EQ(read(cp::outlet::state.child(8)), 1);
  EXPECT_EQ(read(cp::outlet::command.child(8)), 1);
  EXPECT_EQ(read(cp::outlet::command_pending.child(8)), 2);
}

TEST_F(simulator_test, missing_rows_and_objects_are_told_apart) {
  make();
  EXPECT_EQ(sim_->get(cp::outlet::state.child(9)), value{snmp::no_such_instance{}});
  EXPECT_EQ(sim_->get(cp::bank::load.child(3)), value{snmp::no_such_instance{}});
  EXPECT_EQ(sim_->get(cp::epdu.child({3, 5, 1, 1, 99, 1})), value{snmp::no_such_object{}});
  EXPECT_EQ(sim_->get(cp::ident::model.child(0)), value{snmp::no_such_instance{}});
}

TEST_F(simulator_test, walk_is_ordered_and_has_a_row_per_outlet) {
  make();
  std::size_t state_rows = 0;
  std::size_t total = 0;
  oid cursor{1};
  while (auto next = sim_->get_next(cursor)) {
    ASSERT_LT(cursor, next->name);
    ASSERT_FALSE(snmp::is_exception(next->value));
    if (next->name.starts_with(cp::outlet::state)) ++state_rows;
    cursor = next->name;
    ++total;
  }
  EXPECT_EQ(state_rows, 8u);
  EXPECT_GT(total, 100u);
}

TEST_F(simulator_test, outlets_are_split_evenly_across_banks) {
  simulator_options o;
  o.outlets = 10;
  o.banks = 3;
  make(o);
  const std::vector<std::size_t> expected{1, 1, 1, 1, 2, 2, 2, 3, 3, 3};
  for (std::size_t i = 1; i <= 10; ++i) {
    EXPECT_EQ(sim_->bank_of(i), expected[i - 1]) << "outlet " << i;
    EXPECT_EQ(read(cp::outlet::bank.child(static_cast<std::uint32_t>(i))),
              static_cast<std::int64_t>(expected[i - 1]));
  }
}

TEST_F(simulator_test, bank_load_is_the_sum_of_the_outlets_that_are_on) {
  simulator_options o;
  o.outlet_current_a = {1.0, 0.5, 0.2, 0.3, 2.0};
  o.default_current_a = 0.1;
  o.apply_delay = 0ms;
  make(o);
  EXPECT_EQ(sim_->get(cp::bank::load.child(1)), value{snmp::gauge32{20}});  // 1.0+0.5+0.2+0.3
  EXPECT_EQ(sim_->get(cp::bank::load.child(2)), value{snmp::gauge32{23}});  // 2.0+0.1*3
  EXPECT_EQ(read(cp::bank::load_state.child(1)), 1);

  ASSERT_EQ(set_command(1, 2).status, errc{});
  EXPECT_EQ(sim_->get(cp::bank::load.child(1)), value{snmp::gauge32{10}});
  EXPECT_EQ(sim_->get(cp::bank::load.child(2)), value{snmp::gauge32{23}});
}

TEST_F(simulator_test, off_takes_effect_after_the_apply_delay) {
  simulator_options o;
  o.apply_delay = 50ms;
  make(o);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(set_command(3, 2).status, errc{});
  EXPECT_EQ(read(cp::outlet::state.child(3)), 1);
  EXPECT_EQ(read(cp::outlet::command_pending.child(3)), 1);
  ASSERT_TRUE(run_until(io_, [&] { return read(cp::outlet::state.child(3)) == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
  EXPECT_EQ(read(cp::outlet::command_pending.child(3)), 2);
  EXPECT_EQ(read(cp::outlet::command.child(3)), 2);  // a GET of the command reads the state
  EXPECT_EQ(read(cp::outlet::state.child(4)), 1);
}

TEST_F(simulator_test, zero_apply_delay_switches_at_once) {
  simulator_options o;
  o.apply_delay = 0ms;
  make(o);
  ASSERT_EQ(set_command(1, 2).status, errc{});
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::off);
  EXPECT_FALSE(sim_->command_pending(1));
  ASSERT_EQ(set_command(1, 1).status, errc{});
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::on);
}

TEST_F(simulator_test, reboot_goes_off_then_on_and_stays_pending_throughout) {
  simulator_options o;
  o.apply_delay = 10ms;
  o.reboot_off_time = 60ms;
  make(o);
  ASSERT_EQ(set_command(2, 3).status, errc{});
  ASSERT_TRUE(run_until(io_, [&] { return sim_->state_of(2) == cp::outlet_state::off; }));
  const auto off_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(sim_->command_pending(2));
  ASSERT_TRUE(run_until(io_, [&] { return sim_->state_of(2) == cp::outlet_state::on; }));
  EXPECT_GE(std::chrono::steady_clock::now() - off_at, 50ms);
  EXPECT_FALSE(sim_->command_pending(2));
}

TEST_F(simulator_test, cancel_drops_a_pending_command) {
  simulator_options o;
  o.delayed_off_time = 40ms;
  make(o);
  ASSERT_EQ(set_command(4, 5).status, errc{});  // delayedOff
  EXPECT_TRUE(sim_->command_pending(4));
  ASSERT_EQ(set_command(4, 7).status, errc{});  // cancelPendingCommand
  EXPECT_FALSE(sim_->command_pending(4));
  io_.run_for(100ms);
  EXPECT_EQ(sim_->state_of(4), cp::outlet_state::on);
}

TEST_F(simulator_test, a_later_command_replaces_a_pending_one) {
  simulator_options o;
  o.apply_delay = 30ms;
  make(o);
  ASSERT_EQ(set_command(5, 2).status, errc{});
  ASSERT_EQ(set_command(5, 1).status, errc{});
  io_.run_for(100ms);
  EXPECT_EQ(sim_->state_of(5), cp::outlet_state::on);
  EXPECT_FALSE(sim_->command_pending(5));
}

TEST_F(simulator_test, identify_is_accepted_and_changes_nothing) {
  make();
  ASSERT_EQ(set_command(1, 8).status, errc{});
  EXPECT_FALSE(sim_->command_pending(1));
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::on);
}

TEST_F(simulator_test, bad_sets_are_refused_and_change_nothing) {
  simulator_options o;
  o.apply_delay = 0ms;
  make(o);
  EXPECT_EQ(set_command(1, 9).status, errc::wrong_value);
  EXPECT_EQ(set_command(1, 0).status, errc::wrong_value);

  const varbind as_string{cp::outlet::command.child(1), std::string("off")};
  EXPECT_EQ(sim_->set(std::span(&as_string, 1)).status, errc::wrong_type);
  const varbind read_only{cp::outlet::state.child(1), std::int32_t{2}};
  EXPECT_EQ(sim_->set(std::span(&read_only, 1)).status, errc::not_writable);
  const varbind unknown{oid{1, 3, 6, 1, 4, 1, 12345, 1, 0}, std::int32_t{2}};
  EXPECT_EQ(sim_->set(std::span(&unknown, 1)).status, errc::not_writable);
  const varbind no_row{cp::outlet::command.child(9), std::int32_t{2}};
  EXPECT_EQ(sim_->set(std::span(&no_row, 1)).status, errc::not_writable);

  // All or nothing: a good first varbind is not applied when the second is bad.
  const std::vector<varbind> mixed{{cp::outlet::command.child(1), std::int32_t{2}},
                                   {cp::outlet::command.child(2), std::int32_t{42}}};
  const auto outcome = sim_->set(mixed);
  EXPECT_EQ(outcome.status, errc::wrong_value);
  EXPECT_EQ(outcome.index, 1u);
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::on);
  EXPECT_EQ(sim_->sets_accepted(), 0u);
}

TEST_F(simulator_test, renaming_an_outlet_shows_in_every_name_column) {
  make();
  const varbind rename{cp::outlet::config_name.child(2), std::string("NAS")};
  ASSERT_EQ(sim_->set(std::span(&rename, 1)).status, errc{});
  EXPECT_EQ(sim_->get(cp::outlet::control_name.child(2)), value{std::string("NAS")});
  EXPECT_EQ(sim_->get(cp::outlet::config_name.child(2)), value{std::string("NAS")});
  EXPECT_EQ(sim_->name_of(2), "NAS");

  const varbind too_long{cp::outlet::config_name.child(2), std::string(40, 'n')};
  EXPECT_EQ(sim_->set(std::span(&too_long, 1)).status, errc::wrong_length);
  const varbind read_only{cp::outlet::control_name.child(2), std::string("x")};
  EXPECT_EQ(sim_->set(std::span(&read_only, 1)).status, errc::not_writable);
}

TEST_F(simulator_test, a_unit_without_the_config_name_column_keeps_the_read_only_copies) {
  simulator_options o;
  o.without_outlet_names.config = true;
  make(o);
  EXPECT_EQ(sim_->get(cp::outlet::config_name.child(2)), value{snmp::no_such_object{}});
  EXPECT_EQ(sim_->get(cp::outlet::control_name.child(2)), value{std::string("Outlet2")});
  EXPECT_EQ(sim_->get(cp::outlet::status_name.child(2)), value{std::string("Outlet2")});
  const varbind rename{cp::outlet::config_name.child(2), std::string("NAS")};
  EXPECT_NE(sim_->set(std::span(&rename, 1)).status, errc{});
  EXPECT_EQ(sim_->name_of(2), "Outlet2");

  o.without_outlet_names.control = true;
  make(o);
  EXPECT_EQ(sim_->get(cp::outlet::control_name.child(2)), value{snmp::no_such_object{}});
  EXPECT_EQ(sim_->get(cp::outlet::status_name.child(2)), value{std::string("Outlet2")});
}

TEST_F(simulator_test, set_counters_are_readable_over_snmp) {
  simulator_options o;
  o.apply_delay = 0ms;
  make(o);
  EXPECT_EQ(sim_->get(test_oids::sets_accepted), value{snmp::counter32{0}});
  ASSERT_EQ(set_command(1, 2).status, errc{});
  EXPECT_NE(set_command(1, 99).status, errc{});
  EXPECT_EQ(sim_->get(test_oids::sets_accepted), value{snmp::counter32{1}});
  EXPECT_EQ(sim_->get(test_oids::sets_received), value{snmp::counter32{2}});

  snmp::agent_counters counters;
  counters.sets_accepted = 1;
  counters.sets_refused = 5;
  counters.requests = 30;
  counters.bad_community = 2;
  counters.too_many_varbinds = 1;
  sim_->attach_agent_counters(&counters);
  EXPECT_EQ(sim_->get(test_oids::sets_received), value{snmp::counter32{6}});
  EXPECT_EQ(sim_->get(test_oids::requests_received), value{snmp::counter32{30}});
  EXPECT_EQ(sim_->get(test_oids::requests_dropped), value{snmp::counter32{3}});
  sim_->attach_agent_counters(nullptr);
}

TEST_F(simulator_test, rejects_impossible_options) {
  simulator_options o;
  o.outlets = 0;
  EXPECT_THROW(make(o), std::invalid_argument);
  o.outlets = 97;
  EXPECT_THROW(make(o), std::invalid_argument);
  o.outlets = 4;
  o.banks = 5;
  EXPECT_THROW(make(o), std::invalid_argument);
  o.banks = 0;
  make(o);
  EXPECT_EQ(read(cp::counts::banks), 0);
  EXPECT_EQ(sim_->get(cp::bank::load.child(1)), value{snmp::no_such_instance{}});
}

TEST_F(simulator_test, pending_timers_do_not_outlive_the_simulator) {
  simulator_options o;
  o.apply_delay = 5ms;
  make(o);
  ASSERT_EQ(set_command(1, 2).status, errc{});
  std::this_thread::sleep_for(10ms);
  sim_.reset();
  io_.run_for(20ms);  // the queued completion must find nothing to touch
  SUCCEED();
}

std::vector<std::uint8_t> datagram(snmp::pdu_type type, std::vector<varbind> varbinds,
                                   std::string community = "private") {
  snmp::message m;
  m.community = std::move(community);
  m.pdu.type = type;
  m.pdu.request_id = 1;
  m.pdu.varbinds = std::move(varbinds);
  return snmp::encode(m);
}

std::vector<std::uint8_t> get_of(const oid& name) {
  return datagram(snmp::pdu_type::get_request, {{name, snmp::null_value{}}}, "public");
}

std::vector<std::uint8_t> outlet_set(std::uint32_t outlet, std::int32_t command,
                                     std::string community = "private") {
  return datagram(snmp::pdu_type::set_request, {{cp::outlet::command.child(outlet), command}},
                  std::move(community));
}

std::vector<bool> rolls(std::uint64_t seed, std::uint32_t percent, std::size_t n) {
  drop_dice dice(seed);
  std::vector<bool> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(dice.roll(percent));
  return out;
}

TEST(drop_dice, the_same_seed_gives_the_same_drops) {
  EXPECT_EQ(rolls(1, 30, 1000), rolls(1, 30, 1000));
  EXPECT_EQ(rolls(0, 50, 1000), rolls(0, 50, 1000));
  EXPECT_NE(rolls(1, 30, 1000), rolls(2, 30, 1000));
}

TEST(drop_dice, the_share_of_drops_follows_the_percent) {
  const auto count = [](const std::vector<bool>& v) {
    return std::count(v.begin(), v.end(), true);
  };
  EXPECT_EQ(count(rolls(7, 0, 1000)), 0);
  EXPECT_EQ(count(rolls(7, 100, 1000)), 1000);
  EXPECT_EQ(count(rolls(7, 250, 10)), 10);
  const auto half = count(rolls(7, 50, 1000));
  EXPECT_GT(half, 400);
  EXPECT_LT(half, 600);
  const auto tenth = count(rolls(12345, 10, 1000));
  EXPECT_GT(tenth, 50);
  EXPECT_LT(tenth, 150);
}

TEST(error_status_names, parse_names_numbers_and_none) {
  EXPECT_EQ(parse_error_status("genErr"), errc::gen_err);
  EXPECT_EQ(parse_error_status("generr"), errc::gen_err);
  EXPECT_EQ(parse_error_status("5"), errc::gen_err);
  EXPECT_EQ(parse_error_status("resourceUnavailable"), errc::resource_unavailable);
  EXPECT_EQ(parse_error_status("inconsistentName"), errc::inconsistent_name);
  EXPECT_EQ(parse_error_status("tooBig"), errc::too_big);
  EXPECT_EQ(parse_error_status("none"), errc{});
  EXPECT_EQ(parse_error_status("0"), errc{});
  EXPECT_EQ(parse_error_status("19"), std::nullopt);
  EXPECT_EQ(parse_error_status("-1"), std::nullopt);
  EXPECT_EQ(parse_error_status(""), std::nullopt);
  EXPECT_EQ(parse_error_status("timeout"), std::nullopt);
  EXPECT_EQ(parse_error_status("5x"), std::nullopt);
  EXPECT_EQ(error_status_name(errc::gen_err), "genErr");
  EXPECT_EQ(error_status_name(errc::not_writable), "notWritable");
  EXPECT_EQ(error_status_name(errc{}), "none");
  for (int i = 1; i <= 18; ++i) {
    const auto e = static_cast<errc>(i);
    EXPECT_EQ(parse_error_status(error_status_name(e)), e) << i;
  }
}

TEST_F(simulator_test, fault_knobs_read_and_write_through_the_mib) {
  simulator_options o;
  o.faults.response_delay = 250ms;
  o.faults.drop_seed = 9;
  make(o);
  EXPECT_EQ(read(test_oids::response_delay_ms), 250);
  EXPECT_EQ(read(test_oids::drop_percent), 0);
  EXPECT_EQ(read(test_oids::drop_set_responses), 0);
  EXPECT_EQ(read(test_oids::drop_seed), 9);
  EXPECT_EQ(read(test_oids::fail_sets_with), 0);
  EXPECT_EQ(read(test_oids::drop_next), 0);

  const std::vector<varbind> all{{test_oids::response_delay_ms, std::int32_t{1200}},
                                 {test_oids::drop_percent, std::int32_t{100}},
                                 {test_oids::drop_set_responses, std::int32_t{1}},
                                 {test_oids::drop_seed, std::int32_t{2147483647}},
                                 {test_oids::fail_sets_with, std::int32_t{5}},
                                 {test_oids::drop_next, std::int32_t{3}}};
  ASSERT_EQ(sim_->set(all).status, errc{});
  EXPECT_EQ(sim_->faults().response_delay, 1200ms);
  EXPECT_EQ(sim_->faults().drop_percent, 100u);
  EXPECT_TRUE(sim_->faults().drop_set_responses);
  EXPECT_EQ(sim_->faults().drop_seed, 2147483647u);
  EXPECT_EQ(sim_->faults().fail_sets_with, errc::gen_err);
  EXPECT_EQ(sim_->faults().drop_next, 3u);
  EXPECT_EQ(read(test_oids::fail_sets_with), 5);
  EXPECT_EQ(read(test_oids::drop_next), 3);

  // Out of range, negative or not an INTEGER: refused, and nothing in the SET applied.
  const auto refused = [&](const oid& knob, value v, errc expected) {
    const std::vector<varbind> vbs{{test_oids::drop_percent, std::int32_t{0}}, {knob, v}};
    const auto outcome = sim_->set(vbs);
    EXPECT_EQ(outcome.status, expected) << knob.to_string();
    EXPECT_EQ(outcome.index, 1u);
  };
  refused(test_oids::drop_percent, std::int32_t{101}, errc::wrong_value);
  refused(test_oids::drop_set_responses, std::int32_t{2}, errc::wrong_value);
  refused(test_oids::response_delay_ms, std::int32_t{600001}, errc::wrong_value);
  refused(test_oids::response_delay_ms, std::int32_t{-1}, errc::wrong_value);
  refused(test_oids::fail_sets_with, std::int32_t{19}, errc::wrong_value);
  refused(test_oids::drop_next, std::int32_t{1000001}, errc::wrong_value);
  refused(test_oids::drop_seed, std::string("7"), errc::wrong_type);
  refused(test_oids::drop_percent, snmp::gauge32{5}, errc::wrong_type);
  EXPECT_EQ(sim_->faults().drop_percent, 100u);
  // The counters stay read-only.
  const varbind counter{test_oids::requests_lost, snmp::counter32{0}};
  EXPECT_EQ(sim_->set(std::span(&counter, 1)).status, errc::not_writable);
}

TEST_F(simulator_test, requests_to_the_test_subtree_are_never_faulted) {
  simulator_options o;
  o.faults.drop_percent = 100;
  o.faults.response_delay = 5000ms;
  o.faults.drop_set_responses = true;
  o.faults.fail_sets_with = errc::gen_err;
  make(o);
  EXPECT_TRUE(sim_->plan_faults(get_of(cp::system::descr)).drop_request);
  EXPECT_TRUE(sim_->plan_faults(outlet_set(1, 2)).drop_request);

  for (const auto& d :
       {get_of(test_oids::requests_lost), get_of(test_oids::drop_percent),
        datagram(snmp::pdu_type::set_request, {{test_oids::drop_percent, std::int32_t{0}},
                                               {test_oids::response_delay_ms, std::int32_t{0}}}),
        datagram(snmp::pdu_type::get_next_request, {{test_oids::subtree, snmp::null_value{}}})}) {
    const auto plan = sim_->plan_faults(d);
    EXPECT_FALSE(plan.drop_request);
    EXPECT_FALSE(plan.drop_reply);
    EXPECT_EQ(plan.reply_delay, 0ms);
  }
  // One varbind outside the subtree is enough to make it an ordinary request.
  EXPECT_TRUE(sim_->plan_faults(datagram(snmp::pdu_type::get_request,
                                         {{test_oids::drop_percent, snmp::null_value{}},
                                          {cp::system::descr, snmp::null_value{}}}))
                  .drop_request);
  EXPECT_EQ(read(test_oids::requests_lost), 3);
  EXPECT_EQ(read(test_oids::requests_received), 3) << "lost requests count as received";
}

TEST_F(simulator_test, drop_next_counts_down_before_the_percent_is_drawn) {
  simulator_options o;
  o.faults.drop_next = 2;
  o.faults.drop_percent = 30;
  o.faults.drop_seed = 4;
  make(o);
  std::vector<bool> dropped;
  for (int i = 0; i < 40; ++i)
    dropped.push_back(sim_->plan_faults(get_of(cp::system::descr)).drop_request);
  EXPECT_TRUE(dropped[0]);
  EXPECT_TRUE(dropped[1]);
  EXPECT_EQ(sim_->faults().drop_next, 0u);
  // After the two, exactly the seed's sequence: drop_next drew nothing from it.
  const auto expected = rolls(4, 30, 38);
  EXPECT_EQ(std::vector<bool>(dropped.begin() + 2, dropped.end()), expected);
  EXPECT_EQ(read(test_oids::requests_lost), 2 + std::count(expected.begin(), expected.end(), true));
}

TEST_F(simulator_test, the_same_seed_drops_the_same_requests_and_writing_it_restarts) {
  simulator_options o;
  o.faults.drop_percent = 40;
  o.faults.drop_seed = 77;
  make(o);
  const auto first_run = [&] {
    std::vector<bool> out;
    for (int i = 0; i < 50; ++i)
      out.push_back(sim_->plan_faults(get_of(cp::system::descr)).drop_request);
    return out;
  };
  const auto a = first_run();
  EXPECT_EQ(a, rolls(77, 40, 50));
  const varbind reseed{test_oids::drop_seed, std::int32_t{77}};
  ASSERT_EQ(sim_->set(std::span(&reseed, 1)).status, errc{});
  EXPECT_EQ(first_run(), a);
  // Exempt requests draw nothing: interleaving counter reads changes no decision.
  ASSERT_EQ(sim_->set(std::span(&reseed, 1)).status, errc{});
  std::vector<bool> b;
  for (int i = 0; i < 50; ++i) {
    (void)sim_->plan_faults(get_of(test_oids::requests_lost));
    b.push_back(sim_->plan_faults(get_of(cp::system::descr)).drop_request);
  }
  EXPECT_EQ(b, a);
}

TEST_F(simulator_test, drop_set_responses_withholds_only_outlet_sets_with_the_write_community) {
  simulator_options o;
  o.faults.drop_set_responses = true;
  o.faults.response_delay = 100ms;
  make(o);
  EXPECT_TRUE(sim_->plan_faults(outlet_set(3, 2)).drop_reply);
  const auto mixed =
      datagram(snmp::pdu_type::set_request, {{cp::outlet::config_name.child(1), std::string("x")},
                                             {cp::outlet::command.child(2), std::int32_t{1}}});
  EXPECT_TRUE(sim_->plan_faults(mixed).drop_reply);
  // Not an outlet command, not a SET, or the read community (refused anyway): answered late.
  for (const auto& d :
       {outlet_set(3, 2, "public"), get_of(cp::outlet::command.child(3)),
        datagram(snmp::pdu_type::set_request,
                 {{cp::outlet::config_name.child(1), std::string("x")}}),
        datagram(snmp::pdu_type::set_request, {{cp::outlet::command, std::int32_t{1}}})}) {
    const auto plan = sim_->plan_faults(d);
    EXPECT_FALSE(plan.drop_reply);
    EXPECT_FALSE(plan.drop_request);
    EXPECT_EQ(plan.reply_delay, 100ms);
  }
  // Junk is subject to faults like anything else the network brings.
  EXPECT_EQ(sim_->plan_faults(std::vector<std::uint8_t>{0x30, 0x00}).reply_delay, 100ms);
  EXPECT_EQ(read(test_oids::set_responses_dropped), 2);
  EXPECT_EQ(read(test_oids::responses_delayed), 5);
}

TEST_F(simulator_test, fail_sets_with_refuses_outlet_commands_and_nothing_else) {
  simulator_options o;
  o.apply_delay = 0ms;
  o.faults.fail_sets_with = errc::resource_unavailable;
  make(o);
  auto outcome = set_command(2, 2);
  EXPECT_EQ(outcome.status, errc::resource_unavailable);
  EXPECT_EQ(outcome.index, 0u);
  EXPECT_EQ(sim_->state_of(2), cp::outlet_state::on);
  // At the outlet command's varbind; the rename before it is not applied either.
  const std::vector<varbind> mixed{{cp::outlet::config_name.child(1), std::string("NAS")},
                                   {cp::outlet::command.child(1), std::int32_t{2}}};
  outcome = sim_->set(mixed);
  EXPECT_EQ(outcome.status, errc::resource_unavailable);
  EXPECT_EQ(outcome.index, 1u);
  EXPECT_EQ(sim_->name_of(1), "Outlet1");
  // Other SETs and the knobs still work; switching the knob off lets commands through.
  const varbind rename{cp::outlet::config_name.child(1), std::string("NAS")};
  EXPECT_EQ(sim_->set(std::span(&rename, 1)).status, errc{});
  const varbind off{test_oids::fail_sets_with, std::int32_t{0}};
  ASSERT_EQ(sim_->set(std::span(&off, 1)).status, errc{});
  EXPECT_EQ(set_command(2, 2).status, errc{});
  EXPECT_EQ(sim_->state_of(2), cp::outlet_state::off);
  EXPECT_EQ(read(test_oids::sets_failed), 2);
  EXPECT_EQ(sim_->sets_accepted(), 3u);
}

TEST_F(simulator_test, rejects_impossible_fault_options) {
  const auto with = [](auto change) {
    simulator_options o;
    change(o.faults);
    return o;
  };
  EXPECT_THROW(make(with([](fault_options& f) { f.drop_percent = 101; })), std::invalid_argument);
  EXPECT_THROW(make(with([](fault_options& f) { f.response_delay = -1ms; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](fault_options& f) { f.response_delay = 600001ms; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](fault_options& f) { f.drop_seed = 1u << 31; })), std::invalid_argument);
  EXPECT_THROW(make(with([](fault_options& f) { f.fail_sets_with = errc::timeout; })),
               std::invalid_argument);
  EXPECT_THROW(make(with([](fault_options& f) { f.drop_next = 1000001; })), std::invalid_argument);
  make();
  fault_options bad;
  bad.drop_percent = 200;
  EXPECT_THROW(sim_->set_faults(bad), std::invalid_argument);
  EXPECT_EQ(sim_->faults().drop_percent, 0u);
}

// The simulator behind udp_agent on a free loopback port, driven with raw datagrams.
class served_simulator_test : public simulator_test {
 protected:
  void SetUp() override {
    simulator_options o;
    o.apply_delay = 0ms;
    make(o);
    auto served = snmp::udp_agent::create(
        io_.get_executor(), asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0), *sim_,
        o.agent, [this](const asio::ip::udp::endpoint& peer) {
          ++observed_;
          (void)peer;
        });
    ASSERT_TRUE(served) << served.err().to_string();
    agent_ = *served;
    sim_->attach_agent_counters(&agent_->counters());
    agent_->set_fault_hook(
        [this](std::span<const std::uint8_t> datagram) { return sim_->plan_faults(datagram); });
    socket_.open(asio::ip::udp::v4());
  }
  void TearDown() override {
    if (sim_) sim_->attach_agent_counters(nullptr);
    if (agent_) agent_->close();
    io_.restart();
    io_.run_for(50ms);
  }

  std::optional<snmp::message> exchange(const snmp::message& m) {
    socket_.send_to(asio::buffer(snmp::encode(m)), agent_->local_endpoint());
    std::vector<std::uint8_t> buffer(65536);
    std::optional<std::size_t> received;
    asio::ip::udp::endpoint from;
    socket_.async_receive_from(asio::buffer(buffer), from, [&](std::error_code ec, std::size_t n) {
      if (!ec) received = n;
    });
    const bool answered = run_until(
        io_, [&] { return received.has_value(); }, 300ms);
    if (!answered) {
      socket_.cancel();
      io_.restart();
      io_.poll();
      return std::nullopt;
    }
    EXPECT_EQ(from, agent_->local_endpoint());
    auto decoded = snmp::decode(std::span(buffer.data(), *received));
    EXPECT_TRUE(decoded);
    if (!decoded) return std::nullopt;
    return *decoded;
  }

  static snmp::message get(std::vector<oid> names, std::string community = "public") {
    snmp::message m;
    m.community = std::move(community);
    m.pdu.request_id = 77;
    for (auto& n : names)
      m.pdu.varbinds.push_back({std::move(n), snmp::null_value{}});
    return m;
  }

  std::shared_ptr<snmp::udp_agent> agent_;
  asio::ip::udp::socket socket_{io_};
  int observed_ = 0;
};

TEST_F(served_simulator_test, answers_on_a_free_port) {
  EXPECT_NE(agent_->local_endpoint().port(), 0);
  auto r = exchange(get({cp::ident::model, cp::outlet::state.child(1)}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.request_id, 77);
  ASSERT_EQ(r->pdu.varbinds.size(), 2u);
  EXPECT_EQ(r->pdu.varbinds[0].value, value{std::string("PDU41004")});
  EXPECT_EQ(r->pdu.varbinds[1].value, value{std::int32_t{1}});
  EXPECT_EQ(observed_, 1);
}

TEST_F(served_simulator_test, drops_and_refusals_show_in_the_test_counters) {
  EXPECT_FALSE(exchange(get({cp::ident::model}, "wrong")));
  EXPECT_FALSE(exchange(get(std::vector<oid>(13, cp::ident::model))));
  auto set = get({}, "public");
  set.pdu.type = snmp::pdu_type::set_request;
  set.pdu.varbinds = {{cp::outlet::command.child(1), std::int32_t{2}}};
  auto r = exchange(set);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_access));
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::on);

  r = exchange(get({test_oids::sets_accepted, test_oids::sets_received,
                    test_oids::requests_received, test_oids::requests_dropped}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->pdu.varbinds.size(), 4u);
  EXPECT_EQ(r->pdu.varbinds[0].value, value{snmp::counter32{0}});
  EXPECT_EQ(r->pdu.varbinds[1].value, value{snmp::counter32{1}});
  EXPECT_EQ(r->pdu.varbinds[2].value, value{snmp::counter32{4}});
  EXPECT_EQ(r->pdu.varbinds[3].value, value{snmp::counter32{2}});
}

// Collects the request-ids of the answers that arrive within limit, in arrival order.
std::vector<std::int32_t> answers_within(asio::io_context& io, asio::ip::udp::socket& socket,
                                         std::size_t expected, std::chrono::milliseconds limit) {
  std::vector<std::int32_t> ids;
  std::vector<std::uint8_t> buffer(65536);
  asio::ip::udp::endpoint from;
  std::function<void()> next = [&] {
    socket.async_receive_from(asio::buffer(buffer), from, [&](std::error_code ec, std::size_t n) {
      if (ec) return;
      if (auto m = snmp::decode(std::span(buffer.data(), n))) ids.push_back(m->pdu.request_id);
      if (ids.size() < expected) next();
    });
  };
  next();
  run_until(
      io, [&] { return ids.size() >= expected; }, limit);
  socket.cancel();
  io.restart();
  io.poll();
  return ids;
}

TEST_F(served_simulator_test, delayed_answers_do_not_hold_up_other_requests) {
  auto faults = sim_->faults();
  faults.response_delay = 400ms;
  sim_->set_faults(faults);
  for (std::int32_t id = 1; id <= 3; ++id) {
    auto m = get({cp::ident::model});
    m.pdu.request_id = id;
    socket_.send_to(asio::buffer(snmp::encode(m)), agent_->local_endpoint());
  }
  auto counters = get({test_oids::responses_delayed});
  counters.pdu.request_id = 4;
  socket_.send_to(asio::buffer(snmp::encode(counters)), agent_->local_endpoint());
  // The counter read is exempt and served while the three wait on their timers.
  const auto ids = answers_within(io_, socket_, 4, 5s);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], 4);
  EXPECT_EQ(std::vector<std::int32_t>(ids.begin() + 1, ids.end()),
            (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(agent_->delayed_replies(), 0u);
  EXPECT_EQ(number(sim_->get(test_oids::responses_delayed)), 3);
}

TEST_F(served_simulator_test, a_dropped_set_is_neither_answered_nor_applied) {
  auto faults = sim_->faults();
  faults.drop_percent = 100;
  sim_->set_faults(faults);
  auto set = get({}, "private");
  set.pdu.type = snmp::pdu_type::set_request;
  set.pdu.varbinds = {{cp::outlet::command.child(1), std::int32_t{2}}};
  EXPECT_FALSE(exchange(set));
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::on);
  // The counters still answer, and the knob switches the fault off.
  auto r = exchange(get({test_oids::requests_received, test_oids::requests_lost}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.varbinds.at(0).value, value{snmp::counter32{2}});
  EXPECT_EQ(r->pdu.varbinds.at(1).value, value{snmp::counter32{1}});
  auto knob = get({}, "private");
  knob.pdu.type = snmp::pdu_type::set_request;
  knob.pdu.varbinds = {{test_oids::drop_percent, std::int32_t{0}}};
  ASSERT_TRUE(exchange(knob));
  r = exchange(set);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, 0);
  EXPECT_EQ(sim_->state_of(1), cp::outlet_state::off);
}

TEST_F(served_simulator_test, a_withheld_set_answer_still_applies_the_set) {
  auto faults = sim_->faults();
  faults.drop_set_responses = true;
  sim_->set_faults(faults);
  auto set = get({}, "private");
  set.pdu.type = snmp::pdu_type::set_request;
  set.pdu.varbinds = {{cp::outlet::command.child(4), std::int32_t{2}}};
  EXPECT_FALSE(exchange(set));
  EXPECT_EQ(sim_->state_of(4), cp::outlet_state::off);
  EXPECT_EQ(sim_->sets_accepted(), 1u);
  EXPECT_EQ(number(sim_->get(test_oids::set_responses_dropped)), 1);
  EXPECT_TRUE(exchange(get({cp::outlet::state.child(4)}))) << "GETs are still answered";
}

TEST_F(served_simulator_test, close_discards_delayed_answers) {
  auto faults = sim_->faults();
  faults.response_delay = 60s;
  sim_->set_faults(faults);
  socket_.send_to(asio::buffer(snmp::encode(get({cp::ident::model}))), agent_->local_endpoint());
  ASSERT_TRUE(run_until(io_, [&] { return agent_->delayed_replies() == 1; }));
  agent_->close();
  io_.restart();
  io_.run_for(1s);
  EXPECT_TRUE(io_.stopped()) << "a delayed answer's timer kept the io_context busy";
  EXPECT_EQ(agent_->delayed_replies(), 0u);
}

TEST_F(served_simulator_test, close_ends_the_receive_loop) {
  agent_->close();
  io_.restart();
  io_.run_for(1s);
  EXPECT_TRUE(io_.stopped()) << "work left on the io_context after close()";
}

}  // namespace
}  // namespace pdu2mqtt::sim
