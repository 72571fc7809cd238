// A token bucket: up to `burst` events at once, then `rate` per second on average. Time comes
// from the caller, so the arithmetic is testable without sleeping.
#pragma once

#include <algorithm>
#include <chrono>

namespace pdu2mqtt {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate_per_s, double burst)
      : rate_(rate_per_s), burst_(burst), tokens_(burst) {}

  // True (and one token used) if an event may happen now.
  bool try_take(clock::time_point now) {
    if (started_) {
      const std::chrono::duration<double> elapsed = now - last_;
      if (elapsed.count() > 0) tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    }
    started_ = true;
    last_ = std::max(last_, now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_{};
  bool started_ = false;
};

}  // namespace pdu2mqtt
