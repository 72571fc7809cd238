// The SNMPv3 side of the client against a scripted agent whose answers are built with
// v3::seal: engine discovery (RFC 3414 4), the engine clock (RFC 3414 3.2 7 b), re-sync after
// a reboot, rediscovery, Reports as errors, and faults at each step.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <optional>

#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "support/run_coroutine.hpp"
#include "support/scripted_udp_peer.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;
using test::run;
using bytes = std::vector<std::uint8_t>;

const oid sys_name{1, 3, 6, 1, 2, 1, 1, 5, 0};
const oid sys_contact{1, 3, 6, 1, 2, 1, 1, 4, 0};
constexpr std::string_view auth_password = "auth-secret-1";
constexpr std::string_view priv_password = "priv-secret-2";

std::shared_ptr<const v3::user> make_user(v3::auth_protocol auth = v3::auth_protocol::sha1,
                                          v3::priv_protocol priv = v3::priv_protocol::aes128) {
  auto u = std::make_shared<v3::user>();
  u->name = "bridge";
  u->auth = auth;
  if (auth != v3::auth_protocol::none) u->auth_password = auth_password;
  u->priv = priv;
  if (priv != v3::priv_protocol::none) u->priv_password = priv_password;
  return u;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One request as the scripted agent received it.
struct received {
  bytes datagram;
  v3::envelope envelope;
  std::optional<v3::message> message;  // opened with the agent's keys, when they open it

  bool is_probe() const { return envelope.usm.engine_id.empty(); }
};

// A scripted SNMPv3 agent with one engine and one user. The script sees each request and
// returns the datagrams to send back (none: silence); the helpers build correct ones.
class v3_agent {
 public:
  using script = std::function<std::vector<bytes>(const received&, v3_agent&)>;

  v3_agent(asio::io_context& io, std::shared_ptr<const v3::user> u, script s)
      : user_(std::move(u)),
        script_(std::move(s)),
        udp_(io, [this](std::span<const std::uint8_t> datagram) { return answer(datagram); }) {
    set_engine_id(std::string("\x80\x00\x1f\x88\x04scripted-1", 15));
  }

  udp::endpoint endpoint() const { return udp_.endpoint(); }
  const std::vector<received>& requests() const { return requests_; }

  std::string engine_id;
  std::int32_t boots = 7;
  std::int32_t time_s = 12345;

  void set_engine_id(std::string id) {
    engine_id = std::move(id);
    if (user_->auth != v3::auth_protocol::none) keys_ = v3::localize(*user_, as_bytes(engine_id));
  }

  // RFC 3414 4 / 3.2: a Report of one usmStats counter, authenticated (authNoPriv, as 3.2 7 a
  // sends notInTimeWindow) or not.
  bytes report(const received& r, std::string_view counter, bool authenticated,
               std::optional<std::int32_t> boots_override = {}) {
    v3::message m{.msg_id = r.envelope.msg_id,
                  .flags = authenticated ? v3::flags::auth : std::uint8_t{0}};
    m.usm = {.engine_id = engine_id,
             .engine_boots = boots_override.value_or(boots),
             .engine_time = time_s,
             .user_name = authenticated ? user_->name : std::string()};
    m.context_engine_id = engine_id;
    m.pdu = pdu{.type = pdu_type::report,
                .request_id = r.message ? r.message->pdu.request_id : 0,
                .varbinds = {varbind{*oid::parse(counter), counter32{1}}}};
    return v3::seal(m, authenticated ? &keys_ : nullptr, ++salt_);
  }

  // A Response at the request's level echoing its OIDs with value_of(oid).
  bytes response(const received& r, const std::function<value(const oid&)>& value_of,
                 std::optional<v3::usm_parameters> usm = {}) {
    const auto& request = *r.message;
    v3::message m{
        .msg_id = r.envelope.msg_id,
        .flags = static_cast<std::uint8_t>(r.envelope.flags & (v3::flags::auth | v3::flags::priv))};
    m.usm = usm.value_or(v3::usm_parameters{.engine_id = engine_id,
                                            .engine_boots = boots,
                                            .engine_time = time_s,
                                            .user_name = user_->name});
    m.context_engine_id = engine_id;
    m.context_name = request.context_name;
    m.pdu = pdu{.type = pdu_type::response, .request_id = request.pdu.request_id};
    for (const auto& vb : request.pdu.varbinds)
      m.pdu.varbinds.push_back({vb.name, value_of(vb.name)});
    const bool auth = (m.flags & v3::flags::auth) != 0;
    return v3::seal(m, auth ? &keys_ : nullptr, ++salt_);
  }
  bytes response(const received& r) {
    return response(r, [](const oid&) { return value{std::string("pdu-a1")}; });
  }

  // The usual agent: discovery Report with the clock, notInTimeWindow for a stale clock (RFC
  // 3414 3.2 7 a), else a Response.
  std::vector<bytes> behave(const received& r) {
    if (r.is_probe()) return {report(r, v3::report_oid::unknown_engine_ids, false)};
    if (r.envelope.usm.engine_id != engine_id) {
      return {report(r, v3::report_oid::unknown_engine_ids, false)};
    }
    if (!r.message) return {report(r, v3::report_oid::wrong_digests, false)};
    const auto& usm = r.envelope.usm;
    if ((r.envelope.flags & v3::flags::auth) &&
        (usm.engine_boots != boots || std::abs(usm.engine_time - time_s) > v3::time_window_s)) {
      return {report(r, v3::report_oid::not_in_time_windows, true)};
    }
    return {response(r)};
  }

  void send(const bytes& datagram) { udp_.send_to_last_sender(datagram); }

 private:
  std::vector<test::outgoing> answer(std::span<const std::uint8_t> datagram) {
    received r{.datagram = bytes(datagram.begin(), datagram.end())};
    auto envelope = v3::peek(datagram);
    if (!envelope) return {};
    r.envelope = *envelope;
    const bool auth = (envelope->flags & v3::flags::auth) != 0;
    if (!auth || envelope->usm.engine_id == engine_id) {
      if (auto opened = v3::open(datagram, auth ? &keys_ : nullptr)) r.message = *opened;
    }
    requests_.push_back(r);
    std::vector<test::outgoing> out;
    for (auto& d : script_(requests_.back(), *this))
      out.push_back({std::move(d)});
    return out;
  }

  std::shared_ptr<const v3::user> user_;
  script script_;
  v3::localized_keys keys_;
  std::uint64_t salt_ = 0;
  std::vector<received> requests_;
  test::scripted_udp_peer udp_;  // last: its loop calls answer(), which uses the members above
};

class client_v3_exchange : public ::testing::Test {
 protected:
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
  void TearDown() override { snmp->close(); }

  target target_for(const v3_agent& agent, std::shared_ptr<const v3::user> u = make_user()) {
    target t;
    t.endpoint = agent.endpoint();
    t.version = version::v3;
    t.user = std::move(u);
    t.timeout = 100ms;
    t.retries = 2;
    return t;
  }
  result<std::vector<varbind>> get(const target& t) {
    std::vector<oid> oids{sys_name};
    return run(io, snmp->async_get(t, std::move(oids)));
  }
};

v3_agent::script usual() {
  return [](const received& r, v3_agent& a) { return a.behave(r); };
}

TEST_F(client_v3_exchange, discovers_the_engine_once_then_gets_in_one_exchange) {
  const auto u = make_user();
  v3_agent agent(io, u, usual());
  const auto t = target_for(agent, u);

  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(as_octets((*got)[0].value), "pdu-a1");
  ASSERT_EQ(agent.requests().size(), 2u);

  // RFC 3414 4: the probe is noAuthNoPriv, reportable, with empty engine ID, user and varbinds.
  const auto& probe = agent.requests()[0];
  EXPECT_EQ(probe.envelope.flags, v3::flags::reportable);
  EXPECT_TRUE(probe.envelope.usm.engine_id.empty());
  EXPECT_TRUE(probe.envelope.usm.user_name.empty());
  ASSERT_TRUE(probe.message);
  EXPECT_TRUE(probe.message->pdu.varbinds.empty());

  // The request: authPriv with the learnt engine and clock, msgID equal to request-id.
  const auto& request = agent.requests()[1];
  EXPECT_EQ(request.envelope.flags, v3::flags::auth | v3::flags::priv | v3::flags::reportable);
  EXPECT_EQ(request.envelope.usm.engine_id, agent.engine_id);
  EXPECT_EQ(request.envelope.usm.user_name, "bridge");
  EXPECT_EQ(request.envelope.usm.engine_boots, 7);
  EXPECT_NEAR(request.envelope.usm.engine_time, 12345, 1);
  ASSERT_TRUE(request.message) << "the agent's keys must open it";
  EXPECT_EQ(request.message->context_engine_id, agent.engine_id);
  EXPECT_EQ(request.message->pdu.request_id, request.envelope.msg_id);
  EXPECT_EQ(request.message->pdu.varbinds.size(), 1u);

  auto again = get(t);
  ASSERT_TRUE(again) << again.err().to_string();
  EXPECT_EQ(agent.requests().size(), 3u) << "the engine is cached: no second probe";
  EXPECT_NE(agent.requests()[2].envelope.usm.priv_parameters,
            agent.requests()[1].envelope.usm.priv_parameters)
      << "a fresh salt per message";

  const auto& s = snmp->stats();
  EXPECT_EQ(s.v3_discoveries, 1u);
  EXPECT_EQ(s.v3_reports, 0u) << "the discovery Report is discovery's answer, not a request's";
  EXPECT_EQ(s.v3_time_resyncs, 0u);
  const auto engine = snmp->engine(agent.endpoint());
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->engine_id, agent.engine_id);
  EXPECT_EQ(engine->boots, 7);
  EXPECT_TRUE(engine->authenticated);
}

TEST_F(client_v3_exchange, every_security_level_and_operation) {
  for (const auto& u : {make_user(v3::auth_protocol::none, v3::priv_protocol::none),
                        make_user(v3::auth_protocol::md5, v3::priv_protocol::none),
                        make_user(v3::auth_protocol::sha256, v3::priv_protocol::aes256)}) {
    SCOPED_TRACE(std::string(v3::to_string(u->level())));
    v3_agent agent(io, u, usual());
    const auto t = target_for(agent, u);
    auto got = get(t);
    ASSERT_TRUE(got) << got.err().to_string();
    std::vector<oid> from{sys_name};
    auto bulk = run(io, snmp->async_get_bulk(t, from, 0, 5));
    ASSERT_TRUE(bulk) << bulk.err().to_string();
    EXPECT_EQ(agent.requests().back().message->pdu.type, pdu_type::get_bulk_request);
    std::vector<varbind> set{{sys_contact, std::string("ops")}};
    auto written = run(io, snmp->async_set(t, set));
    ASSERT_TRUE(written) << written.err().to_string();
    EXPECT_EQ(agent.requests().back().message->pdu.type, pdu_type::set_request);
    const int expected_flags = u->level() == v3::security_level::auth_priv      ? 3
                               : u->level() == v3::security_level::auth_no_priv ? 1
                                                                                : 0;
    EXPECT_EQ(agent.requests().back().envelope.flags & 3, expected_flags);
  }
}

// Requests of a coroutine, started by a plain function (no capturing coroutine lambda).
awaitable<void> get_into(std::shared_ptr<client> c, target t,
                         std::optional<result<std::vector<varbind>>>& out) {
  std::vector<oid> oids{sys_name};
  out = co_await c->async_get(t, std::move(oids));
}

TEST_F(client_v3_exchange, concurrent_requests_share_one_discovery) {
  v3_agent agent(io, make_user(), usual());
  const auto t = target_for(agent);
  std::optional<result<std::vector<varbind>>> a, b, c;
  for (auto* out : {&a, &b, &c})
    asio::co_spawn(io, get_into(snmp, t, *out), asio::detached);
  ASSERT_TRUE(test::run_until(io, [&] { return a && b && c; }));
  for (auto* out : {&a, &b, &c})
    EXPECT_TRUE(**out) << (*out)->err().to_string();
  std::size_t probes = 0;
  for (const auto& r : agent.requests())
    probes += r.is_probe() ? 1 : 0;
  EXPECT_EQ(probes, 1u);
  EXPECT_EQ(agent.requests().size(), 4u);
  EXPECT_EQ(snmp->stats().v3_discoveries, 1u);
}

TEST_F(client_v3_exchange, a_lost_discovery_report_is_retried) {
  int probes = 0;
  v3_agent agent(io, make_user(), [&](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe() && ++probes == 1) return {};
    return a.behave(r);
  });
  auto got = get(target_for(agent));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(agent.requests().size(), 3u);
  EXPECT_EQ(agent.requests()[0].envelope.msg_id, agent.requests()[1].envelope.msg_id)
      << "a retransmission keeps its msgID";
  EXPECT_EQ(snmp->stats().retransmissions, 1u);
  EXPECT_EQ(snmp->stats().v3_discoveries, 1u);
}

TEST_F(client_v3_exchange, no_discovery_answer_is_engine_discovery_failed) {
  v3_agent agent(io, make_user(), [](const received&, v3_agent&) { return std::vector<bytes>{}; });
  auto got = get(target_for(agent));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::engine_discovery_failed));
  EXPECT_NE(got.err().detail.find("3 attempt"), std::string::npos) << got.err().detail;
  EXPECT_FALSE(snmp->engine(agent.endpoint()));
}

TEST_F(client_v3_exchange, garbage_and_a_truncated_answer_are_dropped) {
  int answers = 0;
  v3_agent agent(io, make_user(), [&](const received& r, v3_agent& a) -> std::vector<bytes> {
    auto real = a.behave(r);
    switch (++answers) {
      case 1:  // to the probe: garbage first, then the Report
        return {bytes{0x30, 0x82, 0xff, 0xff, 0x02, 0x01}, real[0]};
      case 2: {  // to the GET: half of the real answer, nothing else (the retry gets it all)
        real[0].resize(real[0].size() / 2);
        return real;
      }
      default:
        return real;
    }
  });
  auto got = get(target_for(agent));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(snmp->stats().dropped_undecodable, 2u);
  EXPECT_EQ(snmp->stats().retransmissions, 1u);
}

TEST_F(client_v3_exchange, the_first_authenticated_request_learns_an_unknown_clock) {
  // An agent whose discovery Report has no clock (boots and time 0): the notInTimeWindow Report
  // to the first authenticated request carries it (RFC 3414 4, second step).
  v3_agent agent(io, make_user(), [](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) {
      const auto saved = std::pair{a.boots, a.time_s};
      a.boots = a.time_s = 0;
      auto out = a.report(r, v3::report_oid::unknown_engine_ids, false);
      std::tie(a.boots, a.time_s) = saved;
      return {out};
    }
    return a.behave(r);
  });
  auto got = get(target_for(agent));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(agent.requests().size(), 3u);
  EXPECT_EQ(agent.requests()[1].envelope.usm.engine_boots, 0);
  EXPECT_EQ(agent.requests()[2].envelope.usm.engine_boots, 7);
  EXPECT_NEAR(agent.requests()[2].envelope.usm.engine_time, 12345, 1);
  EXPECT_EQ(snmp->stats().v3_time_resyncs, 0u) << "learning, not re-synchronising";
  EXPECT_EQ(snmp->stats().v3_reports, 1u);
}

TEST_F(client_v3_exchange, an_agent_reboot_is_one_resync_and_a_resend) {
  v3_agent agent(io, make_user(), usual());
  const auto t = target_for(agent);
  ASSERT_TRUE(get(t));
  agent.boots = 8;  // rebooted: engineBoots went up, engineTime restarted
  agent.time_s = 3;
  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(agent.requests().size(), 4u);
  EXPECT_EQ(agent.requests()[2].envelope.usm.engine_boots, 7);
  EXPECT_EQ(agent.requests()[3].envelope.usm.engine_boots, 8);
  EXPECT_LE(agent.requests()[3].envelope.usm.engine_time, 4);
  EXPECT_NE(agent.requests()[2].envelope.msg_id, agent.requests()[3].envelope.msg_id);
  EXPECT_EQ(snmp->stats().v3_time_resyncs, 1u);
  EXPECT_EQ(snmp->stats().v3_discoveries, 1u);
  EXPECT_EQ(snmp->engine(agent.endpoint())->boots, 8);
}

TEST_F(client_v3_exchange, a_second_not_in_time_window_ends_the_request) {
  v3_agent agent(io, make_user(), [](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) return a.behave(r);
    a.boots += 1;  // an agent rebooting at every request
    return {a.report(r, v3::report_oid::not_in_time_windows, true)};
  });
  auto got = get(target_for(agent));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::not_in_time_window));
  EXPECT_EQ(agent.requests().size(), 3u) << "probe, request, one resend";
}

TEST_F(client_v3_exchange, a_forged_unauthenticated_not_in_time_window_changes_nothing) {
  v3_agent agent(io, make_user(), [](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) return a.behave(r);
    // A forger first (no auth flag, a later boots), then the agent's real answer.
    auto forged = a.report(r, v3::report_oid::not_in_time_windows, false, 999);
    return {forged, a.response(r)};
  });
  const auto t = target_for(agent);
  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(snmp->engine(agent.endpoint())->boots, 7);
  EXPECT_EQ(snmp->stats().dropped_unauthentic, 1u);
  EXPECT_EQ(snmp->stats().v3_time_resyncs, 0u);
  EXPECT_EQ(agent.requests().size(), 2u);
}

TEST_F(client_v3_exchange, a_response_with_a_broken_digest_is_dropped_not_taken) {
  int gets = 0;
  v3_agent agent(io, make_user(), [&](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) return a.behave(r);
    auto real = a.behave(r);
    if (++gets > 1) return real;
    auto forged = a.response(r, [](const oid&) { return value{std::string("forged")}; });
    forged[forged.size() - 1] ^= 0x01;  // the encrypted scopedPDU changed after the HMAC
    return {forged};
  });
  auto got = get(target_for(agent));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(as_octets((*got)[0].value), "pdu-a1");
  EXPECT_EQ(snmp->stats().dropped_unauthentic, 1u);
  EXPECT_EQ(snmp->stats().retransmissions, 1u);
}

TEST_F(client_v3_exchange, a_response_below_the_requests_level_is_dropped) {
  const auto u = make_user();
  v3_agent agent(io, u, [&](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) return a.behave(r);
    // The same answer without auth and priv: anyone could have sent it.
    received plain = r;
    plain.envelope.flags = v3::flags::reportable;
    return {a.response(plain, [](const oid&) { return value{std::string("forged")}; }),
            a.response(r)};
  });
  auto got = get(target_for(agent, u));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(as_octets((*got)[0].value), "pdu-a1");
  EXPECT_EQ(snmp->stats().dropped_unauthentic, 1u);
}

TEST_F(client_v3_exchange, an_authentic_answer_from_the_past_is_dropped) {
  // RFC 3414 3.2 7 b: lower boots, the same boots more than 150 s back, or boots at its end.
  struct clock_case {
    std::int32_t boots;
    std::int32_t time_s;
  };
  for (const auto stale : {clock_case{6, 12345}, clock_case{7, 12345 - 151},
                           clock_case{v3::max_engine_boots, 12345}}) {
    SCOPED_TRACE(std::to_string(stale.boots) + "/" + std::to_string(stale.time_s));
    asio::io_context ctx;
    auto c = client::create(ctx.get_executor());
    int gets = 0;
    v3_agent agent(ctx, make_user(), [&](const received& r, v3_agent& a) -> std::vector<bytes> {
      if (r.is_probe() || ++gets == 1 || gets > 2) return a.behave(r);
      auto usm = v3::usm_parameters{.engine_id = a.engine_id,
                                    .engine_boots = stale.boots,
                                    .engine_time = stale.time_s,
                                    .user_name = "bridge"};
      return {a.response(
          r, [](const oid&) { return value{std::string("old")}; }, usm)};
    });
    auto t = target_for(agent);
    std::vector<oid> oids{sys_name};
    ASSERT_TRUE(run(ctx, c->async_get(t, oids)));  // the clock is now authentic
    auto got = run(ctx, c->async_get(t, oids));
    ASSERT_TRUE(got) << got.err().to_string();
    EXPECT_EQ(as_octets((*got)[0].value), "pdu-a1");
    EXPECT_EQ(c->stats().dropped_outside_time_window, 1u);
    EXPECT_EQ(c->engine(agent.endpoint())->boots, 7);
    c->close();
  }
}

TEST_F(client_v3_exchange, a_replaced_card_is_rediscovered_once) {
  v3_agent agent(io, make_user(), usual());
  const auto t = target_for(agent);
  ASSERT_TRUE(get(t));
  agent.set_engine_id(std::string("\x80\x00\x1f\x88\x04scripted-2", 15));
  agent.boots = 1;
  agent.time_s = 10;
  auto got = get(t);
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(agent.requests().size(), 4u) << "the Report names the new engine: no extra probe";
  EXPECT_EQ(agent.requests()[3].envelope.usm.engine_id, agent.engine_id);
  EXPECT_TRUE(agent.requests()[3].message) << "keys localized to the new engine";
  EXPECT_EQ(snmp->stats().v3_discoveries, 2u);
  EXPECT_EQ(snmp->engine(agent.endpoint())->engine_id, agent.engine_id);
}

struct report_case {
  std::string_view counter;
  errc code;
  std::string_view says;
};

class v3_report_ends_request : public client_v3_exchange,
                               public ::testing::WithParamInterface<report_case> {};

TEST_P(v3_report_ends_request, as_its_error_with_a_clear_message) {
  const auto c = GetParam();
  v3_agent agent(io, make_user(), [&](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe()) return a.behave(r);
    return {a.report(r, c.counter, false)};
  });
  auto got = get(target_for(agent));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(c.code)) << got.err().to_string();
  EXPECT_NE(got.err().to_string().find(c.says), std::string::npos) << got.err().to_string();
  EXPECT_NE(got.err().detail.find("'bridge'"), std::string::npos) << got.err().detail;
  EXPECT_EQ(got.err().detail.find(auth_password), std::string::npos);
  EXPECT_EQ(got.err().detail.find(priv_password), std::string::npos);
  EXPECT_EQ(agent.requests().size(), 2u) << "not resent";
  EXPECT_EQ(snmp->stats().v3_reports, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    usm_stats, v3_report_ends_request,
    ::testing::Values(
        report_case{v3::report_oid::wrong_digests, errc::wrong_digest,
                    "authentication failure (wrong auth password or protocol)"},
        report_case{v3::report_oid::unknown_user_names, errc::unknown_user_name, "'bridge'"},
        report_case{v3::report_oid::unsupported_sec_levels, errc::unsupported_security_level,
                    "authPriv"},
        report_case{v3::report_oid::decryption_errors, errc::decryption_error, "privacy password"},
        // snmpUnknownPDUHandlers (RFC 3412 5): not a USM counter.
        report_case{"1.3.6.1.6.3.11.2.1.3.0", errc::report, "1.3.6.1.6.3.11.2.1.3.0"}));

TEST_F(client_v3_exchange, keys_are_localized_once_per_user_and_engine) {
  v3_agent agent(io, make_user(), usual());
  const auto t = target_for(agent);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(get(t));
  EXPECT_EQ(snmp->cached_keys(), 1u);
  // An equal user in another shared_ptr (a reloaded config) hits the same entry.
  ASSERT_TRUE(get(target_for(agent, std::make_shared<v3::user>(*make_user()))));
  EXPECT_EQ(snmp->cached_keys(), 1u);
  // Another password is another identity (and the agent refuses it).
  auto other = std::make_shared<v3::user>(*make_user());
  other->auth_password = "another-password";
  EXPECT_EQ(get(target_for(agent, other)).code(), make_error_code(errc::wrong_digest));
  EXPECT_EQ(snmp->cached_keys(), 2u);
}

TEST_F(client_v3_exchange, an_invalid_user_is_refused_before_sending) {
  v3_agent agent(io, make_user(), usual());
  auto t = target_for(agent);
  t.user = nullptr;
  EXPECT_EQ(get(t).code(), make_error_code(errc::invalid_request));
  auto priv_only = std::make_shared<v3::user>(*make_user());
  priv_only->auth = v3::auth_protocol::none;
  t.user = priv_only;
  EXPECT_EQ(get(t).code(), make_error_code(errc::invalid_request));
  auto short_password = std::make_shared<v3::user>(*make_user());
  short_password->auth_password = "tiny7";
  t.user = short_password;
  auto got = get(t);
  EXPECT_EQ(got.code(), make_error_code(errc::invalid_request));
  EXPECT_EQ(got.err().detail.find("tiny7"), std::string::npos) << got.err().detail;
  EXPECT_TRUE(agent.requests().empty());
}

TEST_F(client_v3_exchange, a_v2c_answer_to_a_v3_request_is_not_taken) {
  v3_agent agent(io, make_user(), [](const received& r, v3_agent& a) -> std::vector<bytes> {
    if (r.is_probe() || !r.message) return a.behave(r);
    message v2{version::v2c, "public",
               pdu{.type = pdu_type::response,
                   .request_id = r.message->pdu.request_id,
                   .varbinds = {{sys_name, std::string("forged")}}}};
    return {encode(v2), a.response(r)};
  });
  auto got = get(target_for(agent));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(as_octets((*got)[0].value), "pdu-a1");
  EXPECT_EQ(snmp->stats().dropped_wrong_community, 1u);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
