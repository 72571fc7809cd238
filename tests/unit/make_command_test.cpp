// make_command: a command topic and its payload become one command (switch one outlet, switch
// several, rename one), or one refusal that reads as the bridge publishes it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pdu2mqtt/device/command.hpp"
#include "pdu2mqtt/topics/layout.hpp"

namespace pdu2mqtt::device {
namespace {

using ::testing::HasSubstr;
using kind = topics::command_topic::kind;

topics::command_topic aimed(kind what, std::string outlet = "") {
  return {.pdu_id = "rack", .what = what, .outlet_text = std::move(outlet)};
}

TEST(make_command, an_outlet_set_switches_that_outlet) {
  auto got = make_command(aimed(kind::outlet_set, "3"), "off", 8);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(*got, (command{outlet_set{3, {outlet_action::off, false}}}));
  EXPECT_EQ(command_name(*got), "OFF");
  EXPECT_EQ(switching(*got), (pdu_command{{{3, outlet_action::off}}, false}));
}

TEST(make_command, an_outlet_set_carries_its_confirmation) {
  auto got =
      make_command(aimed(kind::outlet_set, "2"), R"({"state": "REBOOT", "confirm": true})", 8);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(*got, (command{outlet_set{2, {outlet_action::reboot, true}}}));
  EXPECT_TRUE(switching(*got).confirmed);
}

TEST(make_command, a_pdu_set_switches_several_outlets) {
  auto got = make_command(aimed(kind::pdu_set), R"({"outlets": {"4": "ON", "3": "OFF"}})", 8);
  ASSERT_TRUE(got) << got.err().to_string();
  const pdu_command expected{{{3, outlet_action::off}, {4, outlet_action::on}}, false};
  EXPECT_EQ(*got, command{expected});
  EXPECT_EQ(command_name(*got), "SET");
  EXPECT_EQ(switching(*got), expected);
}

TEST(make_command, a_name_set_renames_and_switches_nothing) {
  auto got = make_command(aimed(kind::outlet_name_set, "5"), "  web server \n", 8);
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(*got, (command{outlet_rename{5, "web server"}}));
  EXPECT_EQ(command_name(*got), "RENAME");
  EXPECT_TRUE(switching(*got).steps.empty());
}

struct refusal {
  const char* name;
  topics::command_topic topic;
  std::string payload;
  command_errc code;
  std::string message;  // the whole refusal, as published
};

void PrintTo(const refusal& r, std::ostream* os) {
  *os << r.name;
}

class make_command_refused : public ::testing::TestWithParam<refusal> {};

TEST_P(make_command_refused, with_the_message_the_bridge_publishes) {
  auto got = make_command(GetParam().topic, GetParam().payload, 8);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.code(), make_error_code(GetParam().code));
  EXPECT_EQ(got.err().detail, GetParam().message);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(topics_and_payloads, make_command_refused, ::testing::Values(
  refusal{"outlet_not_a_number", aimed(kind::outlet_set, "x"), "ON", command_errc::bad_outlet_number,
          "outlet number 'x' is not a plain decimal number"},
  refusal{"no_such_outlet", aimed(kind::outlet_set, "9"), "ON", command_errc::no_such_outlet,
          "no outlet 9: this PDU has 8 outlets"},
  refusal{"unknown_word", aimed(kind::outlet_set, "3"), "FLIP", command_errc::unknown_command,
          "outlet 3: unknown command 'FLIP': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refusal{"rename_of_no_outlet", aimed(kind::outlet_name_set, "0"), "x", command_errc::no_such_outlet,
          "no outlet 0: outlets are numbered from 1"},
  refusal{"empty_name", aimed(kind::outlet_name_set, "3"), " ", command_errc::bad_name,
          "outlet 3: the new name is empty"},
  refusal{"pdu_set_not_json", aimed(kind::pdu_set), "OFF", command_errc::malformed_json,
          R"(payload is not valid JSON: expected {"outlets": {"3": "OFF", "4": "ON"}}, optionally with "confirm": true)"},
  refusal{"get", aimed(kind::get), "", command_errc::unknown_command,
          "the get topic asks for a read, not a command"}
), [](const auto& info) { return std::string(info.param.name); });
// clang-format on

TEST(command_topics, topic_of_gives_back_the_parsed_topic) {
  const topics::layout l{"pdu2mqtt"};
  for (const std::string topic :
       {"pdu2mqtt/rack/outlet/3/set", "pdu2mqtt/rack/outlet/x/set",
        "pdu2mqtt/rack/outlet/3/name/set", "pdu2mqtt/rack/set", "pdu2mqtt/rack/get"}) {
    auto parsed = topics::parse_command_topic(l, topic);
    ASSERT_TRUE(parsed) << topic;
    EXPECT_EQ(topics::topic_of(l, *parsed), topic);
  }
  EXPECT_EQ(topics::topic_of(l, aimed(kind::outlet_set, "4")), l.outlet_set("rack", 4));
}

}  // namespace
}  // namespace pdu2mqtt::device
