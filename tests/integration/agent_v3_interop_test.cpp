// Our agent as an SNMPv3 engine, queried by net-snmp 5.9.3's snmpget and snmpset: GET and SET
// for every auth x priv pair, and the Reports net-snmp turns into its own error messages.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <thread>

#include "pdu2mqtt/snmp/udp_agent.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "support/snmpd_fixture.hpp"
#include "unit/usm/outlet_mib.hpp"

namespace pdu2mqtt::snmp {
namespace {

using namespace std::chrono_literals;
using usm_test::outlet_state_1;
using usm_test::sys_descr_0;
using v3::auth_protocol;
using v3::priv_protocol;

constexpr auth_protocol every_auth[] = {auth_protocol::md5,    auth_protocol::sha1,
                                        auth_protocol::sha224, auth_protocol::sha256,
                                        auth_protocol::sha384, auth_protocol::sha512};
constexpr priv_protocol every_priv[] = {priv_protocol::none, priv_protocol::des,
                                        priv_protocol::aes128, priv_protocol::aes192,
                                        priv_protocol::aes256};

// net-snmp's protocol name reduced to letters and digits: "SHA-224" -> "sha224".
std::string name_part(std::string_view protocol) {
  std::string out;
  for (const char c : protocol) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

v3::user user_for(auth_protocol auth, priv_protocol priv) {
  v3::user u{.auth = auth, .priv = priv};
  u.name = "v3_" + name_part(v3::to_string(auth)) + "_" + name_part(v3::to_string(priv));
  if (auth != auth_protocol::none) u.auth_password = "a-" + u.name + "-secret";
  if (priv != priv_protocol::none) u.priv_password = "p-" + u.name + "-secret";
  return u;
}

std::vector<v3::user> users() {
  std::vector<v3::user> out{user_for(auth_protocol::none, priv_protocol::none)};
  for (const auto auth : every_auth)
    for (const auto priv : every_priv)
      out.push_back(user_for(auth, priv));
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.pop_back();
  return text;
}

// One agent for the suite (localizing 61 keys takes a moment), served on its own thread
// while the tests run net-snmp's tools as child processes.
class agent_v3_against_net_snmp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    io_ = std::make_unique<asio::io_context>();
    data_ = std::make_unique<usm_test::outlet_mib>();
    agent_options options{.engine_id = std::string("\x80\x00\x0e\xe0\x04interop", 12),
                          .engine_boots = 2,
                          .v3_users = users()};
    auto created = udp_agent::create(io_->get_executor(), {asio::ip::address_v4::loopback(), 0},
                                     *data_, std::move(options));
    ASSERT_TRUE(created) << created.err().to_string();
    agent_ = *created;
    thread_ = std::make_unique<std::thread>([] { io_->run(); });
  }
  static void TearDownTestSuite() {
    if (thread_) {
      asio::post(*io_, [] { agent_->close(); });
      // run() returns once the closed agent holds no more work; stop() if it does not.
      for (int i = 0; i < 200 && !io_->stopped(); ++i)
        std::this_thread::sleep_for(10ms);
      io_->stop();
      thread_->join();
    }
    thread_.reset();
    agent_.reset();
    data_.reset();
    io_.reset();
  }

  static std::string endpoint() {
    return "127.0.0.1:" + std::to_string(agent_->local_endpoint().port());
  }

  static test::command_result get(const v3::user& u) {
    return test::net_snmp_v3_tool("snmpget", u, {"-Oqv", endpoint(), sys_descr_0.to_string()});
  }
  static test::command_result set(const v3::user& u, int state) {
    return test::net_snmp_v3_tool(
        "snmpset", u, {"-Oqv", endpoint(), outlet_state_1.to_string(), "i", std::to_string(state)});
  }

  static inline std::unique_ptr<asio::io_context> io_;
  static inline std::unique_ptr<usm_test::outlet_mib> data_;
  static inline std::shared_ptr<udp_agent> agent_;
  static inline std::unique_ptr<std::thread> thread_;
};

TEST_F(agent_v3_against_net_snmp, get_and_set_for_every_auth_priv_pair) {
  int state = 1;
  for (const v3::user& u : users()) {
    SCOPED_TRACE(u.name);
    const auto got = get(u);
    ASSERT_EQ(got.exit_code, 0) << got.stderr_text << got.stdout_text;
    EXPECT_EQ(trimmed(got.stdout_text), "\"simulated ePDU\"");
    state = state == 1 ? 2 : 1;
    const auto done = set(u, state);
    ASSERT_EQ(done.exit_code, 0) << done.stderr_text << done.stdout_text;
    EXPECT_EQ(trimmed(done.stdout_text), std::to_string(state));
  }
  const auto& c = agent_->counters();
  EXPECT_EQ(c.usm_wrong_digests + c.usm_decryption_errors + c.usm_not_in_time_windows, 0u);
  EXPECT_GE(c.sets_accepted, users().size());
}

TEST_F(agent_v3_against_net_snmp, reports_become_net_snmps_errors) {
  struct refused {
    const char* what;
    v3::user user;
    const char* message;  // as snmpget prints it
  };
  v3::user wrong_auth = user_for(auth_protocol::sha256, priv_protocol::aes128);
  wrong_auth.auth_password = "not-the-auth-secret";
  v3::user wrong_priv = user_for(auth_protocol::sha1, priv_protocol::des);
  wrong_priv.priv_password = "not-the-priv-secret";
  v3::user stranger = user_for(auth_protocol::md5, priv_protocol::none);
  stranger.name = "stranger";
  v3::user too_high = user_for(auth_protocol::sha1, priv_protocol::none);
  too_high.priv = priv_protocol::aes128;
  too_high.priv_password = "some-priv-secret";
  const refused cases[] = {
      {"wrong auth pass phrase", wrong_auth, "Authentication failure"},
      {"wrong privacy pass phrase", wrong_priv, "Decryption error"},
      {"unknown user", stranger, "Unknown user name"},
      {"privacy for a user without it", too_high, "Unsupported security level"},
  };
  for (const refused& r : cases) {
    const auto got = get(r.user);
    EXPECT_NE(got.exit_code, 0) << r.what;
    EXPECT_NE(got.stderr_text.find(r.message), std::string::npos)
        << r.what << ": " << got.stderr_text << got.stdout_text;
  }
}

TEST_F(agent_v3_against_net_snmp, a_manager_with_a_wrong_clock_is_resynchronized) {
  // -e/-Z: net-snmp skips discovery and uses these; the authenticated notInTimeWindow Report
  // (RFC 3414 3.2 step 7a) gives it the real boots and time, and it retries once.
  const v3::user u = user_for(auth_protocol::sha512, priv_protocol::aes256);
  const auto before = agent_->counters().usm_not_in_time_windows;
  const auto got = test::net_snmp_v3_tool("snmpget", u,
                                          {"-e", "0x80000ee004696e7465726f70", "-Z", "1,99999",
                                           "-Oqv", endpoint(), sys_descr_0.to_string()});
  ASSERT_EQ(got.exit_code, 0) << got.stderr_text << got.stdout_text;
  EXPECT_EQ(trimmed(got.stdout_text), "\"simulated ePDU\"");
  EXPECT_EQ(agent_->counters().usm_not_in_time_windows, before + 1);
}

}  // namespace
}  // namespace pdu2mqtt::snmp
