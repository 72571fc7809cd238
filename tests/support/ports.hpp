// Free loopback ports for test peers: ask the kernel for one (bind port 0), then release it.
#pragma once

#include <cstdint>

namespace pdu2mqtt::test {

// A port on 127.0.0.1 that was free a moment ago. Another process may still take it before
// the caller binds, so fixtures that start daemons retry with a new port when binding fails.
std::uint16_t free_udp_port();
std::uint16_t free_tcp_port();

}  // namespace pdu2mqtt::test
