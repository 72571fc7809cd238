// The link's outgoing queue: lanes, coalescing of retained states, the broker's window.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pdu2mqtt/mqtt/outbox.hpp"

namespace pdu2mqtt::mqtt {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

outgoing retained(std::string topic, std::string payload, time_point at = {}) {
  return {std::move(topic), std::move(payload), 1, true, at};
}
outgoing event(std::string topic, std::string payload, time_point at = {}) {
  return {std::move(topic), std::move(payload), 1, false, at};
}

// Everything the window lets out, as "topic=payload".
std::vector<std::string> drain(outbox& box, std::size_t window = 1000) {
  std::vector<std::string> out;
  while (auto m = box.pop(0, window))
    out.push_back(m->topic + "=" + m->payload);
  return out;
}

TEST(mqtt_outbox, urgent_messages_overtake_queued_bulk_ones) {
  outbox box;
  box.push(retained("ha/config/1", "c1"), priority::bulk);
  box.push(retained("ha/config/2", "c2"), priority::bulk);
  box.push(event("pdu/outlet/1/result", "ok"), priority::urgent);
  box.push(retained("pdu/outlet/1", "off"), priority::urgent);
  EXPECT_EQ(drain(box), (std::vector<std::string>{"pdu/outlet/1/result=ok", "pdu/outlet/1=off",
                                                  "ha/config/1=c1", "ha/config/2=c2"}));
  EXPECT_TRUE(box.empty());
}

TEST(mqtt_outbox, a_newer_retained_value_replaces_the_queued_one_in_its_place) {
  outbox box;
  box.push(retained("a", "1"), priority::urgent);
  box.push(retained("b", "1"), priority::urgent);
  box.push(retained("a", "2"), priority::urgent);
  box.push(retained("a", "3"), priority::bulk);  // a bulk re-announce does not demote it
  EXPECT_EQ(box.size(), 2u) << "bounded by the number of topics";
  EXPECT_EQ(box.coalesced(), 2u);
  EXPECT_EQ(drain(box), (std::vector<std::string>{"a=3", "b=1"}));
}

TEST(mqtt_outbox, an_urgent_value_lifts_its_queued_bulk_topic_into_the_urgent_lane) {
  outbox box;
  box.push(retained("state/1", "on"), priority::bulk);
  box.push(retained("state/2", "on"), priority::bulk);
  box.push(retained("other", "x"), priority::urgent);
  box.push(retained("state/2", "off"), priority::urgent);
  EXPECT_EQ(drain(box), (std::vector<std::string>{"other=x", "state/2=off", "state/1=on"}));
}

TEST(mqtt_outbox, events_are_never_merged) {
  outbox box;
  box.push(event("r", "1"), priority::urgent);
  box.push(event("r", "2"), priority::urgent);
  box.push(retained("r", "state"), priority::urgent);
  EXPECT_EQ(box.events(), 2u);
  EXPECT_EQ(drain(box), (std::vector<std::string>{"r=1", "r=2", "r=state"}));
  EXPECT_EQ(box.events(), 0u);
}

TEST(mqtt_outbox, qos_1_waits_for_room_in_the_window_and_qos_0_does_not) {
  outbox box;
  box.push(retained("a", "1"), priority::urgent);
  box.push({"b", "0", 0, false, {}}, priority::urgent);
  EXPECT_FALSE(box.pop(20, 20).has_value()) << "window full: the QoS 1 head waits";
  EXPECT_EQ(box.size(), 2u);
  ASSERT_TRUE(box.pop(19, 20).has_value());
  const auto qos0 = box.pop(20, 20);
  ASSERT_TRUE(qos0.has_value()) << "QoS 0 takes no slot";
  EXPECT_EQ(qos0->topic, "b");
  EXPECT_FALSE(box.pop(0, 20).has_value()) << "empty";
}

TEST(mqtt_outbox, a_popped_topic_can_be_queued_again) {
  outbox box;
  box.push(retained("a", "1"), priority::urgent);
  ASSERT_EQ(box.pop(0, 1)->payload, "1");
  box.push(retained("a", "2"), priority::urgent);
  box.push(retained("a", "3"), priority::urgent);
  EXPECT_EQ(drain(box), std::vector<std::string>{"a=3"});
}

TEST(mqtt_outbox, a_lost_connection_drops_retained_states_and_keeps_events) {
  outbox box;
  box.push(retained("s1", "on"), priority::bulk);
  box.push(event("e1", "held"), priority::urgent);
  box.push(retained("s2", "on"), priority::urgent);
  EXPECT_EQ(box.drop_retained(), 2u);
  box.push(retained("s1", "fresh"), priority::bulk);  // the index was cleared with them
  EXPECT_EQ(drain(box), (std::vector<std::string>{"e1=held", "s1=fresh"}));
}

TEST(mqtt_outbox, the_oldest_event_goes_first_when_dropping) {
  const time_point t0{1s};
  outbox box;
  box.push(retained("s", "on", t0), priority::urgent);
  box.push(event("bulk-event", "b", t0 + 1ms), priority::bulk);
  box.push(event("urgent-event", "u", t0 + 2ms), priority::urgent);
  EXPECT_TRUE(box.drop_oldest_event());
  EXPECT_EQ(drain(box), (std::vector<std::string>{"s=on", "urgent-event=u"}));
  EXPECT_FALSE(box.drop_oldest_event()) << "none left; retained states are not events";
}

TEST(mqtt_outbox, events_queued_before_a_cutoff_expire) {
  const time_point t0{1s};
  outbox box;
  box.push(event("old", "1", t0), priority::urgent);
  box.push(retained("state", "kept", t0), priority::urgent);
  box.push(event("new", "2", t0 + 10s), priority::urgent);
  EXPECT_EQ(box.drop_events_queued_before(t0 + 5s), 1u);
  EXPECT_EQ(drain(box), (std::vector<std::string>{"state=kept", "new=2"}));
}

}  // namespace
}  // namespace pdu2mqtt::mqtt
