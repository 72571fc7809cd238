// Hostile datagrams against the SNMP client while a request is in flight: answers to requests
// never sent, spoofed sources, mismatched messages, the largest and strangest datagrams UDP
// can carry, and a flood. The client must keep going and take the genuine answer (or time out
// cleanly). tests/exchange covers faults met on a first attempt and survived by the retry;
// here the junk and the genuine answer arrive within one attempt, with no retry to hide behind.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/snmp/ber.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "support/run_coroutine.hpp"
#include "support/scripted_udp_peer.hpp"
#include "unit/codec/codec_test_support.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;
using codec_test::bytes;
using codec_test::cat;
using codec_test::repeat;
using test::run;

const oid& model = cyberpower::ident::model;
constexpr std::int32_t genuine_value = 42;
constexpr std::int32_t bogus_value = 666;

using test::outgoing;
using test::source;

// A UDP peer that answers each request with a scripted list of raw datagrams.
class hostile_peer {
 public:
  // n counts requests from 1 (retransmissions included).
  using script = std::function<std::vector<outgoing>(const message& request, int n)>;

  hostile_peer(asio::io_context& io, script s)
      : script_(std::move(s)),
        udp_(io, [this](std::span<const std::uint8_t> datagram) { return answer(datagram); }) {}

  udp::endpoint endpoint() const { return udp_.endpoint(); }
  bool has_other_address() const noexcept { return udp_.has_other_address(); }
  const std::vector<message>& requests() const noexcept { return requests_; }
  void stop() { udp_.stop(); }

 private:
  std::vector<outgoing> answer(std::span<const std::uint8_t> datagram) {
    auto request = decode(datagram);
    if (!request) return {};
    requests_.push_back(*request);
    return script_(*request, static_cast<int>(requests_.size()));
  }

  script script_;
  std::vector<message> requests_;
  test::scripted_udp_peer udp_;  // last: its loop calls answer(), which uses the members above
};

// A response to request echoing its OIDs, each with v; the request's id unless id is given.
bytes response_to(const message& request, value v, std::optional<std::int32_t> id = {}) {
  message m{request.version, request.community, pdu{.type = pdu_type::response}};
  m.pdu.request_id = id.value_or(request.pdu.request_id);
  for (const auto& vb : request.pdu.varbinds)
    m.pdu.varbinds.push_back({vb.name, v});
  return encode(m);
}

bytes genuine(const message& request) {
  return response_to(request, genuine_value);
}

using codec_test::wrap;

bytes integer_tlv(std::int32_t v) {
  bytes out;
  ber::writer(out).integer(v);
  return out;
}

// A v2c Response with the request's id and community around raw varbind-list bytes (the
// whole list TLV, so a test can make it lie about its length).
bytes response_with_list(const message& request, const bytes& list_tlv) {
  bytes community;
  ber::writer(community).octets(request.community);
  return wrap(0x30, cat({integer_tlv(static_cast<std::int32_t>(request.version)), community,
                         wrap(0xA2, cat({integer_tlv(request.pdu.request_id), integer_tlv(0),
                                         integer_tlv(0), list_tlv}))}));
}

// The smallest varbind: .1.3 = NULL, 7 bytes.
const bytes tiny_varbind = {0x30, 0x05, 0x06, 0x01, 0x2B, 0x05, 0x00};

bytes varbinds(std::size_t n) {
  bytes out;
  for (std::size_t i = 0; i < n; ++i)
    out.insert(out.end(), tiny_varbind.begin(), tiny_varbind.end());
  return out;
}

// Deterministic junk.
bytes junk(std::size_t size, std::uint64_t seed) {
  bytes out(size);
  for (auto& b : out) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    b = static_cast<std::uint8_t>(seed);
  }
  return out;
}

// A Response with the request's id whose only value is an OCTET STRING that makes the whole
// datagram exactly max_message_size: the largest string a UDP datagram can carry.
bytes largest_string_response(const message& request, std::optional<std::int32_t> id = {}) {
  const std::size_t probe = 60000;  // any size from 256 to 65535 has a 3-octet length
  const auto overhead = response_to(request, std::string(probe, 's'), id).size() - probe;
  return response_to(request, std::string(max_message_size - overhead, 's'), id);
}

class client_hostile : public ::testing::Test {
 protected:
  asio::io_context io;
  std::shared_ptr<client> snmp = client::create(io.get_executor());
  void TearDown() override { snmp->close(); }

  // One attempt, and long enough that only the genuine answer can end it in time.
  static target target_for(const hostile_peer& peer) {
    target t;
    t.endpoint = peer.endpoint();
    t.timeout = 3s;
    t.retries = 0;
    return t;
  }

  result<std::vector<varbind>> get_model(const target& t) {
    std::vector<oid> oids{model};
    return run(io, snmp->async_get(t, std::move(oids)));
  }

  static void expect_genuine(const result<std::vector<varbind>>& got) {
    ASSERT_TRUE(got) << got.err().to_string();
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->at(0).name, model);
    EXPECT_EQ(got->at(0).value, value{genuine_value});
  }
};

TEST_F(client_hostile, answers_to_requests_never_sent_are_ignored_and_counted) {
  hostile_peer peer(io, [](const message& m, int) {
    std::vector<outgoing> out;
    const std::int32_t id = m.pdu.request_id;
    for (std::int32_t other : {id + 1, id - 1, 0, -1, INT32_MAX, INT32_MIN})
      out.push_back({response_to(m, bogus_value, other)});
    out.push_back({genuine(m)});
    return out;
  });
  expect_genuine(get_model(target_for(peer)));
  const auto& s = snmp->stats();
  EXPECT_EQ(s.dropped_unknown_request_id, 6u);
  EXPECT_EQ(s.responses_matched, 1u);
  EXPECT_EQ(s.requests_sent, 1u);
}

TEST_F(client_hostile, a_late_answer_to_an_abandoned_request_is_not_taken_for_the_next) {
  std::optional<message> abandoned;
  hostile_peer peer(io, [&](const message& m, int n) -> std::vector<outgoing> {
    if (n == 1) {
      abandoned = m;  // never answered in time
      return {};
    }
    return {{response_to(*abandoned, bogus_value)}, {genuine(m)}};
  });
  auto t = target_for(peer);
  t.timeout = 100ms;
  EXPECT_EQ(get_model(t).code(), make_error_code(errc::timeout));
  t.timeout = 3s;
  expect_genuine(get_model(t));
  EXPECT_EQ(snmp->stats().dropped_unknown_request_id, 1u);
  ASSERT_EQ(peer.requests().size(), 2u);
  EXPECT_NE(peer.requests()[0].pdu.request_id, peer.requests()[1].pdu.request_id);
}

TEST_F(client_hostile, a_spoofed_source_is_ignored_and_the_genuine_answer_taken) {
  bool other_address = false;
  hostile_peer peer(io, [&](const message& m, int) {
    std::vector<outgoing> out{{response_to(m, bogus_value), source::other_port}};
    if (other_address) out.push_back({response_to(m, bogus_value), source::other_address});
    out.push_back({genuine(m)});
    return out;
  });
  other_address = peer.has_other_address();
  expect_genuine(get_model(target_for(peer)));
  EXPECT_EQ(snmp->stats().dropped_wrong_source, other_address ? 2u : 1u);
  EXPECT_EQ(snmp->stats().requests_sent, 1u);
}

TEST_F(client_hostile, the_right_id_on_something_other_than_a_response_is_ignored) {
  hostile_peer peer(io, [](const message& m, int) {
    std::vector<outgoing> out;
    for (auto type : {pdu_type::get_request, pdu_type::set_request, pdu_type::trap_v2,
                      pdu_type::report, pdu_type::inform_request}) {
      message reflected = m;
      reflected.pdu.type = type;
      out.push_back({encode(reflected)});
    }
    out.push_back({genuine(m)});
    return out;
  });
  expect_genuine(get_model(target_for(peer)));
  EXPECT_EQ(snmp->stats().dropped_undecodable, 5u);
}

// An answer must come back in the request's version and community (RFC 1157 4.1, RFC 3584):
// one that does not is somebody else's, even with the right request-id and source.
TEST_F(client_hostile, the_right_id_with_the_wrong_community_or_version_is_ignored) {
  hostile_peer peer(io, [](const message& m, int) {
    message wrong_community{m.version, m.community + "x", pdu{.type = pdu_type::response}};
    wrong_community.pdu.request_id = m.pdu.request_id;
    wrong_community.pdu.varbinds = {{model, bogus_value}};
    message wrong_version = wrong_community;
    wrong_version.community = m.community;
    wrong_version.version = m.version == version::v1 ? version::v2c : version::v1;
    return std::vector<outgoing>{{encode(wrong_community)}, {encode(wrong_version)}, {genuine(m)}};
  });
  expect_genuine(get_model(target_for(peer)));
  EXPECT_EQ(snmp->stats().responses_matched, 1u);
  EXPECT_EQ(snmp->stats().dropped_wrong_community, 2u);
}

// One hostile datagram, then the genuine answer, within one attempt.
struct hostile_case {
  const char* name;
  std::function<bytes(const message& request)> make;
  std::uint64_t client_stats::*counter;
  source from = source::peer;
};

class hostile_datagram : public client_hostile,
                         public ::testing::WithParamInterface<hostile_case> {};

TEST_P(hostile_datagram, is_survived_and_the_genuine_answer_taken) {
  hostile_peer peer(io, [](const message& m, int) {
    return std::vector<outgoing>{{GetParam().make(m), GetParam().from}, {genuine(m)}};
  });
  const auto started = std::chrono::steady_clock::now();
  expect_genuine(get_model(target_for(peer)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "answered only by the timeout?";
  EXPECT_EQ(snmp->stats().*GetParam().counter, 1u);
  EXPECT_EQ(snmp->stats().responses_matched, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    kinds, hostile_datagram,
    ::testing::Values(
        hostile_case{"junk_of_65507_bytes",
                     [](const message&) { return junk(max_message_size, 1); },
                     &client_stats::dropped_undecodable},
        hostile_case{"junk_of_65507_bytes_that_starts_like_a_message",
                     [](const message&) {
                       return cat({{0x30, 0x83, 0x00, 0xFF, 0xDC, 0x02, 0x01, 0x01},
                                   junk(max_message_size - 8, 2)});
                     },
                     &client_stats::dropped_undecodable},
        hostile_case{"empty_datagram", [](const message&) { return bytes{}; },
                     &client_stats::dropped_undecodable},
        hostile_case{"as_many_varbinds_as_fit_with_the_right_id",
                     [](const message& m) {
                       // 9 300 varbinds: as close to 10 000 as a datagram allows.
                       auto out = response_with_list(m, wrap(0x30, varbinds(9300)));
                       EXPECT_LE(out.size(), max_message_size);
                       return out;
                     },
                     &client_stats::dropped_undecodable},
        hostile_case{
            "a_list_claiming_ten_thousand_varbinds",
            [](const message& m) {
              // Length 70 000 (10 000 x 7) with only 9 000 varbinds behind it.
              return response_with_list(m, cat({{0x30, 0x83, 0x01, 0x11, 0x70}, varbinds(9000)}));
            },
            &client_stats::dropped_undecodable},
        hostile_case{"two_hundred_nested_sequences",
                     [](const message&) { return codec_test::nested_sequences(200); },
                     &client_stats::dropped_undecodable},
        hostile_case{"nested_sequences_as_the_value_with_the_right_id",
                     [](const message& m) {
                       const bytes name = {0x06, 0x03, 0x2B, 0x06, 0x01};
                       return response_with_list(
                           m,
                           wrap(0x30, wrap(0x30, cat({name, codec_test::nested_sequences(200)}))));
                     },
                     &client_stats::dropped_undecodable},
        hostile_case{"a_4_gb_length_with_the_right_id",
                     [](const message& m) {
                       return response_with_list(
                           m, cat({{0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, varbinds(1)}));
                     },
                     &client_stats::dropped_undecodable},
        hostile_case{
            "the_largest_octet_string_for_a_request_never_sent",
            [](const message& m) { return largest_string_response(m, m.pdu.request_id + 1000); },
            &client_stats::dropped_unknown_request_id},
        hostile_case{"the_largest_octet_string_with_the_right_id_from_another_port",
                     [](const message& m) { return largest_string_response(m); },
                     &client_stats::dropped_wrong_source, source::other_port}),
    [](const ::testing::TestParamInfo<hostile_case>& info) { return info.param.name; });

TEST_F(client_hostile, the_largest_octet_string_a_datagram_holds_is_taken_when_it_is_the_answer) {
  hostile_peer peer(io, [](const message& m, int) {
    auto big = largest_string_response(m);
    EXPECT_EQ(big.size(), max_message_size);
    return std::vector<outgoing>{{std::move(big)}};
  });
  auto got = get_model(target_for(peer));
  ASSERT_TRUE(got) << got.err().to_string();
  ASSERT_EQ(got->size(), 1u);
  const auto* text = std::get_if<std::string>(&got->at(0).value);
  ASSERT_NE(text, nullptr);
  EXPECT_GT(text->size(), 65000u);
  EXPECT_EQ(text->find_first_not_of('s'), std::string::npos);
}

TEST_F(client_hostile, ten_thousand_junk_datagrams_during_a_request_do_not_stop_it) {
  // The flood runs on its own thread and sockets, racing the client's receive loop, while the
  // peer holds the answer back; once the flood is over, the next retransmission is answered.
  // Much of the flood overflows the client's receive buffer: that is part of the test.
  std::atomic<bool> flood_over{false};
  std::atomic<int> flood_sent{0};
  std::jthread flood;
  hostile_peer peer(io, [&](const message& m, int n) -> std::vector<outgoing> {
    if (n == 1) {
      const udp::endpoint to =
          udp::endpoint(asio::ip::address_v4::loopback(), snmp->local_endpoint().port());
      flood = std::jthread([&flood_over, &flood_sent, to, m] {
        asio::io_context own;
        udp::socket a(own, udp::endpoint(asio::ip::address_v4::loopback(), 0));
        udp::socket b(own, udp::endpoint(asio::ip::address_v4::loopback(), 0));
        const bytes spoof = response_to(m, bogus_value);
        const bytes unknown = response_to(m, bogus_value, m.pdu.request_id + 1);
        const bytes nested = codec_test::nested_sequences(200);
        for (int i = 0; i < 10000; ++i) {
          const bytes noise = junk(1 + static_cast<std::size_t>(i % 200), 1000u + i);
          const bytes* pick[] = {&noise, &spoof, &unknown, &nested};
          std::error_code ec;
          (i % 2 ? a : b).send_to(asio::buffer(*pick[i % 4]), to, 0, ec);
          if (!ec) ++flood_sent;
        }
        flood_over = true;
      });
      return {};
    }
    if (!flood_over) return {};
    return {{genuine(m)}};
  });
  auto t = target_for(peer);
  t.timeout = 100ms;
  t.retries = 100;
  expect_genuine(get_model(t));
  if (flood.joinable()) flood.join();
  EXPECT_TRUE(flood_over);
  EXPECT_EQ(flood_sent, 10000);
  const auto& s = snmp->stats();
  const auto dropped =
      s.dropped_undecodable + s.dropped_unknown_request_id + s.dropped_wrong_source;
  EXPECT_GT(dropped, 0u) << "the flood never reached the client";
  // At most the flood, plus the peer's answers to retransmissions sent before the first answer
  // arrived (late duplicates: unknown request-id by then). With a 4 MiB receive buffer the
  // whole flood may get in.
  EXPECT_LE(dropped, 10000u + s.retransmissions);
  EXPECT_EQ(s.responses_matched, 1u);
  EXPECT_EQ(s.timeouts, 0u);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
