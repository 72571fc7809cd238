// Free loopback ports for test peers, picked by the kernel's ephemeral port allocator.
#include "support/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pdu2mqtt::test {
namespace {

std::uint16_t free_port(int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("free port: socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  // sockaddr_in -> sockaddr is the socket API's own contract.
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (::bind(fd, generic, sizeof address) != 0 || ::getsockname(fd, generic, &length) != 0) {
    const int saved = errno;
    ::close(fd);
    throw std::runtime_error(std::string("free port: bind 127.0.0.1:0: ") + std::strerror(saved));
  }
  // Never listened or connected, so closing leaves no TIME_WAIT behind to block a rebind.
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

std::uint16_t free_udp_port() {
  return free_port(SOCK_DGRAM);
}
std::uint16_t free_tcp_port() {
  return free_port(SOCK_STREAM);
}

}  // namespace pdu2mqtt::test
