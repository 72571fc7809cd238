// mqtt::link over TLS with a password against a real Mosquitto (certificates made here with the
// openssl CLI), and the MQTT version: 5 with mosquitto 2, 3.1.1 when forced, and the fallback
// to 3.1.1 against a fake broker that refuses MQTT 5.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pdu2mqtt/mqtt/link.hpp"
#include "support/config_builder.hpp"
#include "support/log_capture.hpp"
#include "support/mosquitto_fixture.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/run_coroutine.hpp"

namespace pdu2mqtt::mqtt {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* user = "bridge";
constexpr const char* password = "tls-Pa55word-7731";
constexpr const char* key_password = "key-Pa55phrase-4410";

using test::run_until;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = test::run_command(argv, 20s);
  ASSERT_EQ(result.exit_code, 0) << test::describe(argv) << "\n" << result.stderr_text;
}

// Two CAs that know nothing of each other; the broker's certificates and ours signed by the
// first. EC P-256 keys: generated in milliseconds.
struct test_pki {
  test::temp_dir dir;
  std::filesystem::path path(const std::string& name) const { return dir.path() / name; }

  void make_key(const std::string& name, bool encrypted = false) {
    std::vector<std::string> args{
        "genpkey", "-algorithm",       "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out",    path(name).string()};
    if (encrypted) {
      args.insert(args.end(), {"-aes-256-cbc", "-pass", std::string("pass:") + key_password});
    }
    openssl(args);
  }

  void make_ca(const std::string& name) {
    make_key(name + ".key");
    openssl({"req", "-x509", "-new", "-key", path(name + ".key").string(), "-subj",
             "/CN=pdu2mqtt test " + name, "-days", "2", "-out", path(name + ".crt").string()});
  }

  // Signed by ca.crt; extensions as openssl x509 -extfile takes them.
  void make_signed(const std::string& name, const std::string& subject,
                   const std::string& extensions, bool encrypted_key = false) {
    make_key(name + ".key", encrypted_key);
    std::vector<std::string> req{"req",   "-new",  "-key", path(name + ".key").string(),
                                 "-subj", subject, "-out", path(name + ".csr").string()};
    if (encrypted_key) req.insert(req.end(), {"-passin", std::string("pass:") + key_password});
    openssl(req);
    const auto ext = dir.write_file(name + ".ext", extensions + "\n");
    static int serial = 1000;
    openssl({"x509", "-req", "-in", path(name + ".csr").string(), "-CA", path("ca.crt").string(),
             "-CAkey", path("ca.key").string(), "-set_serial", std::to_string(++serial), "-days",
             "2", "-extfile", ext.string(), "-out", path(name + ".crt").string()});
  }

  void make_all() {
    make_ca("ca");
    make_ca("other-ca");
    make_signed("server", "/CN=pdu2mqtt test broker",
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
    // A valid certificate from the right CA, for another host.
    make_signed("elsewhere", "/CN=elsewhere.example",
                "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth");
    make_signed("client", "/CN=bridge", "extendedKeyUsage=clientAuth", /*encrypted_key=*/true);
    const auto made = test::run_command(
        {"mosquitto_passwd", "-b", "-c", path("passwords").string(), user, password}, 5s);
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  }
};

class mqtt_tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test_pki();
    pki_->make_all();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(HasFatalFailure());
    const auto& p = *pki_;
    const std::string server = "certfile " + p.path("server.crt").string() + "\nkeyfile " +
                               p.path("server.key").string() + "\ncafile " +
                               p.path("ca.crt").string() + "\n";
    test::mosquitto_setup setup;
    setup.allow_anonymous = false;
    setup.password_file = p.path("passwords");
    setup.extra_listeners = {
        server,
        "certfile " + p.path("elsewhere.crt").string() + "\nkeyfile " +
            p.path("elsewhere.key").string() + "\ncafile " + p.path("ca.crt").string() + "\n",
        server + "require_certificate true\n",
    };
    broker_ = std::make_unique<test::mosquitto_fixture>(std::move(setup));
  }

  std::string tls_url(std::size_t listener) const {
    return "mqtts://127.0.0.1:" + std::to_string(broker_->extra_port(listener));
  }

  link_options options(std::size_t listener, const std::string& client_id) const {
    link_options o;
    o.broker = *parse_broker_url(tls_url(listener));
    o.client_id = client_id;
    o.username = user;
    o.password = password;
    o.keepalive = 5s;
    o.min_backoff = 100ms;
    o.max_backoff = 1s;
    o.tls.ca_file = pki_->path("ca.crt").string();
    return o;
  }

  // No secret in the log: not the password, not the key's password, not a line of the
  // private key.
  void expect_no_secrets() const {
    const auto text = log_.text();
    EXPECT_EQ(text.find(password), std::string::npos) << text;
    EXPECT_EQ(text.find(key_password), std::string::npos) << text;
    std::istringstream key(read_text(pki_->path("client.key")));
    int key_lines = 0;
    for (std::string line; std::getline(key, line);) {
      if (line.empty() || line.starts_with("-----")) continue;
      ++key_lines;
      EXPECT_EQ(text.find(line), std::string::npos) << "key line in the log: " << line;
    }
    EXPECT_GT(key_lines, 0);
  }

  static test_pki* pki_;
  std::unique_ptr<test::mosquitto_fixture> broker_;
  test::log_capture log_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
};

test_pki* mqtt_tls::pki_ = nullptr;

TEST_F(mqtt_tls, right_ca_and_password_connect_publish_and_receive_over_mqtt_5) {
  link client(io_.get_executor(), options(0, "tls-ok"));
  std::vector<message> received;
  client.on_message([&](const message& m) { received.push_back(m); });
  client.subscribe("tls/echo", 1);
  client.start();
  ASSERT_TRUE(run_until(io_, [&] { return client.connected(); })) << log_.text();
  EXPECT_EQ(client.protocol_in_use(), "5");
  EXPECT_EQ(log_.count("(MQTT 5, TLS)"), 1u) << log_.text();
  // The broker saw protocol level 5 (mosquitto logs "(p5, c1, k5, u'bridge')").
  EXPECT_TRUE(run_until(io_, [&] {
    return broker_->process().output().find("as tls-ok (p5, c1, k5, u'bridge')") !=
           std::string::npos;
  })) << broker_->process().output();

  // Our own publish comes back through the broker (MQTT 5 no-local is off, as in 3.1.1).
  const auto deadline = clock_type::now() + 5s;
  while (received.empty() && clock_type::now() < deadline) {
    client.publish("tls/echo", "over tls", 1, false);
    run_until(
        io_, [&] { return !received.empty(); }, 300ms);
  }
  ASSERT_FALSE(received.empty()) << log_.text();
  EXPECT_EQ(received.front().payload, "over tls");
  EXPECT_FALSE(received.front().retained);
  client.stop(1s);
  expect_no_secrets();
}

TEST_F(mqtt_tls, wrong_ca_is_reported_as_certificate_verify_failed_and_retried_with_backoff) {
  auto o = options(0, "tls-wrong-ca");
  o.tls.ca_file = pki_->path("other-ca.crt").string();
  link client(io_.get_executor(), o);
  client.start();
  constexpr auto failure = "TLS handshake failed: certificate verify failed";
  EXPECT_TRUE(run_until(io_, [&] { return log_.count(failure) >= 3; })) << log_.text();
  EXPECT_FALSE(client.connected());
  const auto failures = log_.lines_containing(failure);
  ASSERT_GE(failures.size(), 3u);
  // Backoff 100 ms, then 200 ms (plus the handshake each time).
  const auto first =
      std::chrono::duration_cast<std::chrono::milliseconds>(failures[1].at - failures[0].at);
  const auto second =
      std::chrono::duration_cast<std::chrono::milliseconds>(failures[2].at - failures[1].at);
  std::cout << "[ info     ] retries after a TLS failure came " << first.count() << " ms and "
            << second.count() << " ms apart\n";
  std::cout << "[ info     ] " << failures[0].text << "\n";
  EXPECT_GE(first, 100ms);
  EXPECT_GE(second, 200ms);
  EXPECT_NE(failures[0].text.find("retrying in 100 ms"), std::string::npos) << failures[0].text;
  EXPECT_NE(failures[1].text.find("retrying in 200 ms"), std::string::npos) << failures[1].text;
  client.stop(100ms);

  // The same broker with the right CA: the refusals were about the CA, nothing else.
  link fixed(io_.get_executor(), options(0, "tls-right-ca"));
  fixed.start();
  EXPECT_TRUE(run_until(io_, [&] { return fixed.connected(); })) << log_.text();
  fixed.stop(500ms);
  expect_no_secrets();
}

TEST_F(mqtt_tls, certificate_for_another_host_is_refused_unless_verify_hostname_is_off) {
  {
    link strict(io_.get_executor(), options(1, "tls-host-strict"));
    strict.start();
    EXPECT_TRUE(run_until(io_, [&] { return log_.count("cannot connect") >= 2; })) << log_.text();
    EXPECT_FALSE(strict.connected());
    EXPECT_GE(log_.count("TLS handshake failed: certificate verify failed (IP address mismatch)"),
              2u)
        << log_.text();
    EXPECT_EQ(log_.count("host name verification is off"), 0u) << log_.text();
    strict.stop(100ms);
  }
  auto o = options(1, "tls-host-lax");
  o.tls.verify_hostname = false;
  link lax(io_.get_executor(), o);
  lax.start();
  EXPECT_TRUE(run_until(io_, [&] { return lax.connected(); })) << log_.text();
  // Said once, as a warning.
  EXPECT_EQ(log_.count("[warning] MQTT: TLS host name verification is off"), 1u) << log_.text();
  lax.stop(500ms);
  expect_no_secrets();
}

TEST_F(mqtt_tls, broker_that_requires_a_client_certificate_accepts_ours_and_refuses_none) {
  {
    link anonymous(io_.get_executor(), options(2, "tls-no-cert"));
    anonymous.start();
    EXPECT_TRUE(run_until(io_, [&] { return log_.count("cannot connect") >= 2; })) << log_.text();
    EXPECT_FALSE(anonymous.connected());
    // The broker's TLS 1.3 alert, found by the link's own handshake (Paho says only "failure").
    EXPECT_GE(log_.count("TLS handshake failed: tlsv13 alert certificate required"), 2u)
        << log_.text();
    std::cout << "[ info     ] " << log_.lines_containing("cannot connect").front().text << "\n";
    anonymous.stop(100ms);
  }
  EXPECT_EQ(log_.count("MQTT: connected"), 0u) << log_.text();
  auto o = options(2, "tls-cert");
  o.tls.cert_file = pki_->path("client.crt").string();
  o.tls.key_file = pki_->path("client.key").string();
  o.tls.key_password = key_password;
  link with_cert(io_.get_executor(), o);
  with_cert.start();
  EXPECT_TRUE(run_until(io_, [&] { return with_cert.connected(); })) << log_.text();
  with_cert.stop(500ms);
  expect_no_secrets();
}

TEST_F(mqtt_tls, wrong_password_over_tls_is_reported_and_retried) {
  auto o = options(0, "tls-wrong-password");
  o.password = "not-the-Pa55word";
  link client(io_.get_executor(), o);
  client.start();
  // Mosquitto 2 answers a wrong password with "not authorized" (MQTT 5 0x87).
  EXPECT_TRUE(run_until(io_, [&] {
    return log_.count("bad user name or password") + log_.count("wrong user name or password") >= 2;
  })) << log_.text();
  EXPECT_FALSE(client.connected());
  client.stop(100ms);
  EXPECT_EQ(log_.text().find("not-the-Pa55word"), std::string::npos) << log_.text();
  expect_no_secrets();
}

TEST_F(mqtt_tls, a_tls_broker_that_is_down_is_reported_as_unreachable_not_as_a_tls_problem) {
  auto o = options(0, "tls-down");
  o.broker = *parse_broker_url("mqtts://127.0.0.1:" + std::to_string(test::free_tcp_port()));
  link client(io_.get_executor(), o);
  client.start();
  EXPECT_TRUE(run_until(io_, [&] {
    return log_.count("cannot reach the broker: Connection refused; retrying in") >= 2;
  })) << log_.text();
  EXPECT_EQ(log_.count("TLS handshake failed"), 0u) << log_.text();
  client.stop(100ms);
}

TEST_F(mqtt_tls, forced_3_1_1_is_what_the_broker_sees) {
  auto o = options(0, "tls-v311");
  o.version = protocol::v3_1_1;
  link client(io_.get_executor(), o);
  client.start();
  ASSERT_TRUE(run_until(io_, [&] { return client.connected(); })) << log_.text();
  EXPECT_EQ(client.protocol_in_use(), "3.1.1");
  EXPECT_EQ(log_.count("(MQTT 3.1.1, TLS)"), 1u) << log_.text();
  // Mosquitto's own numbering: p2 is MQTT 3.1.1, p5 MQTT 5.
  EXPECT_TRUE(run_until(io_, [&] {
    return broker_->process().output().find("as tls-v311 (p2, c1, k5, u'bridge')") !=
           std::string::npos;
  })) << broker_->process().output();
  client.stop(500ms);
}

// The whole way from the config file: relative TLS paths, the password file, and bridge/info
// reporting the negotiated version, read back over TLS by mosquitto_sub.
TEST_F(mqtt_tls, bridge_connects_over_tls_from_its_config_and_reports_the_protocol) {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "tls");
  std::filesystem::copy_file(pki_->path("ca.crt"), dir.path() / "tls" / "ca.crt");
  dir.write_file("mqtt.pw", std::string(password) + "\n");
  const auto config = test::config_builder(tls_url(0))
                          .mqtt_login("bridge", "mqtt.pw")
                          .mqtt("tls", {{"ca_file", "tls/ca.crt"}})
                          .write(dir);
  test::child_process bridge({PDU2MQTT_BINARY, "run", "--config", config.string()});
  ASSERT_TRUE(bridge.wait_for_output("MQTT connected to", 10s)) << bridge.output();
  const auto info = test::run_command(
      {"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker_->extra_port(0)), "--cafile",
       pki_->path("ca.crt").string(), "-u", user, "-P", password, "-t", "pdu2mqtt/bridge/info",
       "-C", "1", "-W", "10"},
      15s);
  bridge.stop();
  ASSERT_EQ(info.exit_code, 0) << info.stderr_text << bridge.output();
  const auto j = nlohmann::json::parse(info.stdout_text);
  EXPECT_EQ(j["mqtt"]["protocol"], "5") << info.stdout_text;
  EXPECT_EQ(j["mqtt"]["tls"], true);
  EXPECT_EQ(j["config"]["mqtt"]["tls"]["ca_file"], (dir.path() / "tls" / "ca.crt").string());
  EXPECT_EQ(j["config"]["mqtt"]["password"], "***");
  EXPECT_NE(bridge.output().find("(MQTT 5, TLS)"), std::string::npos) << bridge.output();
  EXPECT_EQ(bridge.output().find(password), std::string::npos) << bridge.output();
  EXPECT_EQ(info.stdout_text.find(password), std::string::npos);
}

// A broker that speaks only MQTT 3.1.1: a CONNECT with protocol level 5 gets `refusal` and a
// closed socket (MQTT 3.1.1 3.1.2.2), a 3.1.1 CONNECT gets CONNACK 0 and an open connection
// until drop() closes it.
class fake_311_broker {
 public:
  explicit fake_311_broker(std::vector<std::uint8_t> refusal) : refusal_(std::move(refusal)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // sockaddr_in -> sockaddr is the socket API's own contract.
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (::bind(listener_, generic, length) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, generic, &length) != 0) {
      throw std::runtime_error("fake broker: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_311_broker() {
    stop_ = true;
    thread_.join();
    for (const int fd : open_)
      ::close(fd);
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  std::vector<int> levels() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return levels_;
  }
  void drop() { drop_ = true; }

 private:
  void serve() {
    while (!stop_) {
      if (drop_.exchange(false)) {
        for (const int fd : open_)
          ::close(fd);
        open_.clear();
      }
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int level = read_connect_level(fd);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        levels_.push_back(level);
      }
      if (level == 4) {
        constexpr std::uint8_t accepted[] = {0x20, 0x02, 0x00, 0x00};
        (void)!::write(fd, accepted, sizeof accepted);
        open_.push_back(fd);
      } else {
        (void)!::write(fd, refusal_.data(), refusal_.size());
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
      }
    }
  }

  // The CONNECT's protocol level (MQTT 3.1.1 3.1.2.2), or -1.
  static int read_connect_level(int fd) {
    std::vector<std::uint8_t> bytes;
    const auto deadline = clock_type::now() + 2s;
    while (clock_type::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      std::uint8_t chunk[512];
      const auto n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) return -1;
      bytes.insert(bytes.end(), chunk, chunk + n);
      // Fixed header, remaining length (varint), then 00 04 'M' 'Q' 'T' 'T' <level>.
      std::size_t i = 1;
      while (i < bytes.size() && (bytes[i] & 0x80) != 0)
        ++i;
      if (bytes.size() > i + 7) return bytes[i + 7];
    }
    return -1;
  }

  std::vector<std::uint8_t> refusal_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> open_;
  mutable std::mutex mutex_;
  std::vector<int> levels_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::thread thread_;
};

struct refusal_case {
  const char* name;
  std::vector<std::uint8_t> connack;
};

class mqtt_protocol_fallback : public ::testing::TestWithParam<refusal_case> {
 protected:
  link_options options_for(std::uint16_t port, protocol version) const {
    link_options o;
    o.broker = *parse_broker_url(test::loopback_mqtt_url(port));
    o.client_id = "fallback";
    o.keepalive = 5s;
    o.min_backoff = 100ms;
    o.max_backoff = 1s;
    o.version = version;
    return o;
  }

  test::log_capture log_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
};

TEST_P(mqtt_protocol_fallback, auto_falls_back_to_3_1_1_once_and_stays_there) {
  fake_311_broker broker(GetParam().connack);
  link client(io_.get_executor(), options_for(broker.port(), protocol::automatic));
  std::vector<bool> events;
  client.on_connection([&](bool up) { events.push_back(up); });
  client.start();
  ASSERT_TRUE(run_until(io_, [&] { return client.connected(); })) << log_.text();
  EXPECT_EQ(client.protocol_in_use(), "3.1.1");
  EXPECT_EQ(broker.levels(), (std::vector<int>{5, 4}));
  EXPECT_EQ(log_.count("refused MQTT 5 (broker refused the connection: unacceptable protocol "
                       "version); using MQTT 3.1.1 from now on"),
            1u)
      << log_.text();
  // The refusal of 5 is no outage: no warning, no backoff.
  EXPECT_EQ(log_.count("cannot connect"), 0u) << log_.text();
  EXPECT_EQ(log_.count("(MQTT 3.1.1)"), 1u) << log_.text();

  // After a loss the link reconnects with 3.1.1 straight away.
  broker.drop();
  ASSERT_TRUE(run_until(io_, [&] { return events.size() >= 3; })) << log_.text();
  EXPECT_EQ(events, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(broker.levels(), (std::vector<int>{5, 4, 4}));
  EXPECT_EQ(log_.count("refused MQTT 5"), 1u) << log_.text();
  client.stop(200ms);
}

TEST_P(mqtt_protocol_fallback, forced_5_never_falls_back) {
  fake_311_broker broker(GetParam().connack);
  link client(io_.get_executor(), options_for(broker.port(), protocol::v5));
  client.start();
  EXPECT_TRUE(run_until(io_, [&] {
    return log_.count("unacceptable protocol version; retrying in") >= 2;
  })) << log_.text();
  EXPECT_FALSE(client.connected());
  const auto levels = broker.levels();
  EXPECT_GE(levels.size(), 2u);
  EXPECT_TRUE(std::all_of(levels.begin(), levels.end(), [](int l) { return l == 5; }));
  EXPECT_EQ(client.protocol_in_use(), "");
  client.stop(100ms);
}

INSTANTIATE_TEST_SUITE_P(refusals, mqtt_protocol_fallback,
                         ::testing::Values(
                             // An MQTT 3.1.1 broker: CONNACK return code 1 (MQTT 3.1.1 3.2.2.3).
                             refusal_case{"connack_3_1_1_code_1", {0x20, 0x02, 0x00, 0x01}},
                             // A broker that knows MQTT 5 but does not allow it: reason 0x84, no
                             // properties (MQTT 5 3.2.2.2).
                             refusal_case{"connack_5_reason_0x84", {0x20, 0x03, 0x00, 0x84, 0x00}}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pdu2mqtt::mqtt
