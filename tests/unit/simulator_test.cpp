// The simulated CyberPower PDU as a MIB (counts, walk order, derived bank load, delayed
// commands on the io_context, SET errors and counters) and served by udp_agent in-process.
#include "pdu2mqtt/sim/simulator.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "pdu2mqtt/pdu/cyberpower_oids.hpp"
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

TEST_F(served_simulator_test, close_ends_the_receive_loop) {
  agent_->close();
  io_.restart();
  io_.run_for(1s);
  EXPECT_TRUE(io_.stopped()) << "work left on the io_context after close()";
}

}  // namespace
}  // namespace pdu2mqtt::sim
