// Helpers for the example tests (see example_support.hpp).
#include "examples/example_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/config_builder.hpp"

namespace pdu2mqtt::test::examples {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path repo_root() {
  return fs::weakly_canonical(fs::path(PDU2MQTT_FIXTURES) / ".." / "..");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

bool node_available() {
  try {
    auto r = run_command({"node", "--version"}, 20s);
    return r.exit_code == 0 && r.stdout_text.starts_with("v");
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<fs::path> node_red_binary() {
  fs::path dir;
  if (const char* d = std::getenv("PDU2MQTT_NODE_RED_DIR"); d != nullptr && *d != '\0') {
    dir = d;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = fs::path(home) / ".cache" / "pdu2mqtt" / "node-red";
  } else {
    return std::nullopt;
  }
  auto bin = dir / "node_modules" / ".bin" / "node-red";
  std::error_code ec;
  if (!fs::exists(bin, ec) || ::access(bin.c_str(), X_OK) != 0) return std::nullopt;
  return bin;
}

namespace {
std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto slash = s.find('/');
    out.push_back(s.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    s.remove_prefix(slash + 1);
  }
}
}  // namespace

bool valid_topic_filter(std::string_view filter) {
  if (filter.empty()) return false;
  const auto parts = levels(filter);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto p = parts[i];
    if (p.find_first_of("+#") == std::string_view::npos) continue;
    if (p == "+") continue;
    if (p == "#" && i + 1 == parts.size()) continue;
    return false;
  }
  return true;
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  const auto f = levels(filter);
  const auto t = levels(topic);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return f.size() == t.size();
}

json load_yaml(const fs::path& path) {
  auto r = run_command({"python3", "-c",
                        "import sys, yaml, json\n"
                        "print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
                        path.string()},
                       30s);
  if (r.exit_code != 0) {
    throw std::runtime_error("python3/PyYAML could not load " + path.string() + " (exit " +
                             std::to_string(r.exit_code) + "): " + r.stderr_text);
  }
  return json::parse(r.stdout_text);
}

http_response http_request(std::uint16_t port, std::string_view method, std::string_view path,
                           std::chrono::milliseconds timeout) {
  http_response out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.error = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_on_return{fd};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    out.error = std::string("connect: ") + std::strerror(errno);
    return out;
  }
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      out.error = std::string("send: ") + std::strerror(errno);
      return out;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      out.error = std::string("recv: ") + std::strerror(errno) + " after " +
                  std::to_string(response.size()) + " bytes";
      return out;
    }
    response.append(buffer, static_cast<std::size_t>(n));
  }
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (Node-RED's admin API sends Content-Length bodies).
  const auto header_end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || response.size() < 12 || header_end == std::string::npos) {
    out.error = "not an HTTP response: " + response.substr(0, 200);
    return out;
  }
  out.status = std::atoi(response.c_str() + 9);
  out.body = response.substr(header_end + 4);
  return out;
}

std::string demo_stack::discovery_topic() {
  std::string object_id = std::string("pdu2mqtt_") + serial;
  std::transform(object_id.begin(), object_id.end(), object_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "homeassistant/device/" + object_id + "/config";
}

demo_stack::demo_stack()
    : pdu_({"--outlets", "8", "--banks", "2", "--apply-delay-ms", "0", "--reboot-off-ms", "300",
            "--serial", serial}) {
  // The shipped file is JSON with comments; only the addresses change.
  config_ = json::parse(read_text(repo_root() / "config" / "pdu2mqtt.demo.json"), nullptr,
                        /*allow_exceptions=*/true, /*ignore_comments=*/true);
  if (!config_.contains("pdus") || config_["pdus"].size() != 1) {
    throw std::runtime_error("config/pdu2mqtt.demo.json: expected exactly one PDU");
  }
  config_["mqtt"]["url"] = loopback_mqtt_url(broker_.port());
  config_["pdus"][0]["port"] = pdu_.port();
  if (config_.contains("http")) config_["http"]["listen"] = "127.0.0.1:0";  // 8080 may be taken
  const auto path = dir_.write_file("pdu2mqtt.json", config_.dump(2));
  bridge_.start({PDU2MQTT_BINARY, "run", "--config", path.string()});
}

std::string demo_stack::output() {
  return bridge_.output() + "\n" + pdu_.process().output();
}

}  // namespace pdu2mqtt::test::examples
