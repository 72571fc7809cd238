// A reading that appears while the bridge runs (an ENVIROSENSOR plugged into a running PDU) is
// found by the periodic capability check, announced, and polled from then on, without the PDU
// restarting. In process: the simulated ATS unit behind a view that hides its sensor tables
// until the test "plugs the sensor in", served over UDP to a real poller.
#include <gtest/gtest.h>

#include "pdu2mqtt/device/cyberpower_oids.hpp"
#include "pdu2mqtt/device/poller.hpp"
#include "pdu2mqtt/sim/simulator.hpp"
#include "pdu2mqtt/snmp/udp_agent.hpp"

namespace pdu2mqtt::device {
namespace {

using namespace std::chrono_literals;

// Answers as the simulator does, except for the ENVIROSENSOR subtree while `unplugged`.
class sensor_socket : public snmp::mib {
 public:
  explicit sensor_socket(snmp::mib& inner) : inner_(inner) {}
  bool unplugged = true;

  snmp::value get(const snmp::oid& name) const override {
    if (hidden(name)) return snmp::no_such_object{};
    return inner_.get(name);
  }
  std::optional<snmp::varbind> get_next(const snmp::oid& name) const override {
    auto next = inner_.get_next(name);
    while (next && hidden(next->name))
      next = inner_.get_next(next->name);
    return next;
  }
  set_outcome set(std::span<const snmp::varbind> varbinds) override { return inner_.set(varbinds); }

 private:
  bool hidden(const snmp::oid& name) const {
    return unplugged && name.starts_with(cyberpower::envir2);
  }
  snmp::mib& inner_;
};

TEST(capability_recheck, a_sensor_plugged_in_later_is_announced_and_polled) {
  asio::io_context io;
  auto options = *sim::preset("ats");
  auto sim = sim::simulator::create(io.get_executor(), options);
  sensor_socket pdu(*sim);
  auto agent = snmp::udp_agent::create(
      io.get_executor(), asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0), pdu,
      options.agent);
  ASSERT_TRUE(agent) << agent.err().to_string();
  auto client = snmp::client::create(io.get_executor());

  poller_settings settings;
  settings.id = "ats";
  settings.read.endpoint = (*agent)->local_endpoint();
  settings.read.timeout = 500ms;
  settings.poll_interval = 100ms;
  settings.capability_recheck = 300ms;
  std::vector<capabilities> announced;
  std::optional<snapshot> last;
  poller_callbacks callbacks;
  callbacks.discovered = [&](const snapshot& now, const std::optional<snapshot>&) {
    announced.push_back(now.caps);
  };
  callbacks.state_changed = [&](const snapshot& now) { last = now; };
  auto p = poller::create(io.get_executor(), client, settings, callbacks);
  p->start();

  const auto run_until = [&](auto done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      io.run_for(20ms);
    return done();
  };
  ASSERT_TRUE(run_until([&] { return !announced.empty(); }, 10s));
  EXPECT_FALSE(announced.front().environment);
  EXPECT_TRUE(announced.front().ats);
  io.run_for(500ms);  // a recheck with nothing new announces nothing
  EXPECT_EQ(announced.size(), 1u);

  pdu.unplugged = false;
  ASSERT_TRUE(run_until([&] { return announced.size() >= 2; }, 5s)) << "no new announcement";
  EXPECT_TRUE(announced.back().environment);
  ASSERT_TRUE(run_until(
      [&] {
        return last && last->metrics.contains({scope::sensor, 1, quantity::temperature});
      },
      5s));
  EXPECT_DOUBLE_EQ(*last->metrics.at({scope::sensor, 1, quantity::temperature}).number, 20.7);
  EXPECT_TRUE(p->online());
  p->stop();
  client->close();
  sim->stop();
  (*agent).reset();
  io.run_for(100ms);
}

}  // namespace
}  // namespace pdu2mqtt::device
