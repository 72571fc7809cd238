// malloc_trim is glibc's; elsewhere the trimmer does nothing.
#include "memory_trimmer.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pdu2mqtt::app {

memory_trimmer::memory_trimmer(asio::io_context& io, std::chrono::seconds every)
    : timer_(io), every_(every) {}

void memory_trimmer::start() {
  tick();
}

void memory_trimmer::stop() {
  timer_.cancel();
}

void memory_trimmer::tick() {
  timer_.expires_after(every_);
  timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
    tick();
  });
}

}  // namespace pdu2mqtt::app
