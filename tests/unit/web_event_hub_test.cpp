// The web page's event hub: views by id, numbered events, resync after a gap, read-only
// views, and that waiting ends when an event comes or the hub closes.
#include <gtest/gtest.h>

#include <thread>

#include "pdu2mqtt/web/event_hub.hpp"

namespace pdu2mqtt::web {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(event_hub, keeps_the_latest_view_of_each_pdu_in_order_of_appearance) {
  event_hub hub(false);
  hub.put_pdu({{"id", "b"}, {"available", false}});
  hub.put_pdu({{"id", "a"}, {"available", false}});
  hub.put_pdu({{"id", "b"}, {"available", true}});
  auto [snap, seq] = hub.snapshot();
  ASSERT_EQ(snap["pdus"].size(), 2u);
  EXPECT_EQ(snap["pdus"][0]["id"], "b");
  EXPECT_EQ(snap["pdus"][0]["available"], true);
  EXPECT_EQ(seq, 3u);
  hub.remove_pdu("b");
  EXPECT_FALSE(hub.has_pdu("b"));
  EXPECT_TRUE(hub.has_pdu("a"));
  EXPECT_EQ(hub.snapshot().first["pdus"].size(), 1u);
}

TEST(event_hub, a_read_only_page_marks_every_pdu_read_only) {
  event_hub hub(true);
  hub.put_pdu({{"id", "a"}, {"read_only", false}});
  hub.set_bridge({{"mqtt_connected", true}});
  auto snap = hub.snapshot().first;
  EXPECT_EQ(snap["pdus"][0]["read_only"], true);
  EXPECT_EQ(snap["bridge"]["read_only"], true);

  event_hub writable(false);
  writable.put_pdu({{"id", "a"}, {"read_only", true}});  // the PDU's own setting stays
  EXPECT_EQ(writable.snapshot().first["pdus"][0]["read_only"], true);
}

TEST(event_hub, wait_returns_the_events_after_a_number) {
  event_hub hub(false);
  hub.publish("result", {{"ok", true}});
  hub.publish("error", {{"error", "no"}});
  auto b = hub.wait(0, 0ms);
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].name, "result");
  EXPECT_EQ(b.events[1].seq, 2u);
  EXPECT_EQ(hub.wait(1, 0ms).events.size(), 1u);
  EXPECT_TRUE(hub.wait(2, 0ms).events.empty());
  EXPECT_FALSE(hub.wait(2, 0ms).resync);
}

TEST(event_hub, a_client_that_fell_out_of_the_backlog_is_told_to_resync) {
  event_hub hub(false, 4);
  for (int i = 0; i < 10; ++i)
    hub.publish("result", {{"n", i}});
  auto b = hub.wait(2, 0ms);
  EXPECT_TRUE(b.resync);
  EXPECT_TRUE(b.events.empty());
  b = hub.wait(6, 0ms);  // 7..10 are still there
  EXPECT_FALSE(b.resync);
  ASSERT_EQ(b.events.size(), 4u);
  EXPECT_EQ(json::parse(b.events.front().data)["n"], 6);
}

TEST(event_hub, a_waiter_wakes_for_a_new_event_and_for_close) {
  event_hub hub(false);
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    hub.publish("result", {{"ok", true}});
  });
  auto b = hub.wait(0, 10s);
  writer.join();
  ASSERT_EQ(b.events.size(), 1u);  // (did not wait the 10 s: the test would time out first)

  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    hub.close();
  });
  b = hub.wait(1, 10s);
  closer.join();
  EXPECT_TRUE(b.closed);
  EXPECT_TRUE(hub.wait(0, 10s).closed);  // closed: no more waiting at all
}

TEST(event_hub, frames_are_text_event_stream) {
  EXPECT_EQ(sse_frame({7, "pdu", R"({"id":"a"})"}), "id: 7\nevent: pdu\ndata: {\"id\":\"a\"}\n\n");
}

TEST(event_hub, bad_utf8_from_a_pdu_is_replaced_not_thrown) {
  event_hub hub(false);
  hub.put_pdu({{"id", "a"}, {"name", std::string("caf\xe9")}});
  const auto b = hub.wait(0, 0ms);
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_NE(b.events[0].data.find("\xef\xbf\xbd"), std::string::npos);
}

}  // namespace
}  // namespace pdu2mqtt::web
