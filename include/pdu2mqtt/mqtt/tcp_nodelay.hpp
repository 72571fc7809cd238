// Paho C 1.3 leaves Nagle's algorithm on for its broker connection and has no option to turn it
// off (eclipse-paho/paho.mqtt.c#530). With Nagle on, a small publish that follows another waits
// for the broker's delayed ACK, about 40 ms on Linux: a command's state would reach Home
// Assistant 40-80 ms late instead of in a millisecond. Paho does not expose its socket either,
// so after each connect the process's own TCP sockets to the broker's port are found through
// /proc/self/fd and given TCP_NODELAY.
#pragma once

#include <cstdint>
#include <vector>

namespace pdu2mqtt::mqtt {

// This process's connected TCP sockets whose peer port is `port`.
std::vector<int> tcp_sockets_to_port(std::uint16_t port);

// Sets TCP_NODELAY on each of them; returns how many now have it.
int disable_nagle_to_port(std::uint16_t port);

}  // namespace pdu2mqtt::mqtt
