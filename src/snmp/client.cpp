// SNMP manager on one UDP socket per address family: a receive loop per socket matches responses
// to waiting requests by request-id (v3: msgID) and source; each request retransmits with the
// same id until answered.
// SNMPv3 adds engine discovery, the engine clock and the Reports that end a request.
#include "pdu2mqtt/snmp/client.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <utility>

namespace pdu2mqtt::snmp {

using asio::ip::udp;
using namespace std::chrono_literals;

struct client::pending {
  pending(asio::any_io_executor ex, const target& t)
      : peer(t.endpoint),
        version(t.version),
        community(t.community),
        wakeup(ex, asio::steady_timer::time_point::max()) {}
  udp::endpoint peer;
  snmp::version version;
  std::string community;
  // v3 (RFC 3412 7.2.10-7.2.13): what the request was sealed with, so that only an answer from
  // that engine and user, at that level, opened with these keys, counts.
  std::uint8_t level_flags = 0;  // v3::flags::auth | v3::flags::priv
  std::string engine_id;
  std::string user_name;
  std::shared_ptr<const v3::localized_keys> keys;
  v3::usm_parameters answer_usm;  // of the v3 answer taken
  // Never expires by itself: cancelled by the receive loop when the response is in, or by the
  // sweeper when the attempt's deadline has passed (then `expired` is set).
  asio::steady_timer wakeup;
  std::chrono::steady_clock::time_point deadline;
  bool expired = false;
  std::optional<pdu> response;
};

namespace {

// "10.0.0.5:161", "[fd00::5]:161".
std::string describe(const udp::endpoint& ep) {
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::uint8_t level_flags(const v3::user& u) {
  switch (u.level()) {
    case v3::security_level::auth_priv:
      return v3::flags::auth | v3::flags::priv;
    case v3::security_level::auth_no_priv:
      return v3::flags::auth;
    case v3::security_level::no_auth_no_priv:
      break;
  }
  return 0;
}

std::optional<error> invalid_user(const v3::user& u) {
  const auto invalid = [](std::string detail) {
    return error{make_error_code(errc::invalid_request), std::move(detail)};
  };
  if (u.name.empty() || u.name.size() > v3::max_user_name_length) {
    return invalid("SNMPv3 user name must have 1 to " + std::to_string(v3::max_user_name_length) +
                   " characters");
  }
  if (u.context_name.size() > v3::max_context_name_length) {
    return invalid("SNMPv3 context name longer than " +
                   std::to_string(v3::max_context_name_length) + " characters");
  }
  if (u.priv != v3::priv_protocol::none && u.auth == v3::auth_protocol::none) {
    return invalid("SNMPv3 user '" + u.name + "': privacy needs authentication (RFC 3414 3.1.1 b)");
  }
  // RFC 3414 11.2; the passwords themselves never go into a message.
  if (u.auth != v3::auth_protocol::none && u.auth_password.size() < v3::min_password_length) {
    return invalid("SNMPv3 user '" + u.name + "': auth password shorter than " +
                   std::to_string(v3::min_password_length) + " characters");
  }
  if (u.priv != v3::priv_protocol::none && u.priv_password.size() < v3::min_password_length) {
    return invalid("SNMPv3 user '" + u.name + "': privacy password shorter than " +
                   std::to_string(v3::min_password_length) + " characters");
  }
  return std::nullopt;
}

// A Report that ends a request (RFC 3414 3.2 steps 3-8 name the usmStats counters). The
// code's message says the likely cause ("authentication failure (wrong auth password or
// protocol)"); the detail adds who and where. Never a password or key.
error report_failure(const udp::endpoint& agent, const v3::user& u, const pdu& report,
                     std::error_code code) {
  const auto where = "user '" + u.name + "' at " + describe(agent);
  const auto is = [&](errc e) { return code == make_error_code(e); };
  std::string detail;
  if (is(errc::wrong_digest)) {
    detail = "the agent found the request's digest wrong (usmStatsWrongDigests) for " + where;
  } else if (is(errc::unknown_user_name)) {
    detail = "the agent at " + describe(agent) + " does not know the user name '" + u.name + "'";
  } else if (is(errc::unsupported_security_level)) {
    detail = "the agent does not allow " + std::string(v3::to_string(u.level())) + " for " + where;
  } else if (is(errc::decryption_error)) {
    detail = "the agent could not decrypt the request (usmStatsDecryptionErrors) from " + where;
  } else if (is(errc::not_in_time_window)) {
    detail =
        "still outside the agent's time window after re-synchronising (RFC 3414 3.2 7), " + where;
  } else if (is(errc::unknown_engine_id)) {
    detail = "the agent refused its engine ID again after rediscovery, " + where;
  } else {
    code = make_error_code(errc::report);
    detail = "of " +
             (report.varbinds.empty() ? std::string("no varbind")
                                      : report.varbinds.front().name.to_string()) +
             ", " + where;
  }
  return error{code, std::move(detail)};
}

// RFC 3412 7.2.11, RFC 3414 3.2 step 7 a: notInTimeWindow is reported authenticated; the other
// usmStats Reports may come unauthenticated because the agent could not check the request.
bool may_be_unauthenticated(const pdu& report) {
  return v3::report_error(report) != make_error_code(errc::not_in_time_window);
}

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

void client::receive_v3(std::span<const std::uint8_t> datagram, const udp::endpoint& sender) {
  auto envelope = v3::peek(datagram);
  if (!envelope) {
    ++stats_.dropped_undecodable;
    return;
  }
  auto it = pending_.find(envelope->msg_id);
  if (it == pending_.end()) {
    ++stats_.dropped_unknown_request_id;
    return;
  }
  auto& waiting = *it->second;
  if (sender != waiting.peer) {
    ++stats_.dropped_wrong_source;
    return;
  }
  if (waiting.version != version::v3) {
    ++stats_.dropped_wrong_community;
    return;
  }
  if (waiting.response) return;  // a duplicate caused by our own retransmission

  const std::uint8_t level = envelope->flags & (v3::flags::auth | v3::flags::priv);
  const bool authentic = (level & v3::flags::auth) != 0;
  // RFC 3412 7.2.12 b: never more than the request's level (we would hold no keys for it); an
  // authenticated answer must come from the engine and user the request was sealed for.
  if ((level & ~waiting.level_flags) != 0 ||
      (authentic && (envelope->usm.engine_id != waiting.engine_id ||
                     envelope->usm.user_name != waiting.user_name))) {
    ++stats_.dropped_unauthentic;
    return;
  }
  auto opened = v3::open(datagram, authentic ? waiting.keys.get() : nullptr);
  if (!opened) {
    if (opened.code() == make_error_code(errc::wrong_digest)) {
      ++stats_.dropped_unauthentic;
    } else {
      ++stats_.dropped_undecodable;
    }
    return;
  }
  auto& answer = opened->pdu;
  if (answer.type == pdu_type::response) {
    // RFC 3412 7.2.13 a: a Response comes at the request's security level.
    if (level != waiting.level_flags) {
      ++stats_.dropped_unauthentic;
      return;
    }
    if (answer.request_id != envelope->msg_id) {
      ++stats_.dropped_unknown_request_id;
      return;
    }
  } else if (answer.type == pdu_type::report) {
    // notInTimeWindow comes authNoPriv even for an authPriv request (RFC 3414 3.2 7 a).
    if (!authentic && (waiting.level_flags & v3::flags::auth) != 0 &&
        !may_be_unauthenticated(answer)) {
      ++stats_.dropped_unauthentic;
      return;
    }
  } else {
    ++stats_.dropped_undecodable;
    return;
  }
  if (authentic && answer.type == pdu_type::report &&
      v3::report_error(answer) == make_error_code(errc::not_in_time_window)) {
    // The engine's own statement of its clock, authenticated and answering the msgID we just
    // sent: no replay can be that (the time check exists to refuse replays), so it is taken
    // even when the clock went back, as after a PDU lost its snmpEngineBoots. RFC 3414's rule
    // alone would refuse every later answer of such a PDU, for good.
    adopt_engine_time(envelope->usm);
  } else if (authentic && !accept_engine_time(envelope->usm)) {
    ++stats_.dropped_outside_time_window;
    return;
  }
  ++stats_.responses_matched;
  waiting.answer_usm = std::move(envelope->usm);
  waiting.response = std::move(answer);
  waiting.wakeup.cancel();
}

std::int32_t client::engine_clock::now() const {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - learnt_at)
          .count();
  return static_cast<std::int32_t>(std::min<std::int64_t>(
      std::int64_t{time_s} + elapsed, std::numeric_limits<std::int32_t>::max()));
}

// RFC 3414 3.2 step 7 b, the non-authoritative side, for an authenticated message: refuse a
// clock that went back (or is at its end), else adopt it when it is later than ours.
bool client::accept_engine_time(const v3::usm_parameters& usm) {
  if (usm.engine_boots < 0 || usm.engine_time < 0 || usm.engine_boots == v3::max_engine_boots) {
    return false;
  }
  auto& clock = clocks_[usm.engine_id];
  if (clock.authenticated) {
    if (usm.engine_boots < clock.boots) return false;
    if (usm.engine_boots == clock.boots && usm.engine_time < clock.now() - v3::time_window_s) {
      return false;
    }
  }
  // Until an authenticated message arrives, the clock is the discovery Report's unauthenticated
  // guess: the first authentic value replaces it whatever it is.
  if (!clock.authenticated || usm.engine_boots > clock.boots ||
      usm.engine_time > clock.latest_received_time) {
    clock.boots = usm.engine_boots;
    clock.time_s = usm.engine_time;
    clock.latest_received_time = usm.engine_time;
    clock.learnt_at = std::chrono::steady_clock::now();
    clock.authenticated = true;
  }
  return true;
}

void client::adopt_engine_time(const v3::usm_parameters& usm) {
  if (usm.engine_boots < 0 || usm.engine_time < 0 || usm.engine_boots == v3::max_engine_boots) {
    return;
  }
  auto& clock = clocks_[usm.engine_id];
  if (clock.authenticated && usm.engine_boots < clock.boots) ++stats_.v3_clock_went_back;
  clock.boots = usm.engine_boots;
  clock.time_s = usm.engine_time;
  clock.latest_received_time = usm.engine_time;
  clock.learnt_at = std::chrono::steady_clock::now();
  clock.authenticated = true;
}

std::optional<engine_info> client::engine(const udp::endpoint& endpoint) const {
  const auto id = engine_ids_.find(endpoint);
  if (id == engine_ids_.end()) return std::nullopt;
  engine_info info{.engine_id = id->second};
  if (const auto clock = clocks_.find(id->second); clock != clocks_.end()) {
    info.boots = clock->second.boots;
    info.time_s = clock->second.now();
    info.authenticated = clock->second.authenticated;
  }
  return info;
}

// From an unauthenticated Report (discovery, unknownEngineID): the engine ID, and its clock as a
// first guess that an authenticated message will confirm or replace (RFC 3414 4).
void client::learn_engine(const udp::endpoint& endpoint, const v3::usm_parameters& usm) {
  engine_ids_[endpoint] = usm.engine_id;
  auto& clock = clocks_[usm.engine_id];
  if (clock.authenticated) return;
  clock.boots = std::max(0, usm.engine_boots);
  clock.time_s = std::max(0, usm.engine_time);
  clock.latest_received_time = clock.time_s;
  clock.learnt_at = std::chrono::steady_clock::now();
}

result<std::shared_ptr<const v3::localized_keys>> client::keys_for(const v3::user& u,
                                                                   const std::string& engine_id) {
  using out_t = result<std::shared_ptr<const v3::localized_keys>>;
  if (u.auth == v3::auth_protocol::none) return out_t(nullptr);
  const auto found =
      keys_.find(key_id{u.name, u.auth, u.auth_password, u.priv, u.priv_password, engine_id});
  if (found != keys_.end()) return out_t(found->second);
  // e.g. DES-CBC without OpenSSL 3's legacy provider: an error for this user, not an exception.
  if (u.priv != v3::priv_protocol::none) {
    if (auto cipher = v3::check_cipher(u.priv); !cipher) {
      return error{cipher.err().code, "SNMPv3 user '" + u.name + "': " + cipher.err().detail};
    }
  }
  // Localizing hashes a megabyte per key (RFC 3414 A.2.1): once per user and engine.
  auto keys = std::make_shared<const v3::localized_keys>(v3::localize(u, as_bytes(engine_id)));
  keys_.emplace(key_id{u.name, u.auth, u.auth_password, u.priv, u.priv_password, engine_id}, keys);
  return out_t(std::move(keys));
}

struct client::discovery {
  explicit discovery(const asio::any_io_executor& ex)
      : done(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer done;  // cancelled when outcome is set
  std::optional<result<std::string>> outcome;
};

// Requests to an engine not yet known share one discovery: the first runs it, the others wait.
awaitable<result<std::string>> client::discover(const target& t) {
  if (const auto running = discovering_.find(t.endpoint); running != discovering_.end()) {
    const auto shared = running->second;
    if (!shared->outcome) co_await shared->done.async_wait(as_tuple_awaitable);
    if (shared->outcome) co_return *shared->outcome;
    co_return result<std::string>(errc::cancelled, "client closed");
  }
  const auto shared = std::make_shared<discovery>(executor_);
  discovering_.emplace(t.endpoint, shared);
  auto outcome = co_await probe_engine(t);
  discovering_.erase(t.endpoint);
  shared->outcome = outcome;
  shared->done.cancel();
  co_return outcome;
}

// RFC 3414 4: a noAuthNoPriv, reportable request with empty engine ID, user and varbind list;
// the agent answers a Report (usmStatsUnknownEngineIDs) from its own engine.
awaitable<result<std::string>> client::probe_engine(const target& t) {
  const auto id = next_request_id();
  v3::message probe{.msg_id = id, .flags = v3::flags::reportable};
  probe.pdu = pdu{.type = pdu_type::get_request, .request_id = id};
  auto waiting = std::make_shared<pending>(executor_, t);
  auto answer = co_await send_and_wait(t, id, v3::seal(probe, nullptr, 0), waiting);
  if (!answer) {
    if (answer.code() == make_error_code(errc::cancelled)) co_return answer.err();
    co_return result<std::string>(errc::engine_discovery_failed,
                                  "no SNMPv3 engine ID learnt from " + describe(t.endpoint) + ": " +
                                      answer.err().to_string());
  }
  const auto& usm = waiting->answer_usm;
  if (usm.engine_id.empty() || usm.engine_id.size() > v3::max_engine_id_length) {
    co_return result<std::string>(errc::engine_discovery_failed,
                                  "the discovery answer from " + describe(t.endpoint) + " has a " +
                                      std::to_string(usm.engine_id.size()) +
                                      "-byte engine ID (RFC 3411 5: 5 to 32)");
  }
  ++stats_.v3_discoveries;
  learn_engine(t.endpoint, usm);
  co_return usm.engine_id;
}

awaitable<result<pdu>> client::exchange_v3(const target& t, pdu request) {
  if (!t.user) co_return result<pdu>(errc::invalid_request, "SNMPv3 target without a user");
  const std::shared_ptr<const v3::user> user = t.user;  // the target may change while we wait
  if (auto invalid = invalid_user(*user)) co_return std::move(*invalid);
  const auto level = level_flags(*user);

  bool resynced = false;
  bool rediscovered = false;
  for (;;) {
    std::string engine_id;
    if (const auto known = engine_ids_.find(t.endpoint); known != engine_ids_.end()) {
      engine_id = known->second;
    } else {
      auto discovered = co_await discover(t);
      if (!discovered) co_return discovered.err();
      engine_id = std::move(*discovered);
    }

    auto waiting = std::make_shared<pending>(executor_, t);
    waiting->level_flags = level;
    waiting->engine_id = engine_id;
    waiting->user_name = user->name;
    auto keys = keys_for(*user, engine_id);
    if (!keys) co_return keys.err();
    waiting->keys = std::move(*keys);

    // The same number as msgID and request-id: the receive loop matches on msgID.
    const auto id = next_request_id();
    request.request_id = id;
    v3::message m{.msg_id = id, .flags = static_cast<std::uint8_t>(level | v3::flags::reportable)};
    const auto& clock = clocks_[engine_id];
    const bool clock_was_authentic = clock.authenticated;
    m.usm = v3::usm_parameters{.engine_id = engine_id,
                               .engine_boots = clock.boots,
                               .engine_time = clock.now(),
                               .user_name = user->name};
    m.context_engine_id = engine_id;
    m.context_name = user->context_name;
    m.pdu = request;
    auto answer = co_await send_and_wait(t, id, v3::seal(m, waiting->keys.get(), salt_++), waiting);
    if (!answer) co_return answer;
    if (answer->type != pdu_type::report) co_return answer;

    ++stats_.v3_reports;
    const auto code = v3::report_error(*answer);
    if (code == make_error_code(errc::not_in_time_window) && level != 0 && !resynced) {
      // RFC 3414 3.2 7 a / 4: the authenticated Report carried the engine's clock (taken by
      // the receive loop): resend once. Without an authentic clock yet, this is the second
      // step of discovery, not a re-synchronisation.
      resynced = true;
      if (clock_was_authentic) ++stats_.v3_time_resyncs;
      continue;
    }
    if (code == make_error_code(errc::unknown_engine_id) && !rediscovered) {
      // The engine at this address changed (a replaced card): the Report names the new one.
      rediscovered = true;
      engine_ids_.erase(t.endpoint);
      const auto& usm = waiting->answer_usm;
      if (!usm.engine_id.empty() && usm.engine_id.size() <= v3::max_engine_id_length &&
          usm.engine_id != engine_id) {
        ++stats_.v3_discoveries;
        learn_engine(t.endpoint, usm);
      }
      continue;
    }
    co_return report_failure(t.endpoint, *user, *answer, code);
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
