// The SNMP client against a scripted UDP peer: matching, retries, splitting, and a fault
// injected at every step of a multi-request exchange.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "exchange/scripted_peer.hpp"
#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using test::echo;
using test::reply;
using test::run;
using test::scripted_peer;

const oid& base = cyberpower::outlet::state;

target target_for(const scripted_peer& peer, version v = version::v2c) {
  target t;
  t.endpoint = peer.endpoint();
  t.version = v;
  t.timeout = 100ms;
  t.retries = 2;
  return t;
}

std::vector<oid> outlet_oids(std::uint32_t count) {
  std::vector<oid> out;
  for (std::uint32_t i = 1; i <= count; ++i)
    out.push_back(base.child(i));
  return out;
}

value last_arc(const oid& o) {
  return static_cast<std::int32_t>(o.back());
}

class client_exchange : public ::testing::Test {
 protected:
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
  void TearDown() override { snmp->close(); }
};

TEST_F(client_exchange, get_returns_values_in_request_order) {
  scripted_peer peer(io, [](const message& m) { return reply{.response = echo(m, last_arc)}; });
  auto got = run(io, snmp->async_get(target_for(peer), outlet_oids(3)));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*got)[i].name, base.child(static_cast<std::uint32_t>(i + 1)));
    EXPECT_EQ(as_integer((*got)[i].value), static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(peer.requests().size(), 1u) << "three OIDs fit in one request";
  EXPECT_EQ(peer.requests()[0].community, "public");
}

TEST_F(client_exchange, silence_times_out_after_retries_with_the_same_request_id) {
  scripted_peer peer(io, [](const message&) { return reply{.how = reply::kind::silence}; });
  auto got = run(io, snmp->async_get(target_for(peer), outlet_oids(1)));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::timeout));
  EXPECT_NE(got.err().detail.find("3 attempt"), std::string::npos) << got.err().detail;
  ASSERT_EQ(peer.requests().size(), 3u);
  EXPECT_EQ(peer.requests()[0].pdu.request_id, peer.requests()[1].pdu.request_id);
  EXPECT_EQ(peer.requests()[1].pdu.request_id, peer.requests()[2].pdu.request_id);
  EXPECT_EQ(snmp->stats().timeouts, 1u);
  EXPECT_EQ(snmp->stats().retransmissions, 2u);
}

TEST_F(client_exchange, keeps_working_after_a_timeout) {
  int seen = 0;
  scripted_peer peer(io, [&](const message& m) {
    return ++seen <= 3 ? reply{.how = reply::kind::silence} : reply{.response = echo(m, last_arc)};
  });
  auto first = run(io, snmp->async_get(target_for(peer), outlet_oids(1)));
  EXPECT_EQ(first.code(), make_error_code(errc::timeout));
  auto second = run(io, snmp->async_get(target_for(peer), outlet_oids(2)));
  ASSERT_TRUE(second) << second.err().to_string();
  EXPECT_EQ(second->size(), 2u);
}

// Each fault, on the first attempt, must be survived by the retry with the right answer.
class fault_on_first_attempt : public client_exchange,
                               public ::testing::WithParamInterface<reply::kind> {};

TEST_P(fault_on_first_attempt, is_dropped_and_the_retry_succeeds) {
  int seen = 0;
  scripted_peer peer(io, [&](const message& m) {
    reply r{.response = echo(m, last_arc)};
    if (++seen == 1) r.how = GetParam();
    return r;
  });
  auto got = run(io, snmp->async_get(target_for(peer), outlet_oids(2)));
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(as_integer((*got)[1].value), 2);
  EXPECT_EQ(peer.requests().size(), 2u);
  const auto& s = snmp->stats();
  switch (GetParam()) {
    case reply::kind::garbage:
    case reply::kind::truncated:
      EXPECT_EQ(s.dropped_undecodable, 1u);
      break;
    case reply::kind::wrong_request_id:
      EXPECT_EQ(s.dropped_unknown_request_id, 1u);
      break;
    case reply::kind::from_other_port:
      EXPECT_EQ(s.dropped_wrong_source, 1u);
      break;
    default:
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(faults, fault_on_first_attempt,
                         ::testing::Values(reply::kind::silence, reply::kind::garbage,
                                           reply::kind::truncated, reply::kind::wrong_request_id,
                                           reply::kind::from_other_port));

TEST_F(client_exchange, long_lists_are_chunked_to_max_varbinds) {
  scripted_peer peer(io, [](const message& m) { return reply{.response = echo(m, last_arc)}; });
  auto t = target_for(peer);
  t.max_varbinds = 10;
  auto got = run(io, snmp->async_get(t, outlet_oids(25)));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 25u);
  EXPECT_EQ(as_integer(got->back().value), 25);
  ASSERT_EQ(peer.requests().size(), 3u);
  EXPECT_EQ(peer.requests()[0].pdu.varbinds.size(), 10u);
  EXPECT_EQ(peer.requests()[1].pdu.varbinds.size(), 10u);
  EXPECT_EQ(peer.requests()[2].pdu.varbinds.size(), 5u);
}

TEST_F(client_exchange, too_big_splits_the_request_until_it_fits) {
  scripted_peer peer(io, [](const message& m) {
    if (m.pdu.varbinds.size() > 2) {
      return reply{.response = pdu{.error_status = static_cast<int>(errc::too_big)}};
    }
    return reply{.response = echo(m, last_arc)};
  });
  auto got = run(io, snmp->async_get(target_for(peer), outlet_oids(8)));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 8u);
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_EQ(as_integer((*got)[i].value), int(i + 1));
  EXPECT_GE(snmp->stats().too_big_splits, 3u);
}

TEST_F(client_exchange, v1_no_such_name_loses_only_the_missing_oid) {
  scripted_peer peer(io, [](const message& m) {
    for (std::size_t i = 0; i < m.pdu.varbinds.size(); ++i) {
      if (m.pdu.varbinds[i].name == base.child(2)) {
        pdu p{.error_status = static_cast<int>(errc::no_such_name),
              .error_index = static_cast<std::int32_t>(i + 1),
              .varbinds = m.pdu.varbinds};
        return reply{.response = p};
      }
    }
    return reply{.response = echo(m, last_arc)};
  });
  auto got = run(io, snmp->async_get(target_for(peer, version::v1), outlet_oids(4)));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ(as_integer((*got)[0].value), 1);
  EXPECT_TRUE(std::holds_alternative<no_such_object>((*got)[1].value));
  EXPECT_EQ((*got)[1].name, base.child(2));
  EXPECT_EQ(as_integer((*got)[2].value), 3);
  EXPECT_EQ(as_integer((*got)[3].value), 4);
}

TEST_F(client_exchange, concurrent_requests_each_get_their_own_answer) {
  // The peer holds all eight requests, then answers them at once in reverse order.
  std::vector<message> held;
  scripted_peer* self = nullptr;
  scripted_peer peer(io, [&](const message& m) {
    held.push_back(m);
    if (held.size() == 8) {
      for (auto it = held.rbegin(); it != held.rend(); ++it) {
        message answer{it->version, it->community, echo(*it, last_arc)};
        answer.pdu.request_id = it->pdu.request_id;
        self->send_now(answer);
      }
    }
    return reply{.how = reply::kind::silence};
  });
  self = &peer;
  auto t = target_for(peer);
  t.timeout = 2s;
  t.retries = 0;
  std::vector<std::optional<result<std::vector<varbind>>>> results(8);
  for (std::uint32_t i = 0; i < 8; ++i) {
    asio::co_spawn(io, snmp->async_get(t, {base.child(i + 1)}),
                   [&results, i](std::exception_ptr, result<std::vector<varbind>> r) {
                     results[i].emplace(std::move(r));
                   });
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline &&
         std::any_of(results.begin(), results.end(), [](auto& r) { return !r; })) {
    io.run_for(10ms);
  }
  for (std::uint32_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(results[i].has_value()) << "request " << i << " never completed";
    ASSERT_TRUE(*results[i]) << results[i]->err().to_string();
    EXPECT_EQ(as_integer((**results[i])[0].value), static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(snmp->stats().retransmissions, 0u);
}

TEST_F(client_exchange, error_status_names_the_varbind) {
  scripted_peer peer(io, [](const message& m) {
    return reply{.response = pdu{.error_status = static_cast<int>(errc::no_access),
                                 .error_index = 1,
                                 .varbinds = m.pdu.varbinds}};
  });
  auto got = run(io, snmp->async_set(target_for(peer), {{base.child(3), std::int32_t{2}}}));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::no_access));
  EXPECT_NE(got.err().detail.find(base.child(3).to_string()), std::string::npos);
}

// A tiny agent: values at base.1 .. base.n, answering GetNext and GetBulk.
reply walk_answer(const message& m, std::uint32_t n) {
  pdu out{.type = pdu_type::response};
  auto next_after = [&](const oid& o) -> varbind {
    for (std::uint32_t i = 1; i <= n; ++i) {
      if (base.child(i) > o) return {base.child(i), static_cast<std::int32_t>(i)};
    }
    return {o, end_of_mib_view{}};
  };
  if (m.pdu.type == pdu_type::get_bulk_request) {
    oid cursor = m.pdu.varbinds.at(0).name;
    for (int r = 0; r < m.pdu.max_repetitions(); ++r) {
      auto vb = next_after(cursor);
      out.varbinds.push_back(vb);
      if (std::holds_alternative<end_of_mib_view>(vb.value)) break;
      cursor = vb.name;
    }
  } else {
    for (const auto& vb : m.pdu.varbinds)
      out.varbinds.push_back(next_after(vb.name));
  }
  return reply{.response = out};
}

TEST_F(client_exchange, walk_uses_getbulk_on_v2c_and_getnext_on_v1) {
  scripted_peer peer(io, [](const message& m) { return walk_answer(m, 24); });
  auto t = target_for(peer);
  t.bulk_max_repetitions = 10;
  auto v2 = run(io, snmp->async_walk(t, base));
  ASSERT_TRUE(v2) << v2.err().to_string();
  EXPECT_EQ(v2->size(), 24u);
  EXPECT_EQ(peer.requests().size(), 3u) << "24 rows in bulks of 10";
  EXPECT_EQ(peer.requests()[0].pdu.type, pdu_type::get_bulk_request);

  auto v1 = run(io, snmp->async_walk(target_for(peer, version::v1), base));
  ASSERT_TRUE(v1) << v1.err().to_string();
  EXPECT_EQ(*v1, *v2);
  EXPECT_EQ(peer.requests().back().pdu.type, pdu_type::get_next_request);
}

TEST_F(client_exchange, walk_stops_on_an_agent_that_does_not_advance) {
  scripted_peer peer(io, [](const message&) {
    return reply{.response = pdu{.varbinds = {{base.child(1), std::int32_t{1}}}}};
  });
  auto got = run(io, snmp->async_walk(target_for(peer, version::v1), base));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::response_mismatch));
  EXPECT_LE(peer.requests().size(), 2u);
}

// Fault injection at every step: a walk of 24 rows, v1 (one row per exchange), where the
// k-th request's first attempt meets a fault. Every run must give the same complete result.
TEST_F(client_exchange, walk_survives_a_fault_at_every_step) {
  const std::vector<reply::kind> faults = {reply::kind::silence, reply::kind::garbage,
                                           reply::kind::wrong_request_id,
                                           reply::kind::from_other_port};
  for (auto fault : faults) {
    for (int step = 1; step <= 25; ++step) {
      int seen = 0;
      scripted_peer peer(io, [&](const message& m) {
        reply r = walk_answer(m, 24);
        if (++seen == step) r.how = fault;
        return r;
      });
      auto t = target_for(peer, version::v1);
      t.timeout = 30ms;
      auto got = run(io, snmp->async_walk(t, base));
      ASSERT_TRUE(got) << "fault " << int(fault) << " at step " << step << ": "
                       << got.err().to_string();
      ASSERT_EQ(got->size(), 24u) << "fault " << int(fault) << " at step " << step;
      peer.stop();
    }
  }
}

}  // namespace
}  // namespace pdu2mqtt::snmp

namespace pdu2mqtt::snmp {
namespace {

// A prepared GET: encoded once, each send with a fresh request-id patched in (the peer
// decodes every datagram strictly, and the client matches answers by request-id: a wrongly
// patched id would be a decode failure or a timeout here).
class prepared_exchange : public client_exchange {};

TEST_F(prepared_exchange, answers_like_async_get_with_a_fresh_request_id_each_time) {
  scripted_peer peer(io, [](const message& m) { return reply{.response = echo(m, last_arc)}; });
  auto t = target_for(peer);
  t.max_varbinds = 4;
  const auto prepared = client::prepare_get(t, outlet_oids(10));
  EXPECT_EQ(prepared.requests(), 3u);
  for (int round = 0; round < 3; ++round) {
    auto got = run(io, snmp->async_get(t, prepared));
    ASSERT_TRUE(got) << got.err().to_string();
    ASSERT_EQ(got->size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_EQ((*got)[i].name, base.child(static_cast<std::uint32_t>(i + 1)));
      EXPECT_EQ(as_integer((*got)[i].value), static_cast<std::int64_t>(i + 1));
    }
  }
  ASSERT_EQ(peer.requests().size(), 9u);
  std::set<std::int32_t> ids;
  for (const auto& r : peer.requests()) {
    ids.insert(r.pdu.request_id);
    EXPECT_GE(r.pdu.request_id, 0x01000000) << "four-byte ids, patchable in place";
    EXPECT_EQ(r.community, "public");
  }
  EXPECT_EQ(ids.size(), 9u);
}

TEST_F(prepared_exchange, an_error_status_takes_the_general_path_which_splits_on_too_big) {
  scripted_peer peer(io, [](const message& m) {
    if (m.pdu.varbinds.size() > 2) {
      return reply{.response = pdu{.error_status = static_cast<int>(errc::too_big)}};
    }
    return reply{.response = echo(m, last_arc)};
  });
  auto t = target_for(peer);
  t.max_varbinds = 8;
  const auto prepared = client::prepare_get(t, outlet_oids(8));
  auto got = run(io, snmp->async_get(t, prepared));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 8u);
  EXPECT_EQ(as_integer((*got)[7].value), 8);
  EXPECT_GE(snmp->stats().too_big_splits, 1u);
}

TEST_F(prepared_exchange, a_mismatched_answer_is_an_error_not_a_value) {
  scripted_peer peer(io, [](const message& m) {
    auto p = echo(m, last_arc);
    p.varbinds[0].name = base.child(99);
    return reply{.response = p};
  });
  const auto prepared = client::prepare_get(target_for(peer), outlet_oids(2));
  auto got = run(io, snmp->async_get(target_for(peer), prepared));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::response_mismatch));
}

TEST_F(prepared_exchange, another_community_than_prepared_for_is_served_the_general_way) {
  scripted_peer peer(io, [](const message& m) { return reply{.response = echo(m, last_arc)}; });
  const auto prepared = client::prepare_get(target_for(peer), outlet_oids(2));
  auto t = target_for(peer);
  t.community = "other";
  auto got = run(io, snmp->async_get(t, prepared));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(peer.requests().size(), 1u);
  EXPECT_EQ(peer.requests()[0].community, "other");
}

}  // namespace
}  // namespace pdu2mqtt::snmp
