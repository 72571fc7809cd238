// How long a dead PDU takes to go offline, and that a PDU answering only small requests is still
// read: a real poller against the simulated PDU on a real UDP agent, in process, whose fault hook
// drops every request from the moment the agent "dies", or those with too many varbinds. The
// bound (README, Polling and availability): offline_after_failures x timeout x attempts, plus one
// poll interval.
#include <gtest/gtest.h>

#include "pdu2mqtt/device/poller.hpp"
#include "pdu2mqtt/sim/simulator.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"
#include "support/log_capture.hpp"
#include "support/run_coroutine.hpp"

namespace pdu2mqtt::device {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using test::run_until;

// The simulated PDU on a loopback UDP agent, with a switch that silences it and a limit on the
// varbinds per request it answers (real CyberPower firmware drops larger requests unanswered).
class pdu_on_udp {
 public:
  explicit pdu_on_udp(asio::io_context& io) {
    auto options = *sim::preset("switched");
    sim_ = sim::simulator::create(io.get_executor(), options);
    auto agent = snmp::udp_agent::create(
        io.get_executor(), asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0), *sim_,
        options.agent);
    if (!agent) throw std::runtime_error(agent.err().to_string());
    agent_ = std::move(*agent);
    agent_->set_fault_hook([this](std::span<const std::uint8_t> datagram) {
      snmp::fault_plan plan;
      const auto request = snmp::decode(datagram);
      const auto varbinds = request ? request->pdu.varbinds.size() : 0;
      plan.drop_request = dead || (max_varbinds > 0 && varbinds > max_varbinds);
      if (!plan.drop_request) largest_answered = std::max(largest_answered, varbinds);
      return plan;
    });
  }
  ~pdu_on_udp() {
    sim_->stop();
    agent_->close();
  }
  pdu_on_udp(const pdu_on_udp&) = delete;
  pdu_on_udp& operator=(const pdu_on_udp&) = delete;

  asio::ip::udp::endpoint endpoint() const { return agent_->local_endpoint(); }

  bool dead = false;
  std::size_t max_varbinds = 0;      // 0: any number
  std::size_t largest_answered = 0;  // varbinds of the largest request answered

 private:
  std::shared_ptr<sim::simulator> sim_;
  std::shared_ptr<snmp::udp_agent> agent_;
};

struct watched_poller {
  std::shared_ptr<poller> p;
  bool online = false;
  std::optional<clock::time_point> offline_at;
};

// The settings of the issue: a poll a second, 1 s per attempt, offline after 3 failed polls.
poller_settings settings_for(const asio::ip::udp::endpoint& at, int retries) {
  poller_settings s;
  s.id = "pdu";
  s.read.endpoint = at;
  s.read.timeout = 1000ms;
  s.read.retries = retries;
  s.read.max_varbinds = 10;
  s.poll_interval = 1000ms;
  s.offline_after_failures = 3;
  return s;
}

std::shared_ptr<watched_poller> start(asio::io_context& io, std::shared_ptr<snmp::client> client,
                                      poller_settings settings) {
  auto w = std::make_shared<watched_poller>();
  poller_callbacks callbacks;
  callbacks.availability = [raw = w.get()](bool online) {
    raw->online = online;
    if (!online) raw->offline_at = clock::now();
  };
  w->p = poller::create(io.get_executor(), std::move(client), std::move(settings), callbacks);
  w->p->start();
  return w;
}

class offline_bound : public testing::TestWithParam<int> {};

TEST_P(offline_bound, a_dead_pdu_is_offline_within_failures_x_timeout_x_attempts_plus_a_poll) {
  const int retries = GetParam();
  asio::io_context io;
  pdu_on_udp pdu(io);
  auto client = snmp::client::create(io.get_executor());
  const auto settings = settings_for(pdu.endpoint(), retries);
  auto w = start(io, client, settings);
  ASSERT_TRUE(run_until(
      io, [&] { return w->online && w->p->polls_ok() >= 3; }, 10s));

  // The agent dies right after answering a whole poll: the worst moment, as the next poll
  // comes a whole interval later; and the PDU had just answered, which is when a request-size
  // search would run (one took 12 s of the 18 s these settings once needed to go offline).
  const auto polls = w->p->polls_ok();
  ASSERT_TRUE(run_until(
      io, [&] { return w->p->polls_ok() > polls; }, 3s));
  pdu.dead = true;
  const auto died = clock::now();
  const auto attempts = 1 + retries;
  const auto failed_reads = settings.offline_after_failures * attempts * settings.read.timeout;
  const auto bound = failed_reads + settings.poll_interval;
  ASSERT_TRUE(run_until(
      io, [&] { return w->offline_at.has_value(); }, bound + 15s))
      << "still online " << std::chrono::duration_cast<std::chrono::seconds>(bound + 15s).count()
      << " s after the agent died";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(*w->offline_at - died);
  RecordProperty("time_to_offline_ms", static_cast<int>(took.count()));
  EXPECT_LE(took, bound + 300ms) << "offline " << took.count() << " ms after the agent died";
  // Not early either: three reads, each given every attempt.
  EXPECT_GE(took, failed_reads - 50ms) << "offline " << took.count() << " ms after it died";
  EXPECT_EQ(w->p->polls_failed(), 3u);

  w->p->stop();
  client->close();
  io.run_for(50ms);
}

INSTANTIATE_TEST_SUITE_P(retries, offline_bound, testing::Values(2, 0),
                         [](const testing::TestParamInfo<int>& info) {
                           return "retries_" + std::to_string(info.param);
                         });

// The check that tells a dead PDU from one dropping large requests must not cost the latter
// anything it did not cost before: found at discovery, or when a unit starts dropping them,
// without one failed poll (given a retry to spare for the check), and never larger again.
TEST(request_size, a_pdu_answering_only_small_requests_is_read_without_a_failed_poll) {
  asio::io_context io;
  pdu_on_udp pdu(io);
  pdu.max_varbinds = 4;
  auto client = snmp::client::create(io.get_executor());
  auto settings = settings_for(pdu.endpoint(), 2);
  settings.read.timeout = 200ms;
  settings.poll_interval = 200ms;
  test::log_capture log;
  auto w = start(io, client, settings);
  ASSERT_TRUE(run_until(
      io, [&] { return w->online && w->p->polls_ok() >= 4; }, 20s))
      << log.text();
  EXPECT_EQ(w->p->polls_failed(), 0u) << log.text();
  EXPECT_LE(pdu.largest_answered, 4u);
  EXPECT_NE(log.text().find("using at most 2 from now on"), std::string::npos) << log.text();
  ASSERT_TRUE(w->p->current());
  EXPECT_EQ(w->p->current()->outlets.size(), 8u);
  EXPECT_EQ(w->p->current()->outlets[7].name, "Outlet8");
  w->p->stop();
  client->close();
  io.run_for(50ms);
}

TEST(request_size, a_pdu_that_starts_dropping_large_requests_stays_online) {
  asio::io_context io;
  pdu_on_udp pdu(io);
  auto client = snmp::client::create(io.get_executor());
  auto settings = settings_for(pdu.endpoint(), 2);
  settings.read.timeout = 200ms;
  settings.poll_interval = 200ms;
  auto w = start(io, client, settings);
  ASSERT_TRUE(run_until(
      io, [&] { return w->online && w->p->polls_ok() >= 2; }, 10s));
  EXPECT_EQ(pdu.largest_answered, 10u);

  pdu.max_varbinds = 6;
  pdu.largest_answered = 0;
  const auto polls = w->p->polls_ok();
  ASSERT_TRUE(run_until(
      io, [&] { return w->p->polls_ok() >= polls + 3; }, 10s));
  EXPECT_TRUE(w->online);
  EXPECT_EQ(w->p->polls_failed(), 0u);
  EXPECT_EQ(pdu.largest_answered, 5u);  // 10 went unanswered, 5 was answered
  w->p->stop();
  client->close();
  io.run_for(50ms);
}

// With retries 0 no attempt is left for the check: the next read makes it, so the change costs
// one failed poll, and is still found.
TEST(request_size, without_retries_the_check_is_the_next_reads_first_attempt) {
  asio::io_context io;
  pdu_on_udp pdu(io);
  auto client = snmp::client::create(io.get_executor());
  auto settings = settings_for(pdu.endpoint(), 0);
  settings.read.timeout = 200ms;
  settings.poll_interval = 200ms;
  auto w = start(io, client, settings);
  ASSERT_TRUE(run_until(
      io, [&] { return w->online && w->p->polls_ok() >= 2; }, 10s));

  pdu.max_varbinds = 6;
  pdu.largest_answered = 0;
  const auto polls = w->p->polls_ok();
  ASSERT_TRUE(run_until(
      io, [&] { return w->p->polls_ok() >= polls + 3; }, 10s));
  EXPECT_TRUE(w->online);
  EXPECT_EQ(w->p->polls_failed(), 1u);
  EXPECT_EQ(pdu.largest_answered, 5u);
  w->p->stop();
  client->close();
  io.run_for(50ms);
}

}  // namespace
}  // namespace pdu2mqtt::device
