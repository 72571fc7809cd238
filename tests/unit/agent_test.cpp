// The sans-I/O SNMP agent against a small map-backed MIB: request kinds, v1/v2c error
// mapping (RFC 3416 4.2, RFC 3584 4.4), drops, all-or-nothing SET, tooBig.
#include "pdu2mqtt/snmp/agent.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <map>
#include <optional>
#include <set>

namespace pdu2mqtt::snmp {
namespace {

// A MIB that is a sorted map; writable OIDs accept values of the type they already hold.
class map_mib : public mib {
 public:
  std::map<oid, value> values;
  std::set<oid> writable;
  int set_calls = 0;

  value get(const oid& name) const override {
    auto it = values.find(name);
    if (it == values.end()) return no_such_object{};
    return it->second;
  }
  std::optional<varbind> get_next(const oid& name) const override {
    auto it = values.upper_bound(name);
    if (it == values.end()) return std::nullopt;
    return varbind{it->first, it->second};
  }
  set_outcome set(std::span<const varbind> varbinds) override {
    ++set_calls;
    for (std::size_t i = 0; i < varbinds.size(); ++i) {
      if (!writable.contains(varbinds[i].name)) return {errc::not_writable, i};
      if (values.at(varbinds[i].name).index() != varbinds[i].value.index()) {
        return {errc::wrong_type, i};
      }
    }
    for (const auto& vb : varbinds)
      values[vb.name] = vb.value;
    return {};
  }
};

const oid base{1, 3, 6, 1, 4, 1, 99999, 7};
oid at(std::uint32_t column, std::uint32_t row) {
  return base.child({column, row});
}

class agent_test : public ::testing::Test {
 protected:
  agent_test() {
    // Two "columns" of three rows: 1.r INTEGER r, 2.r "row r"; 3.1 a writable string.
    for (std::uint32_t r = 1; r <= 3; ++r) {
      data_.values[at(1, r)] = static_cast<std::int32_t>(r);
      data_.values[at(2, r)] = "row " + std::to_string(r);
    }
    data_.values[at(3, 1)] = std::string("writable");
    data_.values[at(3, 2)] = std::int32_t{7};
    data_.writable = {at(3, 1), at(3, 2)};
  }

  static message request(pdu_type type, std::vector<oid> names, version v = version::v2c,
                         std::string community = "public") {
    message m;
    m.version = v;
    m.community = std::move(community);
    m.pdu.type = type;
    m.pdu.request_id = 4242;
    for (auto& n : names)
      m.pdu.varbinds.push_back({std::move(n), null_value{}});
    return m;
  }

  static message bulk(std::vector<oid> names, std::int32_t non_repeaters,
                      std::int32_t max_repetitions) {
    auto m = request(pdu_type::get_bulk_request, std::move(names));
    m.pdu.error_status = non_repeaters;
    m.pdu.error_index = max_repetitions;
    return m;
  }

  static message set_request(std::vector<varbind> vbs, version v = version::v2c,
                             std::string community = "private") {
    auto m = request(pdu_type::set_request, {}, v, std::move(community));
    m.pdu.varbinds = std::move(vbs);
    return m;
  }

  // The decoded response, or nullopt when the agent dropped the request.
  std::optional<message> exchange(const message& m) {
    auto reply = agent_->handle(encode(m));
    if (!reply) return std::nullopt;
    EXPECT_LE(reply->size(), agent_->options().max_response_size);
    auto decoded = decode(*reply);
    EXPECT_TRUE(decoded) << decoded.err().to_string();
    if (!decoded) return std::nullopt;
    // RFC 3416 4.2: same request-id; RFC 3584 / 1157: same version and community.
    EXPECT_EQ(decoded->pdu.type, pdu_type::response);
    EXPECT_EQ(decoded->pdu.request_id, m.pdu.request_id);
    EXPECT_EQ(decoded->version, m.version);
    EXPECT_EQ(decoded->community, m.community);
    return *decoded;
  }

  void make_agent(agent_options options) { agent_.emplace(data_, std::move(options)); }

  map_mib data_;
  std::optional<agent> agent_{std::in_place, data_, agent_options{}};
};

TEST_F(agent_test, get_answers_values_and_v2c_exceptions_in_order) {
  auto r = exchange(request(pdu_type::get_request, {at(1, 2), at(9, 9), at(2, 3)}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, 0);
  EXPECT_EQ(r->pdu.error_index, 0);
  ASSERT_EQ(r->pdu.varbinds.size(), 3u);
  EXPECT_EQ(r->pdu.varbinds[0], (varbind{at(1, 2), std::int32_t{2}}));
  EXPECT_EQ(r->pdu.varbinds[1], (varbind{at(9, 9), no_such_object{}}));
  EXPECT_EQ(r->pdu.varbinds[2], (varbind{at(2, 3), std::string("row 3")}));
}

TEST_F(agent_test, write_community_may_read) {
  auto r = exchange(request(pdu_type::get_request, {at(1, 1)}, version::v2c, "private"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.varbinds.at(0).value, value{std::int32_t{1}});
}

TEST_F(agent_test, v1_get_of_a_missing_oid_is_no_such_name_at_the_first_failure) {
  const auto req =
      request(pdu_type::get_request, {at(1, 1), at(9, 1), at(9, 2), at(1, 2)}, version::v1);
  auto r = exchange(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_such_name));
  EXPECT_EQ(r->pdu.error_index, 2);
  EXPECT_EQ(r->pdu.varbinds, req.pdu.varbinds);  // RFC 1157 4.1.2: the request's varbinds
}

TEST_F(agent_test, v1_get_of_counter64_is_no_such_name) {
  data_.values[at(4, 1)] = counter64{1};
  auto r = exchange(request(pdu_type::get_request, {at(1, 1), at(4, 1)}, version::v1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_such_name));
  EXPECT_EQ(r->pdu.error_index, 2);
}

TEST_F(agent_test, get_next_answers_successors_and_end_of_mib_view) {
  auto r = exchange(request(pdu_type::get_next_request, {base, at(1, 3), at(3, 2)}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->pdu.varbinds.size(), 3u);
  EXPECT_EQ(r->pdu.varbinds[0], (varbind{at(1, 1), std::int32_t{1}}));
  EXPECT_EQ(r->pdu.varbinds[1], (varbind{at(2, 1), std::string("row 1")}));
  // RFC 3416 4.2.2: no successor → the request's name with endOfMibView.
  EXPECT_EQ(r->pdu.varbinds[2], (varbind{at(3, 2), end_of_mib_view{}}));
}

TEST_F(agent_test, v1_get_next_past_the_end_is_no_such_name) {
  auto r = exchange(request(pdu_type::get_next_request, {at(1, 1), at(3, 2)}, version::v1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_such_name));
  EXPECT_EQ(r->pdu.error_index, 2);
}

TEST_F(agent_test, v1_get_next_skips_counter64) {
  data_.values[at(1, 4)] = counter64{5};
  auto r = exchange(request(pdu_type::get_next_request, {at(1, 3)}, version::v1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.varbinds.at(0).name, at(2, 1));
}

TEST_F(agent_test, get_bulk_answers_non_repeaters_then_rows) {
  // N = 1 (successor of column 1 row 3), then M = 2 rows of R = 2 columns.
  auto r = exchange(bulk({at(1, 3), at(1, 0), at(2, 0)}, 1, 2));
  ASSERT_TRUE(r);
  const std::vector<varbind> expected{
      {at(2, 1), std::string("row 1")},                                    // non-repeater
      {at(1, 1), std::int32_t{1}},      {at(2, 1), std::string("row 1")},  // row 1
      {at(1, 2), std::int32_t{2}},      {at(2, 2), std::string("row 2")},  // row 2
  };
  EXPECT_EQ(r->pdu.varbinds, expected);
}

TEST_F(agent_test, get_bulk_clamps_negative_and_oversized_parameters) {
  // RFC 3416 4.2.3: N = max(min(non-repeaters, L), 0), M = max(max-repetitions, 0).
  auto r = exchange(bulk({at(1, 1), at(1, 2)}, 7, -3));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->pdu.varbinds.size(), 2u);
  EXPECT_EQ(r->pdu.varbinds[0].name, at(1, 2));
  EXPECT_EQ(r->pdu.varbinds[1].name, at(1, 3));
  r = exchange(bulk({at(1, 1)}, -1, 0));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->pdu.varbinds.empty());
}

TEST_F(agent_test, get_bulk_stops_after_one_row_of_end_of_mib_view) {
  auto r = exchange(bulk({at(3, 0), at(2, 3)}, 0, INT32_MAX));
  ASSERT_TRUE(r);
  const std::vector<varbind> expected{
      {at(3, 1), std::string("writable")}, {at(3, 1), std::string("writable")},
      {at(3, 2), std::int32_t{7}},         {at(3, 2), std::int32_t{7}},
      {at(3, 2), end_of_mib_view{}},       {at(3, 2), end_of_mib_view{}},
  };
  EXPECT_EQ(r->pdu.varbinds, expected);
}

TEST_F(agent_test, get_bulk_is_cut_to_the_response_size_limit) {
  for (std::uint32_t r = 1; r <= 300; ++r)
    data_.values[at(5, r)] = std::int32_t(r);
  agent_options options;
  options.max_response_size = 484;  // RFC 3417 3.2: the smallest size an agent must take
  make_agent(options);
  auto r = exchange(bulk({at(5, 0)}, 0, 1000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, 0);
  EXPECT_GT(r->pdu.varbinds.size(), 10u);
  EXPECT_LT(r->pdu.varbinds.size(), 300u);
  for (std::size_t i = 0; i < r->pdu.varbinds.size(); ++i) {
    EXPECT_EQ(r->pdu.varbinds[i].name, at(5, static_cast<std::uint32_t>(i + 1)));
  }
  // "approximately equal to but no greater than" the limit (RFC 3416 4.2.3): within one varbind.
  message m{version::v2c, "public", r->pdu};
  EXPECT_GT(encode(m).size() + 30, 484u);
}

TEST_F(agent_test, unknown_community_is_dropped_silently) {
  EXPECT_FALSE(exchange(request(pdu_type::get_request, {at(1, 1)}, version::v2c, "guess")));
  EXPECT_FALSE(exchange(set_request({{at(3, 2), std::int32_t{1}}}, version::v1, "Private")));
  EXPECT_EQ(agent_->counters().bad_community, 2u);
  EXPECT_EQ(data_.set_calls, 0);
}

TEST_F(agent_test, more_varbinds_than_the_limit_are_dropped) {
  std::vector<oid> twelve(12, at(1, 1));
  EXPECT_TRUE(exchange(request(pdu_type::get_request, twelve)));
  std::vector<oid> thirteen(13, at(1, 1));
  EXPECT_FALSE(exchange(request(pdu_type::get_request, thirteen)));
  EXPECT_EQ(agent_->counters().too_many_varbinds, 1u);
}

TEST_F(agent_test, garbage_and_non_requests_are_dropped) {
  const std::vector<std::uint8_t> junk{0x30, 0x03, 0x02, 0x01};
  EXPECT_FALSE(agent_->handle(junk));
  EXPECT_FALSE(exchange(request(pdu_type::response, {at(1, 1)})));
  EXPECT_EQ(agent_->counters().undecodable, 2u);
  EXPECT_EQ(agent_->counters().requests, 2u);
}

TEST_F(agent_test, set_with_the_read_community_is_refused_like_net_snmp) {
  const auto v2 = set_request({{at(3, 2), std::int32_t{1}}}, version::v2c, "public");
  auto r = exchange(v2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_access));
  EXPECT_EQ(r->pdu.error_index, 1);
  EXPECT_EQ(r->pdu.varbinds, v2.pdu.varbinds);

  r = exchange(set_request({{at(3, 2), std::int32_t{1}}}, version::v1, "public"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_such_name));
  EXPECT_EQ(r->pdu.error_index, 1);

  EXPECT_EQ(data_.set_calls, 0);
  EXPECT_EQ(data_.values[at(3, 2)], value{std::int32_t{7}});
  EXPECT_EQ(agent_->counters().sets_refused, 2u);
}

TEST_F(agent_test, set_applies_all_and_echoes_the_varbinds) {
  const auto req = set_request({{at(3, 1), std::string("new")}, {at(3, 2), std::int32_t{8}}});
  auto r = exchange(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, 0);
  EXPECT_EQ(r->pdu.varbinds, req.pdu.varbinds);
  EXPECT_EQ(data_.values[at(3, 1)], value{std::string("new")});
  EXPECT_EQ(data_.values[at(3, 2)], value{std::int32_t{8}});
  EXPECT_EQ(agent_->counters().sets_accepted, 1u);
}

TEST_F(agent_test, set_is_all_or_nothing) {
  const auto req = set_request({{at(3, 1), std::string("new")}, {at(1, 1), std::int32_t{9}}});
  auto r = exchange(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::not_writable));
  EXPECT_EQ(r->pdu.error_index, 2);
  EXPECT_EQ(r->pdu.varbinds, req.pdu.varbinds);
  EXPECT_EQ(data_.values[at(3, 1)], value{std::string("writable")});
  EXPECT_EQ(agent_->counters().sets_refused, 1u);
}

TEST_F(agent_test, v1_set_errors_use_the_rfc_3584_mapping) {
  auto r = exchange(set_request({{at(1, 1), std::int32_t{9}}}, version::v1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::no_such_name));  // notWritable
  r = exchange(set_request({{at(3, 1), std::int32_t{9}}}, version::v1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::bad_value));  // wrongType
  EXPECT_EQ(r->pdu.error_index, 1);
}

TEST_F(agent_test, too_big_get_answers_an_empty_too_big) {
  data_.values[at(6, 1)] = std::string(1000, 'x');
  data_.values[at(6, 2)] = std::string(1000, 'y');
  auto r = exchange(request(pdu_type::get_request, {at(6, 1), at(6, 2)}));
  ASSERT_TRUE(r);
  // RFC 3416 4.2.1: error-status tooBig, error-index 0, empty variable-bindings.
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::too_big));
  EXPECT_EQ(r->pdu.error_index, 0);
  EXPECT_TRUE(r->pdu.varbinds.empty());
  // RFC 1157 4.1.2: v1 keeps the request's varbinds.
  const auto v1 = request(pdu_type::get_request, {at(6, 1), at(6, 2)}, version::v1);
  r = exchange(v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::too_big));
  EXPECT_EQ(r->pdu.varbinds, v1.pdu.varbinds);
}

TEST_F(agent_test, too_big_set_is_not_applied) {
  agent_options options;
  options.max_response_size = 60;
  make_agent(options);
  auto r = exchange(set_request({{at(3, 1), std::string(40, 'z')}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pdu.error_status, static_cast<int>(errc::too_big));
  EXPECT_EQ(data_.set_calls, 0);
  EXPECT_EQ(data_.values[at(3, 1)], value{std::string("writable")});
}

}  // namespace
}  // namespace pdu2mqtt::snmp
