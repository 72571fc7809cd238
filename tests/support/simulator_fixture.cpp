// Starts `pdu2mqtt simulate` on 127.0.0.1:0 (or the --listen given) and learns its address and
// port from the banner line.
#include "support/simulator_fixture.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace pdu2mqtt::test {
namespace {

constexpr auto start_timeout = 30s;
constexpr std::string_view banner = "simulated PDU listening on udp ";

}  // namespace

simulator_fixture::simulator_fixture(std::vector<std::string> extra_args,
                                     const environment& extra_env) {
  std::vector<std::string> argv{PDU2MQTT_BINARY, "simulate"};
  // A test that restarts "the same PDU" passes its own --listen with a fixed port.
  const bool own_listen = std::any_of(extra_args.begin(), extra_args.end(), [](const auto& arg) {
    return arg == "--listen" || arg.rfind("--listen=", 0) == 0;
  });
  if (!own_listen) argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_.start(std::move(argv), extra_env);
  if (!process_.wait_for_output(banner, start_timeout)) {
    process_.stop();
    throw std::runtime_error("simulator did not report its port:\n" + process_.output());
  }
  // The banner must be the first stdout line: logs go to stderr, so stdout is ours alone.
  // "ADDRESS:PORT" or "[V6ADDRESS]:PORT" follows it.
  const std::string out = process_.stdout_text();
  const auto at = out.rfind(banner, 0) == 0 ? banner.size() : std::string::npos;
  const auto colon = at == std::string::npos ? std::string::npos : out.find(' ', at);
  const auto digits = colon == std::string::npos ? std::string::npos : out.rfind(':', colon);
  unsigned port = 0;
  const auto* first = out.data() + (digits == std::string::npos ? out.size() : digits + 1);
  const auto [end, error] = std::from_chars(first, out.data() + out.size(), port);
  if (digits == std::string::npos || digits <= at || error != std::errc{} || port == 0 ||
      port > 65535) {
    process_.stop();
    throw std::runtime_error("simulator banner is not the first stdout line or has no port:\n" +
                             process_.output());
  }
  port_ = static_cast<std::uint16_t>(port);
  address_ = out.substr(at, digits - at);
  if (address_.size() > 2 && address_.front() == '[' && address_.back() == ']') {
    address_ = address_.substr(1, address_.size() - 2);
  }
}

std::string simulator_fixture::endpoint() const {
  const bool v6 = address_.find(':') != std::string::npos;
  return (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_);
}

}  // namespace pdu2mqtt::test
