// Outlet command payloads and outlet numbers as they come off MQTT: every accepted spelling,
// every refusal with its message, and the escaping of untrusted text for logs.
#include "pdu2mqtt/device/command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pdu2mqtt/common/untrusted_text.hpp"

namespace pdu2mqtt::device {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct accepted {
  const char* name;
  std::string payload;
  outlet_action action;
};

void PrintTo(const accepted& a, std::ostream* os) {
  *os << a.name;
}

class command_accepted : public ::testing::TestWithParam<accepted> {};

TEST_P(command_accepted, parses_to_its_action) {
  const auto parsed = parse_outlet_command(GetParam().payload);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(*parsed, GetParam().action);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(spellings, command_accepted, ::testing::Values(
  accepted{"ON", "ON", outlet_action::on},
  accepted{"on", "on", outlet_action::on},
  accepted{"On", "On", outlet_action::on},
  accepted{"oN", "oN", outlet_action::on},
  accepted{"OFF", "OFF", outlet_action::off},
  accepted{"off", "off", outlet_action::off},
  accepted{"Off", "Off", outlet_action::off},
  accepted{"REBOOT", "REBOOT", outlet_action::reboot},
  accepted{"reboot", "reboot", outlet_action::reboot},
  accepted{"ReBoOt", "ReBoOt", outlet_action::reboot},
  accepted{"surrounding_whitespace", " \t ON\r\n", outlet_action::on},
  accepted{"trailing_newline", "OFF\n", outlet_action::off},
  accepted{"json_ON", R"({"state":"ON"})", outlet_action::on},
  accepted{"json_off", R"({"state":"off"})", outlet_action::off},
  accepted{"json_Reboot_spaced", " { \"state\" : \"Reboot\" }\n", outlet_action::reboot},
  accepted{"json_value_whitespace", R"({"state":" on "})", outlet_action::on},
  accepted{"exactly_256_bytes", std::string(254, ' ') + "ON", outlet_action::on},
  accepted{"DELAYON", "DELAYON", outlet_action::delayed_on},
  accepted{"delayoff", "delayoff", outlet_action::delayed_off},
  accepted{"Cancel", "Cancel", outlet_action::cancel},
  accepted{"json_DELAYOFF", R"({"state":"DELAYOFF"})", outlet_action::delayed_off}
), [](const auto& info) { return std::string(info.param.name); });
// clang-format on

struct refused {
  const char* name;
  std::string payload;
  command_errc code;
  std::string message;
};

void PrintTo(const refused& r, std::ostream* os) {
  *os << r.name;
}

class command_refused : public ::testing::TestWithParam<refused> {};

TEST_P(command_refused, with_a_clear_message) {
  const auto parsed = parse_outlet_command(GetParam().payload);
  ASSERT_FALSE(parsed) << "accepted: " << GetParam().payload;
  EXPECT_EQ(parsed.err().code, make_error_code(GetParam().code));
  EXPECT_EQ(parsed.err().detail, GetParam().message);
}

constexpr const char* json_shape =
    R"(expected {"state": "ON"}, "OFF", "REBOOT", "DELAYON", "DELAYOFF" or "CANCEL", optionally with "confirm": true)";
constexpr const char* one_state_key =
    "JSON object must have the key \"state\" and may have \"confirm\", nothing else: ";

// clang-format off
INSTANTIATE_TEST_SUITE_P(payloads, command_refused, ::testing::Values(
  refused{"empty", "", command_errc::empty_payload, "payload is empty"},
  refused{"whitespace", " \r\n\t", command_errc::empty_payload, "payload is only whitespace"},
  refused{"too_large", std::string(257, 'A'), command_errc::payload_too_large,
          "payload of 257 bytes is larger than 256"},
  refused{"too_large_even_if_valid", std::string(255, ' ') + "OFF", command_errc::payload_too_large,
          "payload of 258 bytes is larger than 256"},
  refused{"invalid_utf8", "O\xffN", command_errc::invalid_utf8, "payload is not valid UTF-8"},
  refused{"overlong_utf8", "\xc0\x8f", command_errc::invalid_utf8, "payload is not valid UTF-8"},
  refused{"surrogate_utf8", "\xed\xa0\x80", command_errc::invalid_utf8, "payload is not valid UTF-8"},
  refused{"truncated_utf8", "ON\xe2\x82", command_errc::invalid_utf8, "payload is not valid UTF-8"},
  refused{"toggle", "TOGGLE", command_errc::unknown_command,
          "unknown command 'TOGGLE': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"one", "1", command_errc::unknown_command,
          "unknown command '1': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"zero", "0", command_errc::unknown_command,
          "unknown command '0': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"true", "true", command_errc::unknown_command,
          "unknown command 'true': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"onn", "ONN", command_errc::unknown_command,
          "unknown command 'ONN': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"two_words", "ON OFF", command_errc::unknown_command,
          "unknown command 'ON OFF': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"json_string", "\"ON\"", command_errc::unknown_command,
          "unknown command '\"ON\"': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"nul_inside", std::string("O\0N", 3), command_errc::unknown_command,
          "unknown command 'O\\x00N': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"escape_sequence", "\x1b[2JON", command_errc::unknown_command,
          "unknown command '\\x1b[2JON': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"non_ascii", "\xc3\x96N", command_errc::unknown_command,
          "unknown command '\\xc3\\x96N': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"long_word", std::string(100, 'X'), command_errc::unknown_command,
          "unknown command '" + std::string(32, 'X') + "…': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"json_broken", "{\"state\":", command_errc::malformed_json,
          std::string("payload is not valid JSON: ") + json_shape},
  refused{"json_array_in_braces", "{[]}", command_errc::malformed_json,
          std::string("payload is not valid JSON: ") + json_shape},
  refused{"json_empty_object", "{}", command_errc::malformed_json,
          std::string(one_state_key) + json_shape},
  refused{"json_other_key", R"({"State":"ON"})", command_errc::malformed_json,
          std::string(one_state_key) + json_shape},
  refused{"json_extra_key", R"({"state":"ON","brightness":1})", command_errc::malformed_json,
          std::string(one_state_key) + json_shape},
  refused{"json_duplicate_key", R"({"state":"ON","state":"OFF"})", command_errc::malformed_json,
          std::string(one_state_key) + json_shape},
  refused{"json_state_number", R"({"state":1})", command_errc::malformed_json,
          std::string("\"state\" is not a string: ") + json_shape},
  refused{"json_state_null", R"({"state":null})", command_errc::malformed_json,
          std::string("\"state\" is not a string: ") + json_shape},
  refused{"json_state_object", R"({"state":{"state":"ON"}})", command_errc::malformed_json,
          std::string("\"state\" is not a string: ") + json_shape},
  refused{"json_state_toggle", R"({"state":"TOGGLE"})", command_errc::unknown_command,
          "unknown command 'TOGGLE': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"json_trailing_garbage", R"({"state":"ON"} x)", command_errc::malformed_json,
          std::string("payload is not valid JSON: ") + json_shape},
  refused{"json_array", R"(["ON"])", command_errc::unknown_command,
          "unknown command '[\"ON\"]': expected ON, OFF, REBOOT, DELAYON, DELAYOFF or CANCEL"},
  refused{"json_confirm_not_bool", R"({"state":"REBOOT","confirm":"yes"})",
          command_errc::malformed_json, std::string("\"confirm\" is not true or false: ") + json_shape},
  refused{"json_confirm_alone", R"({"confirm":true})", command_errc::malformed_json,
          std::string(one_state_key) + json_shape},
  refused{"json_confirm_and_extra", R"({"state":"ON","confirm":true,"x":1})",
          command_errc::malformed_json, std::string(one_state_key) + json_shape}
), [](const auto& info) { return std::string(info.param.name); });

TEST(command, confirm_flag_is_carried_with_the_action) {
  EXPECT_EQ(*parse_outlet_command_payload(R"({"state":"reboot","confirm":true})"),
            (outlet_command{outlet_action::reboot, true}));
  EXPECT_EQ(*parse_outlet_command_payload(R"({"confirm":false,"state":"OFF"})"),
            (outlet_command{outlet_action::off, false}));
  EXPECT_EQ(*parse_outlet_command_payload("REBOOT"), (outlet_command{outlet_action::reboot, false}));
}
// clang-format on

TEST(command, invalid_utf8_is_not_echoed) {
  const auto parsed = parse_outlet_command("\xfe\xff\x80");
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.err().to_string(), Not(HasSubstr("\xfe")));
  EXPECT_THAT(parsed.err().to_string(), Not(HasSubstr("\x80")));
}

TEST(command, oversized_payload_is_not_echoed) {
  const auto parsed = parse_outlet_command(std::string(100000, 'Z'));
  ASSERT_FALSE(parsed);
  EXPECT_LT(parsed.err().to_string().size(), 100u);
}

TEST(command, error_category_names_itself) {
  EXPECT_STREQ(command_category().name(), "command");
  EXPECT_EQ(make_error_code(command_errc::no_such_outlet).message(), "no such outlet");
  EXPECT_EQ(parse_outlet_command("TOGGLE").err().to_string(),
            "unknown command: unknown command 'TOGGLE': expected ON, OFF, REBOOT, DELAYON, "
            "DELAYOFF or CANCEL");
}

// ---------------------------------------------------------------------------------------------
// Outlet numbers from the topic

TEST(outlet_number, first_and_last_outlet) {
  EXPECT_EQ(*parse_outlet_number("1", 8), 1);
  EXPECT_EQ(*parse_outlet_number("8", 8), 8);
  EXPECT_EQ(*parse_outlet_number("24", 24), 24);
}

struct bad_number {
  const char* name;
  std::string segment;
  command_errc code;
  std::string message;
};

void PrintTo(const bad_number& b, std::ostream* os) {
  *os << b.name;
}

class outlet_number_refused : public ::testing::TestWithParam<bad_number> {};

TEST_P(outlet_number_refused, with_a_clear_message) {
  const auto parsed = parse_outlet_number(GetParam().segment, 8);
  ASSERT_FALSE(parsed) << "accepted: " << GetParam().segment;
  EXPECT_EQ(parsed.err().code, make_error_code(GetParam().code));
  EXPECT_EQ(parsed.err().detail, GetParam().message);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(segments, outlet_number_refused, ::testing::Values(
  bad_number{"zero", "0", command_errc::no_such_outlet, "no outlet 0: outlets are numbered from 1"},
  bad_number{"one_past_last", "9", command_errc::no_such_outlet,
             "no outlet 9: this PDU has 8 outlets"},
  bad_number{"far_past_last", "25", command_errc::no_such_outlet,
             "no outlet 25: this PDU has 8 outlets"},
  bad_number{"leading_zero", "01", command_errc::bad_outlet_number,
             "outlet number '01' has a leading zero"},
  bad_number{"zeros", "00", command_errc::bad_outlet_number,
             "outlet number '00' has a leading zero"},
  bad_number{"plus_sign", "+1", command_errc::bad_outlet_number,
             "outlet number '+1' is not a plain decimal number"},
  bad_number{"minus_sign", "-1", command_errc::bad_outlet_number,
             "outlet number '-1' is not a plain decimal number"},
  bad_number{"hash_wildcard", "#", command_errc::bad_outlet_number,
             "outlet number '#' is not a plain decimal number"},
  bad_number{"plus_wildcard", "+", command_errc::bad_outlet_number,
             "outlet number '+' is not a plain decimal number"},
  bad_number{"fullwidth_digit", "\xef\xbc\x91", command_errc::bad_outlet_number,
             "outlet number '\\xef\\xbc\\x91' is not a plain decimal number"},
  bad_number{"two_levels", "1/2", command_errc::bad_outlet_number,
             "outlet number '1/2' is not a plain decimal number"},
  bad_number{"empty", "", command_errc::bad_outlet_number, "outlet number is empty"},
  bad_number{"space", " 1", command_errc::bad_outlet_number,
             "outlet number ' 1' is not a plain decimal number"},
  bad_number{"hex", "0x1", command_errc::bad_outlet_number,
             "outlet number '0x1' is not a plain decimal number"},
  bad_number{"word", "all", command_errc::bad_outlet_number,
             "outlet number 'all' is not a plain decimal number"},
  bad_number{"int_max_plus_one", "2147483648", command_errc::no_such_outlet,
             "no outlet 2147483648: this PDU has 8 outlets"},
  bad_number{"overflow", std::string(40, '9'), command_errc::no_such_outlet,
             "no outlet " + std::string(24, '9') + "…: this PDU has 8 outlets"}
), [](const auto& info) { return std::string(info.param.name); });
// clang-format on

TEST(outlet_number, counts_in_the_message_read_naturally) {
  EXPECT_EQ(parse_outlet_number("2", 1).err().detail, "no outlet 2: this PDU has 1 outlet");
  EXPECT_EQ(parse_outlet_number("1", 0).err().detail, "no outlet 1: this PDU has no outlets");
}

// ---------------------------------------------------------------------------------------------
// Untrusted text

TEST(untrusted_text, printable_ascii_is_kept) {
  EXPECT_EQ(printable_excerpt("rack-a/outlet 3: OK"), "rack-a/outlet 3: OK");
  EXPECT_EQ(printable_excerpt(""), "");
}

TEST(untrusted_text, everything_else_is_escaped) {
  EXPECT_EQ(printable_excerpt("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(printable_excerpt(std::string("a\0b\n\x7f", 5)), "a\\x00b\\x0a\\x7f");
  EXPECT_EQ(printable_excerpt("\xc3\xa9"), "\\xc3\\xa9");
  EXPECT_EQ(printable_excerpt("\xe2\x80\xae"), "\\xe2\\x80\\xae");  // U+202E, right-to-left
  EXPECT_EQ(printable_excerpt("a\\x00"), "a\\\\x00");  // a literal backslash stays distinct
}

TEST(untrusted_text, long_text_is_cut_with_an_ellipsis) {
  EXPECT_EQ(printable_excerpt(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(printable_excerpt(std::string(65, 'a')), std::string(64, 'a') + "…");
  EXPECT_EQ(printable_excerpt("abcdef", 3), "abc…");
  EXPECT_EQ(printable_excerpt("abc", 0), "…");
}

TEST(untrusted_text, escapes_are_never_split) {
  EXPECT_EQ(printable_excerpt("ab\x01", 5), "ab…");
  EXPECT_EQ(printable_excerpt("ab\x01", 6), "ab\\x01");
  EXPECT_EQ(printable_excerpt(std::string(1000, '\xff'), 10), "\\xff\\xff…");
}

TEST(untrusted_text, utf8_validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));           // é
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));       // €
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x94\x8c"));   // 🔌
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // continuation without a lead
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong 2-byte
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace pdu2mqtt::device
