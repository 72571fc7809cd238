// Parsing of HOST[:PORT] and the shared SNMP CLI options into a target.
#include "snmp_cli_options.hpp"

#include <charconv>

namespace pdu2mqtt::app {

using asio::ip::udp;

void snmp_cli_options::add_to(CLI::App& cmd, const std::string& default_community) {
  community = default_community;
  cmd.add_option("host", host, "PDU address: HOST[:PORT] (default port 161)")->required();
  cmd.add_option("-c,--community", community, "SNMP community")->capture_default_str();
  cmd.add_option("-v,--snmp-version", version, "SNMP version: 1 or 2c")
      ->check(CLI::IsMember({"1", "2c"}))
      ->capture_default_str();
  cmd.add_option("--timeout-ms", timeout_ms, "timeout per attempt")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  cmd.add_option("--retries", retries, "retransmissions after the first attempt")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  cmd.add_option("--max-varbinds", max_varbinds,
                 "varbinds per request (CyberPower agents drop requests with more than ~12)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

result<udp::endpoint> resolve_host_port(const std::string& text) {
  std::string host = text;
  std::string port = "161";
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) {
      return error{std::make_error_code(std::errc::invalid_argument),
                   "'" + text + "': missing ']' after the IPv6 address"};
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        return error{std::make_error_code(std::errc::invalid_argument),
                     "'" + text + "': expected ':PORT' after ']'"};
      }
      port = text.substr(close + 2);
    }
  } else if (const auto colon = text.rfind(':');
             colon != std::string::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int port_number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (ec != std::errc{} || end != port.data() + port.size() || port_number < 1 ||
      port_number > 65535) {
    return error{std::make_error_code(std::errc::invalid_argument),
                 "'" + text + "': port must be a number from 1 to 65535"};
  }
  if (host.empty()) {
    return error{std::make_error_code(std::errc::invalid_argument), "'" + text + "': no host"};
  }
  asio::io_context io;
  udp::resolver resolver(io);
  std::error_code ec2;
  auto found = resolver.resolve(host, port, udp::resolver::numeric_service, ec2);
  if (ec2 || found.empty()) {
    return error{ec2 ? ec2 : std::make_error_code(std::errc::host_unreachable),
                 "cannot resolve '" + host + "'"};
  }
  // Prefer IPv4: the client's default socket is IPv4.
  for (const auto& entry : found) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint();
  }
  return found.begin()->endpoint();
}

result<snmp::target> make_target(const snmp_cli_options& options) {
  auto endpoint = resolve_host_port(options.host);
  if (!endpoint) return endpoint.err();
  snmp::target t;
  t.endpoint = *endpoint;
  t.version = options.version == "1" ? snmp::version::v1 : snmp::version::v2c;
  t.community = options.community;
  t.timeout = std::chrono::milliseconds(options.timeout_ms);
  t.retries = options.retries;
  t.max_varbinds = static_cast<std::size_t>(options.max_varbinds);
  return t;
}

}  // namespace pdu2mqtt::app
