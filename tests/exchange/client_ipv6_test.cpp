// One client, IPv4 and IPv6 agents: the client's second socket (the family it was not created
// for) opens at the first request that needs it and shares the receive logic, so answers from
// both families are matched, on one io_context. Agents: simulated PDUs on loopback, in process.
#include <gtest/gtest.h>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/sim/simulator.hpp"
#include "pdu2mqtt/snmp/client.hpp"
#include "pdu2mqtt/snmp/message.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"
#include "support/run_coroutine.hpp"

namespace pdu2mqtt::snmp {
namespace {

namespace cp = cyberpower;
using namespace std::chrono_literals;
using asio::ip::udp;

// A simulated PDU named `name`, answering on `address` (port chosen by the kernel).
struct named_pdu {
  named_pdu(asio::io_context& io, const char* address, std::string name) {
    sim::simulator_options options;
    options.name = std::move(name);
    sim = sim::simulator::create(io.get_executor(), options);
    auto created = udp_agent::create(
        io.get_executor(), udp::endpoint(asio::ip::make_address(address), 0), *sim, options.agent);
    if (!created) throw std::runtime_error(created.err().to_string());
    agent = std::move(*created);
  }
  ~named_pdu() {
    sim->stop();
    agent->close();
  }
  target at() const {
    target t;
    t.endpoint = agent->local_endpoint();
    t.timeout = 500ms;
    t.retries = 1;
    return t;
  }
  std::shared_ptr<sim::simulator> sim;
  std::shared_ptr<udp_agent> agent;
};

// sysName from each target, the requests in flight together.
awaitable<std::vector<std::string>> names_of(std::shared_ptr<client> c, std::vector<target> ts) {
  using namespace asio::experimental::awaitable_operators;
  std::vector<oid> name{cp::system::name};
  auto [a, b] = co_await (c->async_get(ts[0], name) && c->async_get(ts[1], name));
  std::vector<std::string> out;
  for (const auto* got : {&a, &b}) {
    if (!*got) {
      out.push_back("error: " + got->err().to_string());
    } else {
      out.emplace_back(as_octets((**got)[0].value).value_or("not a string"));
    }
  }
  co_return out;
}

TEST(client_ipv6, one_client_reads_an_ipv4_and_an_ipv6_agent_at_once) {
  asio::io_context io;
  named_pdu v4(io, "127.0.0.1", "four");
  named_pdu v6(io, "::1", "six");
  for (const auto* local : {"0.0.0.0", "::"}) {
    SCOPED_TRACE(local);
    auto c = client::create(io.get_executor(), udp::endpoint(asio::ip::make_address(local), 0));
    const auto first = c->local_endpoint();
    for (int round = 0; round < 3; ++round) {
      const auto names = test::run(io, names_of(c, {v4.at(), v6.at()}));
      EXPECT_EQ(names, (std::vector<std::string>{"four", "six"}));
    }
    EXPECT_EQ(c->local_endpoint(), first) << "the socket given at create() stays the first";
    EXPECT_EQ(c->stats().responses_matched, 6u);
    EXPECT_EQ(c->stats().retransmissions, 0u);
    EXPECT_EQ(c->stats().dropped_wrong_source, 0u);
    c->close();
    io.run_for(20ms);
  }
}

// An answer counts only from where the request went, across families too: a request to an
// IPv4 agent answered (right request-id, community and version) from an IPv6 address, on the
// client's IPv6 socket, is dropped as from the wrong source.
TEST(client_ipv6, an_answer_from_the_other_family_is_not_taken) {
  asio::io_context io;
  auto c = client::create(io.get_executor(), udp::endpoint(udp::v6(), 0));
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket impostor(io, udp::endpoint(asio::ip::make_address("::1"), 0));
  const udp::endpoint client_v6(asio::ip::make_address("::1"), c->local_endpoint().port());
  std::vector<std::uint8_t> buffer(2048);
  udp::endpoint from;
  silent.async_receive_from(asio::buffer(buffer), from, [&](std::error_code ec, std::size_t n) {
    if (ec) return;
    auto request = decode(std::span<const std::uint8_t>(buffer.data(), n));
    if (!request) return;
    message answer = *request;
    answer.pdu.type = pdu_type::response;
    answer.pdu.varbinds[0].value = std::string("impostor");
    impostor.send_to(asio::buffer(encode(answer)), client_v6);
  });
  target t;
  t.endpoint = silent.local_endpoint();
  t.timeout = 300ms;
  t.retries = 0;
  auto got = test::run(io, c->async_get(t, {cp::system::name}));
  EXPECT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(errc::timeout));
  EXPECT_EQ(c->stats().dropped_wrong_source, 1u);
  EXPECT_EQ(c->stats().responses_matched, 0u);
  c->close();
  io.run_for(20ms);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
