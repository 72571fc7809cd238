// The token bucket behind command and error-report rate limits.
#include "pdu2mqtt/common/token_bucket.hpp"

#include <gtest/gtest.h>

namespace pdu2mqtt {
namespace {

using namespace std::chrono_literals;

int taken(token_bucket& bucket, token_bucket::clock::time_point at, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i)
    n += bucket.try_take(at) ? 1 : 0;
  return n;
}

TEST(token_bucket, allows_a_burst_then_the_rate) {
  token_bucket bucket(10, 10);
  const token_bucket::clock::time_point t0{};
  EXPECT_EQ(taken(bucket, t0, 10'000), 10) << "a flood in one instant gets the burst only";
  EXPECT_EQ(taken(bucket, t0 + 100ms, 100), 1);
  EXPECT_EQ(taken(bucket, t0 + 600ms, 100), 5);
  EXPECT_EQ(taken(bucket, t0 + 1h, 100), 10) << "an idle bucket refills to the burst, no more";
}

TEST(token_bucket, time_going_backwards_grants_nothing_extra) {
  token_bucket bucket(1, 1);
  const token_bucket::clock::time_point t0{10s};
  EXPECT_TRUE(bucket.try_take(t0));
  EXPECT_FALSE(bucket.try_take(t0 - 5s));
  EXPECT_FALSE(bucket.try_take(t0 + 500ms));
  EXPECT_TRUE(bucket.try_take(t0 + 1s));
}

}  // namespace
}  // namespace pdu2mqtt
