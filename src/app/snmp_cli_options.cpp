// Parsing of HOST[:PORT] and the shared SNMP CLI options into a target.
#include "snmp_cli_options.hpp"

#include <charconv>
#include <cstdlib>

#include "pdu2mqtt/app/config.hpp"

namespace pdu2mqtt::app {

using asio::ip::udp;

void v3_cli_options::add_to(CLI::App& cmd, const std::string& user_flag) {
  cmd.add_option(user_flag, user, "SNMPv3 user name");
  cmd.add_option("-a,--auth-protocol", auth_protocol,
                 "SNMPv3 authentication: none, MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512")
      ->capture_default_str();
  cmd.add_option("--auth-password-file", auth_password_file,
                 "file holding the SNMPv3 authentication pass phrase (or set " +
                     std::string(env_snmp_auth_password) + ")");
  cmd.add_option("-x,--priv-protocol", priv_protocol,
                 "SNMPv3 privacy: none, DES, AES, AES-192, AES-256")
      ->capture_default_str();
  cmd.add_option("--priv-password-file", priv_password_file,
                 "file holding the SNMPv3 privacy pass phrase (or set " +
                     std::string(env_snmp_priv_password) + ")");
  cmd.add_option("-n,--context", context, "SNMPv3 context name");
}

void snmp_cli_options::add_to(CLI::App& cmd, const std::string& default_community) {
  community = default_community;
  cmd.add_option("host", host, "PDU address: HOST[:PORT] (default port 161)")->required();
  cmd.add_option("-c,--community", community, "SNMP community")->capture_default_str();
  std::vector<std::string> versions;
  for (const auto& [name, v] : snmp::version_names)
    versions.emplace_back(name);
  cmd.add_option("-v,--snmp-version", version, "SNMP version: 1, 2c or 3")
      ->check(CLI::IsMember(versions))
      ->capture_default_str();
  v3.add_to(cmd, "-u,--user");
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
  // Not address_configured: a name for ::1 only (ip6-localhost) resolves on hosts whose only
  // IPv6 address is loopback, as getaddrinfo's AI_ADDRCONFIG would refuse.
  auto found = resolver.resolve(host, port, udp::resolver::numeric_service, ec2);
  const auto endpoint = ec2 ? std::nullopt : snmp::preferred_endpoint(found);
  if (!endpoint) {
    return error{ec2 ? ec2 : std::make_error_code(std::errc::host_unreachable),
                 "cannot resolve '" + host + "'"};
  }
  return *endpoint;
}

namespace {

error invalid(std::string detail) {
  return error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

// The pass phrase from the file named on the command line, else from the environment; empty
// when neither is given.
result<std::string> pass_phrase(std::string_view variable, const std::string& file,
                                std::string_view option) {
  if (!file.empty()) {
    auto read = read_password_file(file);
    if (!read) return invalid(std::string(option) + ": " + read.err().detail);
    return read;
  }
  const char* from_env = std::getenv(std::string(variable).c_str());
  return std::string(from_env != nullptr ? from_env : "");
}

}  // namespace

result<snmp::v3::user> v3_cli_options::make_user() const {
  const auto& o = *this;
  snmp::v3::user u;
  if (o.user.empty()) return invalid("SNMPv3 needs a user name");
  if (o.user.size() > snmp::v3::max_user_name_length) {
    return invalid("--user: at most " + std::to_string(snmp::v3::max_user_name_length) + " bytes");
  }
  u.name = o.user;
  u.context_name = o.context;
  const auto auth = snmp::v3::parse_auth_protocol(o.auth_protocol);
  if (!auth) return invalid("--auth-protocol: unknown protocol '" + o.auth_protocol + "'");
  const auto priv = snmp::v3::parse_priv_protocol(o.priv_protocol);
  if (!priv) return invalid("--priv-protocol: unknown protocol '" + o.priv_protocol + "'");
  u.auth = *auth;
  u.priv = *priv;
  if (u.priv != snmp::v3::priv_protocol::none && u.auth == snmp::v3::auth_protocol::none) {
    return invalid("--priv-protocol needs --auth-protocol (no privacy without authentication)");
  }
  const auto load = [](bool needed, std::string_view variable, const std::string& file,
                       std::string_view option, std::string& into) -> std::optional<error> {
    if (!needed) return std::nullopt;
    auto phrase = pass_phrase(variable, file, option);
    if (!phrase) return phrase.err();
    if (phrase->empty()) {
      return invalid(std::string(option) + " (or " + std::string(variable) + ") is needed");
    }
    if (phrase->size() < snmp::v3::min_password_length) {
      return invalid(std::string(option) + ": the pass phrase must be at least " +
                     std::to_string(snmp::v3::min_password_length) + " characters long");
    }
    into = std::move(*phrase);
    return std::nullopt;
  };
  if (auto e = load(u.auth != snmp::v3::auth_protocol::none, env_snmp_auth_password,
                    o.auth_password_file, "--auth-password-file", u.auth_password)) {
    return *e;
  }
  if (auto e = load(u.priv != snmp::v3::priv_protocol::none, env_snmp_priv_password,
                    o.priv_password_file, "--priv-password-file", u.priv_password)) {
    return *e;
  }
  return u;
}

result<snmp::target> make_target(const snmp_cli_options& options) {
  auto endpoint = resolve_host_port(options.host);
  if (!endpoint) return endpoint.err();
  snmp::target t;
  t.endpoint = *endpoint;
  t.version = value_named(snmp::version_names, options.version).value_or(snmp::version::v2c);
  if (t.version == snmp::version::v3) {
    auto user = options.v3.make_user();
    if (!user) return user.err();
    t.user = std::make_shared<const snmp::v3::user>(std::move(*user));
  }
  t.community = options.community;
  t.timeout = std::chrono::milliseconds(options.timeout_ms);
  t.retries = options.retries;
  t.max_varbinds = static_cast<std::size_t>(options.max_varbinds);
  return t;
}

}  // namespace pdu2mqtt::app
