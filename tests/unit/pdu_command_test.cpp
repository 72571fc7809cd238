// Whole-PDU commands ({"outlets": {...}}), outlet names, the command topics they arrive on,
// and which actions cut power (refused on protected outlets).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::device {
namespace {

using ::testing::HasSubstr;

TEST(pdu_command, several_outlets_in_ascending_order) {
  auto got =
      parse_pdu_command_payload(R"({"outlets": {"4": "on", "3": "OFF", "10": "DELAYON"}})", 10);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(got->steps,
            (std::vector<outlet_step>{
                {3, outlet_action::off}, {4, outlet_action::on}, {10, outlet_action::delayed_on}}));
  EXPECT_FALSE(got->confirmed);
}

TEST(pdu_command, confirm_is_carried) {
  auto got = parse_pdu_command_payload(R"({"outlets": {"1": "REBOOT"}, "confirm": true})", 8);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_TRUE(got->confirmed);
}

struct pdu_refusal {
  const char* name;
  std::string payload;
  command_errc code;
  std::string message_part;
};

void PrintTo(const pdu_refusal& r, std::ostream* os) {
  *os << r.name;
}

class pdu_command_refused : public ::testing::TestWithParam<pdu_refusal> {};

TEST_P(pdu_command_refused, with_a_clear_message) {
  auto got = parse_pdu_command_payload(GetParam().payload, 8);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(GetParam().code));
  EXPECT_THAT(got.err().detail, HasSubstr(GetParam().message_part));
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(payloads, pdu_command_refused, ::testing::Values(
  pdu_refusal{"empty", "", command_errc::empty_payload, "empty"},
  pdu_refusal{"plain_word", "OFF", command_errc::malformed_json, "not valid JSON"},
  pdu_refusal{"array", "[1]", command_errc::malformed_json, "not an object"},
  pdu_refusal{"no_outlets_key", R"({"3": "OFF"})", command_errc::malformed_json, "\"outlets\""},
  pdu_refusal{"extra_key", R"({"outlets": {"3": "OFF"}, "x": 1})", command_errc::malformed_json, "\"outlets\""},
  pdu_refusal{"empty_outlets", R"({"outlets": {}})", command_errc::malformed_json, "at least one"},
  pdu_refusal{"outlets_array", R"({"outlets": ["3"]})", command_errc::malformed_json, "at least one"},
  pdu_refusal{"duplicate_outlet", R"({"outlets": {"3": "ON", "3": "OFF"}})", command_errc::malformed_json, "twice"},
  pdu_refusal{"no_such_outlet", R"({"outlets": {"9": "OFF"}})", command_errc::no_such_outlet, "no outlet 9"},
  pdu_refusal{"outlet_zero", R"({"outlets": {"0": "OFF"}})", command_errc::no_such_outlet, "no outlet 0"},
  pdu_refusal{"leading_zero", R"({"outlets": {"03": "OFF"}})", command_errc::bad_outlet_number, "leading zero"},
  pdu_refusal{"word_not_string", R"({"outlets": {"3": 1}})", command_errc::malformed_json, "outlet 3"},
  pdu_refusal{"unknown_word", R"({"outlets": {"3": "TOGGLE"}})", command_errc::unknown_command, "outlet 3: unknown command 'TOGGLE'"},
  pdu_refusal{"confirm_not_bool", R"({"outlets": {"3": "ON"}, "confirm": "yes"})", command_errc::malformed_json, "confirm"},
  pdu_refusal{"too_large", std::string(5000, ' '), command_errc::payload_too_large, "larger than 4096"},
  pdu_refusal{"not_utf8", "{\"outlets\": {\"3\": \"\xff\"}}", command_errc::invalid_utf8, "UTF-8"}
), [](const auto& info) { return std::string(info.param.name); });
// clang-format on

TEST(outlet_name, trimmed_printable_text) {
  auto got = parse_outlet_name_payload("  web server 2 \n");
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(*got, "web server 2");
  EXPECT_TRUE(parse_outlet_name_payload(std::string(max_outlet_name, 'x')));
}

TEST(outlet_name, refused_when_the_pdu_cannot_store_it) {
  EXPECT_EQ(parse_outlet_name_payload(" ").code(), make_error_code(command_errc::bad_name));
  auto too_long = parse_outlet_name_payload(std::string(max_outlet_name + 1, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_THAT(too_long.err().detail, HasSubstr("at most 31"));
  auto control = parse_outlet_name_payload("a\x1b[2Jb");
  ASSERT_FALSE(control);
  EXPECT_THAT(control.err().detail, HasSubstr("printable ASCII"));
  EXPECT_THAT(control.err().detail, ::testing::Not(HasSubstr("\x1b")));
  EXPECT_FALSE(parse_outlet_name_payload("caf\xc3\xa9"));
}

TEST(outlet_action, what_cuts_power) {
  EXPECT_TRUE(cuts_power(outlet_action::off));
  EXPECT_TRUE(cuts_power(outlet_action::reboot));
  EXPECT_TRUE(cuts_power(outlet_action::delayed_off));
  EXPECT_FALSE(cuts_power(outlet_action::on));
  EXPECT_FALSE(cuts_power(outlet_action::delayed_on));
  EXPECT_FALSE(cuts_power(outlet_action::cancel));
  EXPECT_EQ(action_name(outlet_action::delayed_on), "DELAYON");
  EXPECT_EQ(action_name(outlet_action::cancel), "CANCEL");
}

TEST(command_topics, name_set_and_pdu_set) {
  const topics::layout l{"pdu2mqtt"};
  auto name = topics::parse_command_topic(l, "pdu2mqtt/rack/outlet/3/name/set");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->what, topics::command_topic::kind::outlet_name_set);
  EXPECT_EQ(name->outlet_text, "3");
  EXPECT_EQ(name->pdu_id, "rack");
  auto all = topics::parse_command_topic(l, "pdu2mqtt/rack/set");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->what, topics::command_topic::kind::pdu_set);
  auto outlet = topics::parse_command_topic(l, "pdu2mqtt/rack/outlet/3/set");
  ASSERT_TRUE(outlet);
  EXPECT_EQ(outlet->what, topics::command_topic::kind::outlet_set);
  EXPECT_FALSE(topics::parse_command_topic(l, "pdu2mqtt/rack/outlet/3/name"));
  // No outlet number: taken for an outlet set topic whose number then fails to parse.
  auto empty = topics::parse_command_topic(l, "pdu2mqtt/rack/outlet//name/set");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(parse_outlet_number(empty->outlet_text, 8));
  EXPECT_EQ(l.outlet_name(std::string("rack"), 3), "pdu2mqtt/rack/outlet/3/name");
  EXPECT_EQ(l.pdu_result("rack"), "pdu2mqtt/rack/result");
}

}  // namespace
}  // namespace pdu2mqtt::device
