// The agent as an authoritative SNMPv3 engine (RFC 3414 3.2): discovery and the other Reports,
// the time window, requests served at every security level, and a simulated reboot.
#include <gtest/gtest.h>

#include <map>

#include "pdu2mqtt/snmp/agent.hpp"
#include "pdu2mqtt/snmp/usm.hpp"
#include "unit/usm/outlet_mib.hpp"
#include "usm_test_support.hpp"

namespace {

using namespace pdu2mqtt::snmp;
using usm_test::as_string;
using usm_test::from_hex;
using v3::auth_protocol;
using v3::bytes;
using v3::priv_protocol;

using usm_test::outlet_mib;
using usm_test::outlet_state_1;
using usm_test::sys_descr_0;
const std::string engine_id = as_string(from_hex("8000ef3003000c29aabbcc"));

v3::user make_user(std::string name, auth_protocol a, priv_protocol p) {
  return {.name = std::move(name),
          .auth = a,
          .auth_password = a == auth_protocol::none ? "" : "auth-secret",
          .priv = p,
          .priv_password = p == priv_protocol::none ? "" : "priv-secret"};
}

const v3::user admin = make_user("admin", auth_protocol::sha256, priv_protocol::aes128);
const v3::user auditor = make_user("auditor", auth_protocol::md5, priv_protocol::none);
const v3::user guest = make_user("guest", auth_protocol::none, priv_protocol::none);

std::uint8_t flags_for(v3::security_level level) {
  switch (level) {
    case v3::security_level::no_auth_no_priv:
      return v3::flags::reportable;
    case v3::security_level::auth_no_priv:
      return v3::flags::reportable | v3::flags::auth;
    case v3::security_level::auth_priv:
      break;
  }
  return v3::flags::reportable | v3::flags::auth | v3::flags::priv;
}

class agent_v3 : public ::testing::Test {
 protected:
  agent_v3() { make_agent(); }

  void make_agent() {
    agent_options options;
    options.engine_id = engine_id;
    options.engine_boots = 3;
    options.v3_users = {admin, auditor, guest};
    agent_.emplace(data_, std::move(options));
  }

  // The manager's view: keys for our engine, as snmpget computes them after discovery.
  static const v3::localized_keys& keys_of(const v3::user& u) {
    static std::map<std::string, v3::localized_keys> cache;
    auto it = cache.find(u.name);
    if (it == cache.end()) {
      it = cache.emplace(u.name, v3::localize(u, usm_test::from_hex("8000ef3003000c29aabbcc")))
               .first;
    }
    return it->second;
  }

  v3::message request(const v3::user& u, pdu p) const {
    v3::message m;
    m.msg_id = 777;
    m.max_size = 65507;
    m.flags = flags_for(u.level());
    m.usm = {engine_id, agent_->engine_boots(), agent_->engine_time(), u.name, {}, {}};
    m.context_engine_id = engine_id;
    m.pdu = std::move(p);
    return m;
  }

  std::optional<bytes> send(const v3::message& m, const v3::localized_keys* keys) {
    return agent_->handle(v3::seal(m, keys, ++salt_));
  }

  // The agent's answer opened with keys (or none), which must succeed.
  v3::message answer(const v3::message& m, const v3::localized_keys* keys,
                     const v3::localized_keys* open_keys) {
    auto out = send(m, keys);
    EXPECT_TRUE(out.has_value());
    if (!out) return {};
    auto opened = v3::open(*out, open_keys);
    EXPECT_TRUE(opened) << opened.err().to_string();
    return opened ? *opened : v3::message{};
  }

  static pdu get(std::vector<oid> names, std::int32_t request_id = 31) {
    pdu p{pdu_type::get_request, request_id, 0, 0, {}};
    for (auto& n : names)
      p.varbinds.push_back({std::move(n), null_value{}});
    return p;
  }

  static void expect_report(const v3::message& r, std::string_view counter, std::uint32_t count) {
    ASSERT_EQ(r.pdu.type, pdu_type::report);
    ASSERT_EQ(r.pdu.varbinds.size(), 1u);
    EXPECT_EQ(r.pdu.varbinds[0].name, *oid::parse(counter));
    EXPECT_EQ(r.pdu.varbinds[0].value, value{counter32{count}});
    EXPECT_EQ(r.msg_id, 777);
    EXPECT_EQ(r.flags & v3::flags::reportable, 0);
    EXPECT_EQ(r.usm.engine_id, engine_id);
    EXPECT_EQ(r.context_engine_id, engine_id);
  }

  outlet_mib data_;
  std::optional<agent> agent_;
  std::uint64_t salt_ = 0;
};

TEST_F(agent_v3, discovery_gets_engine_id_boots_and_time) {
  v3::message probe = request(guest, get({}));
  probe.usm = {};  // no engine ID, no user: RFC 3414 4 discovery
  const v3::message r = answer(probe, nullptr, nullptr);
  expect_report(r, v3::report_oid::unknown_engine_ids, 1);
  EXPECT_EQ(r.flags, 0);  // noAuthNoPriv
  EXPECT_EQ(r.pdu.request_id, 31);
  EXPECT_EQ(r.usm.engine_boots, 3);
  EXPECT_GE(r.usm.engine_time, 0);
  EXPECT_LE(r.usm.engine_time, 5);
  EXPECT_EQ(v3::report_error(r.pdu), make_error_code(errc::unknown_engine_id));
  EXPECT_EQ(agent_->counters().usm_unknown_engine_ids, 1u);
}

TEST_F(agent_v3, reports_only_when_reportable) {
  v3::message probe = request(guest, get({}));
  probe.usm = {};
  probe.flags = 0;
  EXPECT_FALSE(send(probe, nullptr).has_value());
  EXPECT_EQ(agent_->counters().usm_unknown_engine_ids, 1u);
}

TEST_F(agent_v3, wrong_engine_id_with_authentication_is_reported_unauthenticated) {
  v3::message m = request(admin, get({sys_descr_0}));
  m.usm.engine_id = as_string(from_hex("8000000001"));
  const v3::message r = answer(m, &keys_of(admin), nullptr);
  expect_report(r, v3::report_oid::unknown_engine_ids, 1);
  EXPECT_EQ(r.flags, 0);
  EXPECT_EQ(r.pdu.request_id, 0);  // encrypted: the agent could not read it
}

TEST_F(agent_v3, unknown_user) {
  const v3::user stranger = make_user("stranger", auth_protocol::none, priv_protocol::none);
  const v3::message r = answer(request(stranger, get({sys_descr_0})), nullptr, nullptr);
  expect_report(r, v3::report_oid::unknown_user_names, 1);
  EXPECT_EQ(r.usm.user_name, "stranger");
  EXPECT_EQ(agent_->counters().usm_unknown_user_names, 1u);
  EXPECT_EQ(data_.sets, 0u);
}

TEST_F(agent_v3, wrong_digest) {
  // The right user name and protocols, another pass phrase.
  v3::user impostor = admin;
  impostor.auth_password = "not-the-secret";
  const auto wrong = v3::localize(impostor, from_hex("8000ef3003000c29aabbcc"));
  pdu set{pdu_type::set_request, 5, 0, 0, {{outlet_state_1, std::int32_t{2}}}};
  const v3::message r = answer(request(admin, set), &wrong, nullptr);
  expect_report(r, v3::report_oid::wrong_digests, 1);
  EXPECT_EQ(r.flags, 0);
  EXPECT_EQ(agent_->counters().usm_wrong_digests, 1u);
  EXPECT_EQ(data_.sets, 0u);
  EXPECT_EQ(data_.outlet_state, 1);
}

TEST_F(agent_v3, decryption_error) {
  v3::user other_priv = admin;
  other_priv.priv_password = "other-priv-secret";
  const auto wrong = v3::localize(other_priv, from_hex("8000ef3003000c29aabbcc"));
  const v3::message r = answer(request(admin, get({sys_descr_0})), &wrong, nullptr);
  expect_report(r, v3::report_oid::decryption_errors, 1);
  EXPECT_EQ(agent_->counters().usm_decryption_errors, 1u);
}

TEST_F(agent_v3, unsupported_security_level) {
  // auditor has no privacy key: an authPriv request cannot be processed.
  v3::message m = request(auditor, get({sys_descr_0}));
  m.flags = flags_for(v3::security_level::auth_priv);
  v3::localized_keys with_priv = keys_of(admin);
  with_priv.auth = auth_protocol::md5;
  with_priv.auth_key = keys_of(auditor).auth_key;
  const v3::message r = answer(m, &with_priv, nullptr);
  expect_report(r, v3::report_oid::unsupported_sec_levels, 1);
  EXPECT_EQ(agent_->counters().usm_unsupported_sec_levels, 1u);
}

TEST_F(agent_v3, below_the_users_level_is_an_authorization_error) {
  v3::message m = request(admin, get({sys_descr_0}));
  m.flags = flags_for(v3::security_level::no_auth_no_priv);
  const v3::message r = answer(m, nullptr, nullptr);
  EXPECT_EQ(r.pdu.type, pdu_type::response);
  EXPECT_EQ(r.pdu.error_status, static_cast<std::int32_t>(errc::authorization_error));
  EXPECT_EQ(r.flags, 0);
}

TEST_F(agent_v3, not_in_time_window_is_reported_authenticated) {
  const struct {
    const char* what;
    std::int32_t boots_delta;
    std::int32_t time_delta;
  } cases[] = {{"old boots", -1, 0},
               {"new boots", 1, 0},
               {"clock 151 s ahead", 0, 151},
               {"clock 1000 s ahead", 0, 1000}};
  std::uint32_t count = 0;
  for (const auto& c : cases) {
    v3::message m = request(admin, get({sys_descr_0}));
    m.usm.engine_boots += c.boots_delta;
    m.usm.engine_time += c.time_delta;
    // The Report is authNoPriv with the user's keys: opening it checks the HMAC.
    const v3::message r = answer(m, &keys_of(admin), &keys_of(admin));
    expect_report(r, v3::report_oid::not_in_time_windows, ++count);
    EXPECT_EQ(r.flags, v3::flags::auth) << c.what;
    EXPECT_EQ(r.usm.user_name, "admin");
    EXPECT_EQ(r.usm.engine_boots, 3) << c.what;
    EXPECT_EQ(r.pdu.request_id, 31) << c.what;
  }
  EXPECT_EQ(agent_->counters().usm_not_in_time_windows, count);
  // Inside the window (150 s) is served.
  v3::message m = request(admin, get({sys_descr_0}));
  m.usm.engine_time += 150;
  EXPECT_EQ(answer(m, &keys_of(admin), &keys_of(admin)).pdu.type, pdu_type::response);
}

TEST_F(agent_v3, get_and_set_over_auth_priv) {
  const v3::message got =
      answer(request(admin, get({sys_descr_0, outlet_state_1})), &keys_of(admin), &keys_of(admin));
  EXPECT_EQ(got.flags, v3::flags::auth | v3::flags::priv);
  EXPECT_EQ(got.msg_id, 777);
  EXPECT_EQ(got.context_engine_id, engine_id);
  EXPECT_EQ(got.usm.user_name, "admin");
  ASSERT_EQ(got.pdu.type, pdu_type::response);
  EXPECT_EQ(got.pdu.request_id, 31);
  ASSERT_EQ(got.pdu.varbinds.size(), 2u);
  EXPECT_EQ(got.pdu.varbinds[0].value, value{std::string("simulated ePDU")});
  EXPECT_EQ(got.pdu.varbinds[1].value, value{std::int32_t{1}});

  pdu set{pdu_type::set_request, 32, 0, 0, {{outlet_state_1, std::int32_t{2}}}};
  const v3::message done = answer(request(admin, set), &keys_of(admin), &keys_of(admin));
  ASSERT_EQ(done.pdu.type, pdu_type::response);
  EXPECT_EQ(done.pdu.error_status, 0);
  EXPECT_EQ(done.pdu.varbinds, set.varbinds);
  EXPECT_EQ(data_.outlet_state, 2);
  EXPECT_EQ(agent_->counters().sets_accepted, 1u);

  pdu refused{pdu_type::set_request, 33, 0, 0, {{sys_descr_0, std::string("x")}}};
  const v3::message no = answer(request(admin, refused), &keys_of(admin), &keys_of(admin));
  EXPECT_EQ(no.pdu.error_status, static_cast<std::int32_t>(errc::not_writable));
  EXPECT_EQ(no.pdu.error_index, 1);
}

TEST_F(agent_v3, served_at_auth_no_priv_and_no_auth_no_priv) {
  const v3::message a =
      answer(request(auditor, get({outlet_state_1})), &keys_of(auditor), &keys_of(auditor));
  EXPECT_EQ(a.flags, v3::flags::auth);
  EXPECT_EQ(a.pdu.varbinds.at(0).value, value{std::int32_t{1}});
  const v3::message g = answer(request(guest, get({outlet_state_1})), nullptr, nullptr);
  EXPECT_EQ(g.flags, 0);
  EXPECT_EQ(g.pdu.type, pdu_type::response);
  EXPECT_EQ(g.pdu.varbinds.at(0).value, value{std::int32_t{1}});
}

TEST_F(agent_v3, get_bulk_fits_the_managers_max_size) {
  v3::message m =
      request(admin, {pdu_type::get_bulk_request, 40, 0, 200, {{oid{1, 3}, null_value{}}}});
  m.max_size = 484;
  auto out = send(m, &keys_of(admin));
  ASSERT_TRUE(out);
  EXPECT_LE(out->size(), 484u);
  auto r = v3::open(*out, &keys_of(admin));
  ASSERT_TRUE(r) << r.err().to_string();
  EXPECT_EQ(r->pdu.error_status, 0);
  EXPECT_GE(r->pdu.varbinds.size(), 2u);  // both objects, then endOfMibView
}

TEST_F(agent_v3, restart_engine_bumps_boots_and_resets_time) {
  const v3::message before = request(admin, get({sys_descr_0}));
  agent_->restart_engine();
  EXPECT_EQ(agent_->engine_boots(), 4);
  EXPECT_LE(agent_->engine_time(), 1);
  // A manager still on the old boots is told the new ones, authenticated.
  const v3::message r = answer(before, &keys_of(admin), &keys_of(admin));
  expect_report(r, v3::report_oid::not_in_time_windows, 1);
  EXPECT_EQ(r.usm.engine_boots, 4);
  // With them, it is served.
  EXPECT_EQ(answer(request(admin, get({sys_descr_0})), &keys_of(admin), &keys_of(admin)).pdu.type,
            pdu_type::response);
}

TEST_F(agent_v3, responses_and_reports_are_not_answered) {
  pdu response{pdu_type::response, 1, 0, 0, {}};
  EXPECT_FALSE(send(request(admin, response), &keys_of(admin)).has_value());
  pdu report{pdu_type::report, 1, 0, 0, {}};
  EXPECT_FALSE(send(request(guest, report), nullptr).has_value());
}

TEST_F(agent_v3, garbage_and_v3_without_an_engine_are_dropped) {
  EXPECT_FALSE(agent_->handle(bytes{0x30, 0x03, 0x02, 0x01, 0x03}).has_value());
  EXPECT_EQ(agent_->counters().undecodable, 1u);
  // v2c still works beside v3.
  auto v2c = agent_->handle(encode(message{version::v2c, "public", get({sys_descr_0})}));
  ASSERT_TRUE(v2c);
  EXPECT_EQ(decode(*v2c)->pdu.varbinds.at(0).value, value{std::string("simulated ePDU")});

  agent plain(data_, agent_options{});
  EXPECT_FALSE(plain.handle(v3::seal(request(guest, get({sys_descr_0})), nullptr, 0)));
  EXPECT_EQ(plain.counters().undecodable, 1u);
}

TEST(agent_v3_config, bad_engine_ids_and_users_are_refused) {
  outlet_mib data;
  agent_options short_id;
  short_id.engine_id = "1234";
  EXPECT_THROW(agent(data, short_id), std::invalid_argument);
  agent_options short_password;
  short_password.engine_id = engine_id;
  short_password.v3_users = {admin};
  short_password.v3_users[0].auth_password = "short";
  EXPECT_THROW(agent(data, short_password), std::invalid_argument);
}

}  // namespace
