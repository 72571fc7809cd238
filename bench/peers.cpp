// Peers for the benchmarks (see peers.hpp).
#include "peers.hpp"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/config_builder.hpp"
#include "support/run_coroutine.hpp"

namespace pdu2mqtt::bench {

std::vector<std::uint16_t> start_simulators(test::child_process& sim, int n,
                                            std::vector<std::string> args) {
  std::vector<std::string> argv{PDU2MQTT_BINARY, "simulate", "--listen",
                                "127.0.0.1:0",   "--count",  std::to_string(n)};
  argv.insert(argv.end(), args.begin(), args.end());
  sim.start(argv, {{"PDU2MQTT_LOG_LEVEL", "warn"}});
  std::vector<std::uint16_t> ports;
  const auto deadline = clock::now() + 60s;
  while (clock::now() < deadline) {
    ports.clear();
    std::istringstream lines(sim.stdout_text());
    for (std::string line; std::getline(lines, line);) {
      const auto colon = line.find("127.0.0.1:");
      if (colon == std::string::npos || line.back() != ')') continue;
      ports.push_back(static_cast<std::uint16_t>(std::stoi(line.substr(colon + 10))));
    }
    if (static_cast<int>(ports.size()) == n) return ports;
    if (!sim.running()) break;
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("simulators did not start: " + sim.output());
}

std::string bridge_config(std::uint16_t broker_port, const std::vector<pdu_spec>& pdus,
                          bool discovery, const std::string& protocol) {
  test::config_builder config(broker_port);
  config.client_id("pdu2mqtt-bench")
      .mqtt("protocol", protocol)
      .mqtt("discovery", discovery)
      .log_level("warn");
  for (const auto& p : pdus) {
    config.pdu(test::pdu_builder(p.id, p.port)
                   .poll_interval_ms(p.poll_interval_ms)
                   .max_varbinds(p.max_varbinds)
                   .max_commands_per_s(1000)
                   .command_timeout_ms(5000)
                   .snmp_timing(1000, 1));
  }
  return config.text();
}

mqtt_client::mqtt_client(std::uint16_t broker_port, const std::string& filter) {
  mqtt::link_options o;
  o.broker = *mqtt::parse_broker_url(test::loopback_mqtt_url(broker_port));
  o.client_id = fmt::format("pdu2mqtt-bench-client-{}", ::getpid());
  link_ = std::make_unique<mqtt::link>(io_.get_executor(), o);
  link_->on_connection([this](bool up) { connected_ = up; });
  link_->on_message([this](const mqtt::message& m) {
    ++count_;
    received r{m, clock::now()};
    if (handler_) handler_(r);
    if (keep_) messages_.push_back(std::move(r));
  });
  link_->subscribe(filter, 1);
  link_->start();
  if (!wait([this] { return connected_; }, 10s)) throw std::runtime_error("MQTT client: no broker");
}

mqtt_client::~mqtt_client() {
  link_->stop(std::chrono::milliseconds(500));
  io_.run_for(std::chrono::milliseconds(100));
}

bool mqtt_client::wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  return test::run_until(io_, pred, timeout);
}

void mqtt_client::publish(const std::string& topic, const std::string& payload) {
  link_->publish(topic, payload, 1, false);
}

void mqtt_client::on_message(std::function<void(const received&)> f, bool keep) {
  handler_ = std::move(f);
  keep_ = keep;
}

}  // namespace pdu2mqtt::bench
