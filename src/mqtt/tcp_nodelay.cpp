// TCP_NODELAY on the broker connection Paho opened (see tcp_nodelay.hpp).
#include "pdu2mqtt/mqtt/tcp_nodelay.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <filesystem>
#include <string>

namespace pdu2mqtt::mqtt {

std::vector<int> tcp_sockets_to_port(std::uint16_t port) {
  std::vector<int> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const auto name = entry.path().filename().string();
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    int type = 0;
    socklen_t length = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) {
      continue;
    }
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) continue;
    std::uint16_t peer_port = 0;
    if (peer.ss_family == AF_INET) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in&>(peer).sin_port);
    } else if (peer.ss_family == AF_INET6) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in6&>(peer).sin6_port);
    } else {
      continue;
    }
    if (peer_port == port) found.push_back(fd);
  }
  return found;
}

int disable_nagle_to_port(std::uint16_t port) {
  int done = 0;
  for (const int fd : tcp_sockets_to_port(port)) {
    const int on = 1;
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) ++done;
  }
  return done;
}

}  // namespace pdu2mqtt::mqtt
