// The SNMPv3 side of the client (RFC 3412, RFC 3414): engine discovery, the engine clock,
// localized keys, sealing requests and checking answers, and the Reports that end a request.
#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "client_pending.hpp"
#include "pdu2mqtt/snmp/client.hpp"

namespace pdu2mqtt::snmp {

using asio::ip::udp;
using detail::describe;

namespace {

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
}  // namespace

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

}  // namespace pdu2mqtt::snmp
