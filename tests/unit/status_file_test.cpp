// The status file behind `pdu2mqtt health`: what is healthy, what is not, and that the file is
// replaced whole.
#include "pdu2mqtt/app/status_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace pdu2mqtt::app {
namespace {

using namespace std::chrono_literals;
const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

bridge_status two_pdus(bool connected) {
  return {connected, {{"rack-a", true, 120, 3, 1}, {"rack-b", false}}};
}

TEST(status_file, connected_bridge_is_healthy_even_with_a_pdu_offline) {
  auto verdict = judge_status(status_json(two_pdus(true), now), now + 5s, 60s);
  EXPECT_TRUE(verdict.healthy) << verdict.summary;
  EXPECT_EQ(verdict.summary, "connected to the MQTT broker; 1/2 PDU(s) online (offline: rack-b)");
}

TEST(status_file, carries_each_pdus_poll_counters) {
  const auto j = nlohmann::json::parse(status_json(two_pdus(true), now));
  EXPECT_EQ(j["pdus"]["rack-a"]["polls_ok"], 120);
  EXPECT_EQ(j["pdus"]["rack-a"]["polls_failed"], 3);
  EXPECT_EQ(j["pdus"]["rack-a"]["polls_missed"], 1);
  EXPECT_EQ(j["pdus"]["rack-b"]["polls_ok"], 0);
}

TEST(status_file, disconnected_bridge_is_unhealthy) {
  auto verdict = judge_status(status_json(two_pdus(false), now), now, 60s);
  EXPECT_FALSE(verdict.healthy);
  EXPECT_NE(verdict.summary.find("not connected to the MQTT broker"), std::string::npos)
      << verdict.summary;
}

TEST(status_file, stale_status_is_unhealthy) {
  const auto text = status_json(two_pdus(true), now);
  EXPECT_TRUE(judge_status(text, now + 60s, 60s).healthy);
  auto verdict = judge_status(text, now + 61s, 60s);
  EXPECT_FALSE(verdict.healthy);
  EXPECT_NE(verdict.summary.find("61 s old"), std::string::npos) << verdict.summary;
}

TEST(status_file, foreign_or_damaged_contents_are_unhealthy) {
  for (const std::string text :
       {"", "{", "[]", "null", R"({"updated_at": "soon", "mqtt_connected": true})",
        R"({"updated_at": 1800000000})", R"({"updated_at": 1800000000, "mqtt_connected": 1})"}) {
    auto verdict = judge_status(text, now, 60s);
    EXPECT_FALSE(verdict.healthy) << text;
    EXPECT_NE(verdict.summary.find("not a pdu2mqtt status"), std::string::npos) << text;
  }
}

TEST(status_file, written_file_is_read_back_and_replaced_whole) {
  test::temp_dir dir;
  const auto path = dir.path() / "status.json";
  auto missing = check_status_file(path, now, 60s);
  EXPECT_FALSE(missing.healthy);
  EXPECT_NE(missing.summary.find("no status file"), std::string::npos);

  ASSERT_TRUE(write_status_file(path, status_json(two_pdus(false), now)));
  EXPECT_FALSE(check_status_file(path, now, 60s).healthy);
  ASSERT_TRUE(write_status_file(path, status_json(two_pdus(true), now)));
  EXPECT_TRUE(check_status_file(path, now, 60s).healthy);
  // Only the file itself is left: the temporary was renamed over it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  auto j = nlohmann::json::parse(std::ifstream(path));
  EXPECT_EQ(j["pdus"]["rack-a"]["online"], true);
  EXPECT_EQ(j["pdus"]["rack-b"]["online"], false);
}

TEST(status_file, unwritable_location_is_an_error_value) {
  auto written = write_status_file("/nonexistent-dir/status.json", "{}");
  ASSERT_FALSE(written);
  EXPECT_NE(written.err().detail.find("/nonexistent-dir/status.json"), std::string::npos);
}

}  // namespace
}  // namespace pdu2mqtt::app
