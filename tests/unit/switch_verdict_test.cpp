// judge: what a switch outcome means for the command it answered, the one judgement the
// poller's results and the `outlet` command both word.
#include <gtest/gtest.h>

#include "pdu2mqtt/device/reader.hpp"

namespace pdu2mqtt::device {
namespace {

switch_outcome read_back(bool confirmed_expected, bool scheduled = false) {
  return {.confirmed_expected = confirmed_expected, .scheduled = scheduled, .read_any = true};
}

TEST(switch_verdict, the_expected_state_is_done) {
  EXPECT_EQ(judge(read_back(true), outlet_action::off), switch_verdict::done);
  EXPECT_EQ(judge(read_back(true), outlet_action::cancel), switch_verdict::done);
  EXPECT_TRUE(succeeded(switch_verdict::done));
}

TEST(switch_verdict, a_delayed_command_pending_is_scheduled) {
  EXPECT_EQ(judge(read_back(false, true), outlet_action::delayed_on), switch_verdict::scheduled);
  EXPECT_TRUE(succeeded(switch_verdict::scheduled));
}

TEST(switch_verdict, a_lost_answer_outweighs_what_was_read_back) {
  auto o = read_back(true);
  o.lost_answer = error{make_error_code(snmp::errc::timeout), "no answer"};
  EXPECT_EQ(judge(o, outlet_action::on), switch_verdict::answer_lost);
  EXPECT_FALSE(succeeded(switch_verdict::answer_lost));
}

TEST(switch_verdict, each_way_of_falling_short) {
  EXPECT_EQ(judge(switch_outcome{}, outlet_action::on), switch_verdict::no_read_back);
  EXPECT_EQ(judge(read_back(false), outlet_action::delayed_off), switch_verdict::not_scheduled);
  EXPECT_EQ(judge(read_back(false), outlet_action::cancel), switch_verdict::still_pending);
  EXPECT_EQ(judge(read_back(false), outlet_action::reboot), switch_verdict::not_reached);
  for (auto v : {switch_verdict::no_read_back, switch_verdict::not_scheduled,
                 switch_verdict::still_pending, switch_verdict::not_reached}) {
    EXPECT_FALSE(succeeded(v));
  }
}

TEST(switch_verdict, what_each_action_must_show) {
  EXPECT_EQ(expected_state(outlet_action::reboot), power_state::on);
  EXPECT_EQ(expected_state(outlet_action::delayed_off), power_state::off);
  EXPECT_EQ(expected_state(outlet_action::cancel), power_state::unknown);
}

}  // namespace
}  // namespace pdu2mqtt::device
