// SNMP manager on one UDP socket per address family: a receive loop per socket matches responses
// to waiting requests by request-id (v3: msgID) and source; each request retransmits with the
// same id until answered.
// The SNMPv3 side (engine discovery, clocks, keys, Reports) is client_v3.cpp.
#include "pdu2mqtt/snmp/client.hpp"

#include <algorithm>
#include <optional>
#include <random>
#include <span>
#include <utility>

#include "client_pending.hpp"

namespace pdu2mqtt::snmp {

using asio::ip::udp;
using namespace std::chrono_literals;
using detail::describe;

namespace {

error error_status_error(const pdu& request, const pdu& response) {
  auto code = static_cast<errc>(response.error_status);
  std::string detail = "agent answered error-status " + std::to_string(response.error_status);
  const auto index = response.error_index;
  if (index >= 1 && static_cast<std::size_t>(index) <= request.varbinds.size()) {
    detail += " for varbind " + std::to_string(index) + " (" +
              request.varbinds[static_cast<std::size_t>(index) - 1].name.to_string() + ")";
  }
  if (!is_error_status(code)) code = errc::gen_err;
  return error{make_error_code(code), std::move(detail)};
}

// An answer that is not for what was asked: another number of varbinds, or (for a GET, where
// each name must echo the request's) another OID in some place.
std::optional<error> answer_mismatch(std::span<const oid> asked, const std::vector<varbind>& got,
                                     bool names_must_match) {
  if (got.size() != asked.size()) {
    return error{make_error_code(errc::response_mismatch),
                 "asked for " + std::to_string(asked.size()) + " varbinds, got " +
                     std::to_string(got.size())};
  }
  if (!names_must_match) return std::nullopt;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (got[i].name != asked[i]) {
      return error{make_error_code(errc::response_mismatch),
                   "varbind " + std::to_string(i + 1) + " answered for " + got[i].name.to_string() +
                       " instead of " + asked[i].to_string()};
    }
  }
  return std::nullopt;
}

}  // namespace

std::shared_ptr<client> client::create(asio::any_io_executor executor, const udp::endpoint& local) {
  std::shared_ptr<client> self(new client(executor, local));
  self->start_receiving(self->socket_);
  return self;
}

void client::start_receiving(udp::socket& socket) {
  asio::co_spawn(
      executor_, [self = shared_from_this(), &socket]() { return self->receive_loop(socket); },
      [](std::exception_ptr e) {
        // The loop catches its own errors; anything escaping is a bug worth seeing.
        if (e) std::rethrow_exception(e);
      });
}

namespace {

// One socket receives every PDU's answers: a bridge with a thousand PDUs gets bursts that
// overflow the default 208 KiB buffer, and every lost answer costs a timeout. The kernel caps
// the request at net.core.rmem_max; failing to get it is not an error.
void enlarge_receive_buffer(udp::socket& socket) {
  std::error_code ignored;
  socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
}

}  // namespace

client::client(asio::any_io_executor executor, const udp::endpoint& local)
    : executor_(executor),
      socket_(executor),
      other_socket_(executor),
      local_is_v6_(local.address().is_v6()),
      sweeper_(executor) {
  socket_.open(local.protocol());
  enlarge_receive_buffer(socket_);
  socket_.bind(local);
  // Request-ids start at a random point so a restarted bridge does not accept the late
  // answers meant for its previous life.
  std::random_device rd;
  last_request_id_ = first_request_id + static_cast<std::int32_t>(rd() % 0x3f000000);
  // RFC 3826 3.1.2.1: the salt need not be secret, but a restarted bridge must not reuse IVs.
  salt_ = (static_cast<std::uint64_t>(rd()) << 32) | rd();
}

client::~client() {
  std::error_code ignored;
  socket_.close(ignored);
  other_socket_.close(ignored);
}

// IPv4 and IPv6 PDUs from one client, on one io_context: a second socket, for the family the
// first is not, opened at the first request that needs it. Two sockets rather than one
// dual-stack IPv6 socket: a bridge that polls only IPv4 PDUs opens no IPv6 socket, so it runs
// where IPv6 is off (kernel or container), and IPv4 answers keep their plain IPv4 source
// instead of a v4-mapped one that every comparison would have to unmap.
result<udp::socket*> client::socket_for(const udp::endpoint& peer) {
  if (peer.address().is_v6() == local_is_v6_) return &socket_;
  if (other_socket_.is_open()) return &other_socket_;
  const auto family = peer.address().is_v6() ? "IPv6" : "IPv4";
  std::error_code ec;
  other_socket_.open(peer.protocol(), ec);
  if (!ec) {
    enlarge_receive_buffer(other_socket_);
    other_socket_.bind(udp::endpoint(peer.protocol(), 0), ec);
  }
  if (ec) {
    std::error_code ignored;
    other_socket_.close(ignored);
    return error{make_error_code(errc::socket_error), "cannot open an " + std::string(family) +
                                                          " socket for " + describe(peer) + ": " +
                                                          ec.message()};
  }
  start_receiving(other_socket_);
  return &other_socket_;
}

udp::endpoint client::local_endpoint() const {
  return socket_.local_endpoint();
}

void client::close() {
  if (closed_) return;
  closed_ = true;
  std::error_code ignored;
  socket_.close(ignored);
  other_socket_.close(ignored);
  sweeper_.cancel();
  for (auto& [id, p] : pending_)
    p->wakeup.cancel();
}

// Timeouts share one timer. A timer per attempt would cost a timerfd_settime system call per
// request (each new timer is the earliest), a fifth of a loopback exchange's cost; the waiting
// timers never expire by themselves, so with the sweeper armed earlier they never become the
// earliest, and the sweeper is re-armed about once per timeout period.
void client::arm_sweeper(std::chrono::steady_clock::time_point deadline) {
  if (closed_ || (sweeper_armed_ && sweeper_at_ <= deadline)) return;
  sweeper_armed_ = true;
  sweeper_at_ = deadline;
  sweeper_.expires_at(deadline);
  sweeper_.async_wait([weak = weak_from_this()](std::error_code ec) {
    if (ec) return;  // re-armed earlier, or closed
    if (const auto self = weak.lock()) self->sweep();
  });
}

void client::sweep() {
  sweeper_armed_ = false;
  const auto now = std::chrono::steady_clock::now();
  auto next = std::chrono::steady_clock::time_point::max();
  for (auto& [id, p] : pending_) {
    if (p->response || p->expired) continue;
    if (p->deadline <= now) {
      p->expired = true;
      p->wakeup.cancel();
    } else {
      next = std::min(next, p->deadline);
    }
  }
  if (next != std::chrono::steady_clock::time_point::max()) arm_sweeper(next);
}

std::int32_t client::next_request_id() {
  // Ids from 0x01000000 on all encode in four bytes, so a prepared request's id can be
  // patched in place; ids still in flight after a wrap-around are skipped.
  do {
    last_request_id_ = last_request_id_ == INT32_MAX ? first_request_id : last_request_id_ + 1;
  } while (pending_.contains(last_request_id_));
  return last_request_id_;
}

awaitable<void> client::receive_loop(udp::socket& socket) {
  std::vector<std::uint8_t> buffer(max_message_size);
  udp::endpoint sender;
  while (!closed_) {
    auto [ec, n] =
        co_await socket.async_receive_from(asio::buffer(buffer), sender, as_tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || closed_) break;
      continue;  // e.g. ICMP-reported errors on some stacks: the request's timeout handles it
    }
    const std::span<const std::uint8_t> datagram(buffer.data(), n);
    auto decoded = decode(datagram);
    if (!decoded && decoded.code() == make_error_code(errc::unsupported_version)) {
      receive_v3(datagram, sender);
      continue;
    }
    if (!decoded || decoded->pdu.type != pdu_type::response) {
      ++stats_.dropped_undecodable;
      continue;
    }
    auto it = pending_.find(decoded->pdu.request_id);
    if (it == pending_.end()) {
      ++stats_.dropped_unknown_request_id;
      continue;
    }
    auto& waiting = *it->second;
    // RFC 3412 7.2.13 spirit: a response counts only from where the request went.
    if (sender != waiting.peer) {
      ++stats_.dropped_wrong_source;
      continue;
    }
    // RFC 1157 4.1 / RFC 3584: the answer comes back in the request's version and community.
    if (decoded->version != waiting.version || decoded->community != waiting.community) {
      ++stats_.dropped_wrong_community;
      continue;
    }
    if (waiting.response) continue;  // a duplicate caused by our own retransmission
    ++stats_.responses_matched;
    waiting.response = std::move(decoded->pdu);
    waiting.wakeup.cancel();
  }
}

awaitable<result<pdu>> client::exchange_once(const target& t, pdu request) {
  if (closed_) co_return result<pdu>(errc::cancelled, "client closed");
  if (t.version == version::v3) co_return co_await exchange_v3(t, std::move(request));
  request.request_id = next_request_id();
  const auto datagram = encode(message{t.version, t.community, request});
  co_return co_await send_and_wait(t, request.request_id, datagram);
}

awaitable<result<pdu>> client::send_and_wait(const target& t, std::int32_t id,
                                             const std::vector<std::uint8_t>& datagram,
                                             std::shared_ptr<pending> waiting) {
  if (closed_) co_return result<pdu>(errc::cancelled, "client closed");
  if (datagram.size() > max_message_size) {
    co_return result<pdu>(errc::message_too_large,
                          std::to_string(datagram.size()) + " bytes do not fit a datagram");
  }

  auto socket = socket_for(t.endpoint);
  if (!socket) co_return socket.err();
  if (!waiting) waiting = std::make_shared<pending>(executor_, t);
  pending_.emplace(id, waiting);
  struct unregister {
    client* self;
    std::int32_t id;
    ~unregister() { self->pending_.erase(id); }
  } guard{this, id};

  const int attempts = 1 + std::max(0, t.retries);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) ++stats_.retransmissions;
    ++stats_.requests_sent;
    auto [send_ec, sent] =
        co_await (*socket)->async_send_to(asio::buffer(datagram), t.endpoint, as_tuple_awaitable);
    (void)sent;
    if (send_ec) {
      if (closed_) co_return result<pdu>(errc::cancelled, "client closed");
      co_return result<pdu>(errc::socket_error,
                            "sending to " + describe(t.endpoint) + ": " + send_ec.message());
    }
    if (!waiting->response) {
      waiting->expired = false;
      waiting->deadline = std::chrono::steady_clock::now() + t.timeout;
      arm_sweeper(waiting->deadline);
      co_await waiting->wakeup.async_wait(as_tuple_awaitable);
    }
    if (waiting->response) co_return std::move(*waiting->response);
    if (closed_) co_return result<pdu>(errc::cancelled, "client closed");
  }
  ++stats_.timeouts;
  co_return result<pdu>(errc::timeout, "no response from " + describe(t.endpoint) + " after " +
                                           std::to_string(attempts) + " attempt(s) of " +
                                           std::to_string(t.timeout.count()) + " ms");
}

awaitable<result<pdu>> client::async_exchange(const target& t, pdu request) {
  auto response = co_await exchange_once(t, request);
  if (!response) co_return response;
  if (response->error_status != 0) co_return error_status_error(request, *response);
  co_return response;
}

awaitable<result<std::vector<varbind>>> client::get_chunk(const target& t, std::vector<oid> oids,
                                                          pdu_type type) {
  pdu request{.type = type};
  request.varbinds.reserve(oids.size());
  for (auto& o : oids)
    request.varbinds.push_back(varbind{o, null_value{}});

  auto response = co_await exchange_once(t, request);
  if (!response) co_return response.err();

  const auto status = static_cast<errc>(response->error_status);
  if (status == errc::too_big && oids.size() > 1) {
    // RFC 3416 4.2.1: the answer would not fit; ask for each half separately.
    ++stats_.too_big_splits;
    const auto half = static_cast<std::ptrdiff_t>(oids.size() / 2);
    std::vector<oid> first(oids.begin(), oids.begin() + half);
    std::vector<oid> second(oids.begin() + half, oids.end());
    auto a = co_await get_chunk(t, std::move(first), type);
    if (!a) co_return a;
    auto b = co_await get_chunk(t, std::move(second), type);
    if (!b) co_return b;
    a->insert(a->end(), b->begin(), b->end());
    co_return a;
  }
  if (status == errc::no_such_name && t.version == version::v1) {
    // RFC 3584 4.4: v1 reports one missing OID for the whole PDU. Answer that OID the way
    // v2c would and ask again for the others, so one absent column loses nothing else.
    const auto index = response->error_index;
    if (index < 1 || static_cast<std::size_t>(index) > oids.size()) {
      co_return error_status_error(request, *response);
    }
    const auto at = static_cast<std::size_t>(index) - 1;
    varbind missing{oids[at], type == pdu_type::get_next_request ? value{end_of_mib_view{}}
                                                                 : value{no_such_object{}}};
    std::vector<oid> rest = oids;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(at));
    std::vector<varbind> answered;
    if (!rest.empty()) {
      auto others = co_await get_chunk(t, std::move(rest), type);
      if (!others) co_return others;
      answered = std::move(*others);
    }
    answered.insert(answered.begin() + static_cast<std::ptrdiff_t>(at), std::move(missing));
    co_return answered;
  }
  if (response->error_status != 0) co_return error_status_error(request, *response);

  if (auto mismatch = answer_mismatch(oids, response->varbinds, type == pdu_type::get_request)) {
    co_return std::move(*mismatch);
  }
  co_return std::move(response->varbinds);
}

namespace {

// Splits a request list into messages of at most max_varbinds each.
std::vector<std::vector<oid>> chunks_of(std::vector<oid> oids, std::size_t max_varbinds) {
  std::vector<std::vector<oid>> chunks;
  const std::size_t size = std::max<std::size_t>(1, max_varbinds);
  for (std::size_t i = 0; i < oids.size(); i += size) {
    const auto end = std::min(oids.size(), i + size);
    chunks.emplace_back(std::make_move_iterator(oids.begin() + static_cast<std::ptrdiff_t>(i)),
                        std::make_move_iterator(oids.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  return chunks;
}

}  // namespace

awaitable<result<std::vector<varbind>>> client::get_all(const target& t, std::vector<oid> oids,
                                                        pdu_type type) {
  if (oids.empty()) co_return result<std::vector<varbind>>(errc::invalid_request, "no OIDs");
  std::vector<varbind> all;
  all.reserve(oids.size());
  // Chunks go one after another: CyberPower agents handle one request at a time.
  for (auto& chunk : chunks_of(std::move(oids), t.max_varbinds)) {
    auto part = co_await get_chunk(t, std::move(chunk), type);
    if (!part) co_return part;
    std::move(part->begin(), part->end(), std::back_inserter(all));
  }
  co_return all;
}

prepared_get client::prepare_get(const target& t, std::vector<oid> oids) {
  prepared_get p;
  p.version_ = t.version;
  p.community_ = t.community;
  p.max_varbinds_ = std::max<std::size_t>(1, t.max_varbinds);
  p.oids_ = std::move(oids);
  // v3 messages are sealed per request (msgID, engine clock, salt): nothing to prepare.
  if (t.version == version::v3) return p;
  const auto encoded = [&](std::size_t first, std::size_t count, std::int32_t id) {
    message m{t.version, t.community, pdu{.type = pdu_type::get_request, .request_id = id}};
    m.pdu.varbinds.reserve(count);
    for (std::size_t i = first; i < first + count; ++i)
      m.pdu.varbinds.push_back(varbind{p.oids_[i], null_value{}});
    return encode(m);
  };
  for (std::size_t first = 0; first < p.oids_.size(); first += p.max_varbinds_) {
    const auto count = std::min(p.max_varbinds_, p.oids_.size() - first);
    // Two encodings that differ only in the (four-byte) request-id: the first byte where they
    // differ is where the id goes.
    auto datagram = encoded(first, count, 0x01010101);
    const auto other = encoded(first, count, 0x7e7e7e7e);
    const auto at = static_cast<std::size_t>(
        std::mismatch(datagram.begin(), datagram.end(), other.begin()).first - datagram.begin());
    p.chunks_.push_back({first, count, std::move(datagram), at});
  }
  return p;
}

awaitable<result<std::vector<varbind>>> client::async_get(const target& t,
                                                          const prepared_get& prepared) {
  using out_t = result<std::vector<varbind>>;
  if (t.version == version::v3 || t.version != prepared.version_ ||
      t.community != prepared.community_ ||
      std::max<std::size_t>(1, t.max_varbinds) != prepared.max_varbinds_) {
    co_return co_await async_get(t, prepared.oids_);  // prepared for another target
  }
  if (prepared.oids_.empty()) co_return out_t(errc::invalid_request, "no OIDs");
  std::vector<varbind> all;
  all.reserve(prepared.oids_.size());
  std::vector<std::uint8_t> datagram;
  for (const auto& chunk : prepared.chunks_) {
    const auto id = next_request_id();
    datagram = chunk.datagram;
    for (int i = 0; i < 4; ++i) {
      datagram[chunk.id_at + static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(static_cast<std::uint32_t>(id) >> (24 - 8 * i));
    }
    auto response = co_await send_and_wait(t, id, datagram);
    if (!response) co_return response.err();
    const auto first = prepared.oids_.begin() + static_cast<std::ptrdiff_t>(chunk.first);
    const std::span<const oid> asked(first, chunk.count);
    if (response->error_status != 0) {
      // tooBig, v1's noSuchName, errors: the general path knows what to do (splitting,
      // asking again without the missing OID); this costs one more exchange, rarely.
      std::vector<oid> again(asked.begin(), asked.end());
      auto part = co_await get_chunk(t, std::move(again), pdu_type::get_request);
      if (!part) co_return part;
      std::move(part->begin(), part->end(), std::back_inserter(all));
      continue;
    }
    if (auto mismatch = answer_mismatch(asked, response->varbinds, true)) {
      co_return std::move(*mismatch);
    }
    std::move(response->varbinds.begin(), response->varbinds.end(), std::back_inserter(all));
  }
  co_return all;
}

awaitable<result<std::vector<varbind>>> client::async_get(const target& t, std::vector<oid> oids) {
  return get_all(t, std::move(oids), pdu_type::get_request);
}

awaitable<result<std::vector<varbind>>> client::async_get_next(const target& t,
                                                               std::vector<oid> oids) {
  return get_all(t, std::move(oids), pdu_type::get_next_request);
}

awaitable<result<std::vector<varbind>>> client::async_get_bulk(const target& t,
                                                               std::vector<oid> oids,
                                                               std::int32_t non_repeaters,
                                                               std::int32_t max_repetitions) {
  using out_t = result<std::vector<varbind>>;
  if (t.version == version::v1) co_return out_t(errc::invalid_request, "GetBulk needs SNMPv2c");
  if (oids.empty()) co_return out_t(errc::invalid_request, "no OIDs");
  pdu request{.type = pdu_type::get_bulk_request,
              .error_status = non_repeaters,
              .error_index = max_repetitions};
  for (auto& o : oids)
    request.varbinds.push_back(varbind{std::move(o), null_value{}});
  auto response = co_await async_exchange(t, std::move(request));
  if (!response) co_return response.err();
  co_return std::move(response->varbinds);
}

awaitable<result<std::vector<varbind>>> client::async_walk(const target& t, oid subtree,
                                                           std::size_t max_results) {
  using out_t = result<std::vector<varbind>>;
  std::vector<varbind> found;
  oid cursor = subtree;
  std::int32_t repetitions = std::max<std::int32_t>(1, t.bulk_max_repetitions);
  while (found.size() < max_results) {
    result<std::vector<varbind>> step = std::vector<varbind>{};
    // (Named vectors, not braced lists, as co_await arguments: g++ 12 miscompiles the latter.)
    std::vector<oid> from{cursor};
    if (t.version == version::v1) {
      step = co_await async_get_next(t, std::move(from));
    } else {
      step = co_await async_get_bulk(t, std::move(from), 0, repetitions);
      if (!step && step.code() == make_error_code(errc::too_big) && repetitions > 1) {
        repetitions /= 2;
        continue;
      }
    }
    if (!step) co_return step;
    if (step->empty()) break;
    for (auto& vb : *step) {
      if (std::holds_alternative<end_of_mib_view>(vb.value) || !vb.name.starts_with(subtree)) {
        co_return found;
      }
      if (vb.name <= cursor) {
        co_return out_t(errc::response_mismatch, "agent returned " + vb.name.to_string() +
                                                     " after " + cursor.to_string() +
                                                     " (OIDs must increase; stopping the walk)");
      }
      cursor = vb.name;
      found.push_back(std::move(vb));
      if (found.size() >= max_results) break;
    }
  }
  co_return found;
}

awaitable<result<std::vector<varbind>>> client::async_set(const target& t,
                                                          std::vector<varbind> vbs) {
  using out_t = result<std::vector<varbind>>;
  if (vbs.empty()) co_return out_t(errc::invalid_request, "no varbinds");
  pdu request{.type = pdu_type::set_request, .varbinds = std::move(vbs)};
  auto response = co_await async_exchange(t, std::move(request));
  if (!response) co_return response.err();
  co_return std::move(response->varbinds);
}

}  // namespace pdu2mqtt::snmp
