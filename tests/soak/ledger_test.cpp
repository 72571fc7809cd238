// The soak's answer matching, on timelines taken from real soak runs.
#include "ledger.hpp"

#include <gtest/gtest.h>

namespace pdu2mqtt::soak {
namespace {

using json = nlohmann::json;

const clock::time_point t0 = clock::time_point() + 1h;

command sent_at(int id, std::chrono::milliseconds at, int outlet, action what) {
  command c;
  c.id = id;
  c.at = t0 + at;
  c.outlet = outlet;
  c.what = what;
  c.sent = true;
  c.bridge_online = true;
  c.pdu_online = true;
  return c;
}

json result(std::string_view what, bool ok, long latency_ms, std::string_view error = "") {
  json j = {
      {"command", what}, {"ok", ok}, {"state", ok ? "OFF" : "ON"}, {"latency_ms", latency_ms}};
  j["error"] = error.empty() ? json(nullptr) : json(error);
  return j;
}

// 60-minute soak, seed 60: #3408 was published just before the broker died and never reached
// the bridge; #3413 (after the restart) was refused because the PDU was offline; #3425 was
// executed. Oldest-first gave #3413's refusal to #3408 and #3425's result to #3413.
TEST(SoakLedger, AnUndeliveredCommandDoesNotTakeALaterCommandsAnswer) {
  ledger book(15s, 7s);
  book.add(sent_at(3408, 0ms, 5, action::off));
  book.add(sent_at(3413, 12'000ms, 5, action::off));
  const auto* refused = book.on_result(t0 + 12'049ms, 5, result("OFF", false, 0, "offline"));
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->id, 3413);

  book.add(sent_at(3425, 24'000ms, 5, action::off));
  const auto* executed = book.on_result(t0 + 24'110ms, 5, result("OFF", true, 87));
  ASSERT_NE(executed, nullptr);
  EXPECT_EQ(executed->id, 3425);

  // The broker went down 200 ms after #3408 was sent: excused, and nothing is lost.
  const std::vector<outage> broker = {{t0 + 200ms, t0 + 9'000ms}};
  for (const command* c : book.resolve(t0 + 60s, broker, {})) {
    EXPECT_EQ(c->id, 3408);
    EXPECT_EQ(c->outcome, fate::excused_broker);
  }
  for (const auto& c : book.commands())
    EXPECT_NE(c.outcome, fate::lost) << c.id;
}

TEST(SoakLedger, AResultIsNotGivenToACommandSentAfterTheBridgeStartedOnIt) {
  ledger book(15s, 7s);
  book.add(sent_at(1, 0ms, 3, action::on));
  book.add(sent_at(2, 900ms, 3, action::on));
  // Published 1000 ms after send, 950 ms of it spent on the PDU: it started before #2 was sent.
  const auto* c = book.on_result(t0 + 1'000ms, 3, result("ON", true, 950));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, 1);
}

TEST(SoakLedger, OtherOutletsAndCommandsDoNotMatch) {
  ledger book(15s, 7s);
  book.add(sent_at(1, 0ms, 3, action::on));
  EXPECT_EQ(book.on_result(t0 + 100ms, 4, result("ON", true, 50)), nullptr);
  EXPECT_EQ(book.on_result(t0 + 100ms, 3, result("OFF", true, 50)), nullptr);
  EXPECT_EQ(book.unmatched_results(), 2);
  ASSERT_NE(book.on_result(t0 + 100ms, 3, result("ON", true, 50)), nullptr);
}

TEST(SoakLedger, AnUnansweredCommandWithoutExcuseIsLost) {
  ledger book(15s, 7s);
  book.add(sent_at(1, 0ms, 3, action::on));
  EXPECT_TRUE(book.in_flight(t0 + 1s));
  const auto changed = book.resolve(t0 + 16s, {}, {});
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0]->outcome, fate::lost);
  // An answer after the window still counts, as a late one.
  const auto* late = book.on_result(t0 + 17s, 3, result("ON", true, 50));
  ASSERT_NE(late, nullptr);
  EXPECT_TRUE(late->late);
  EXPECT_EQ(book.late_answers(), 1);
}

TEST(SoakLedger, AnErrorFollowingAFailedResultJoinsThatCommand) {
  ledger book(15s, 7s);
  book.add(sent_at(1, 0ms, 2, action::off));
  book.add(sent_at(2, 500ms, 2, action::off));
  ASSERT_EQ(book.on_result(t0 + 600ms, 2, result("OFF", false, 0, "offline"))->id, 2);
  const json error = {
      {"topic", "pdu2mqtt/soak/outlet/2/set"}, {"payload", "OFF"}, {"error", "offline"}};
  const auto* c = book.on_error(t0 + 601ms, error);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, 2);
  EXPECT_EQ(c->error_text, "offline");
}

}  // namespace
}  // namespace pdu2mqtt::soak
