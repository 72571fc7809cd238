// SNMP agent logic, sans-I/O: decode, check community and limits, answer Get, GetNext, GetBulk
// and Set from the mib (RFC 3416 4.2.1-4.2.5; v1 per RFC 1157 and RFC 3584 4.2/4.4); SNMPv3 as
// the authoritative engine with USM security processing (RFC 3414 3.2) and Reports.
#include "pdu2mqtt/snmp/agent.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <utility>
#include <variant>

#include "pdu2mqtt/snmp/ber.hpp"

namespace pdu2mqtt::snmp {

namespace {

// Each of message, PDU and varbind list may grow its length field from 1 to 3 octets as
// varbinds are added; counting that up front keeps a GetBulk response under the limit.
constexpr std::size_t length_growth_allowance = 3 * 2;
// SNMPv3 adds the scopedPDU's and the encryptedPDU's length fields, which may grow too, and
// up to 7 octets of DES padding (RFC 3414 8.1.1.2).
constexpr std::size_t v3_growth_allowance = 2 * 2 + 7;
// RFC 3411 5: SnmpEngineID ::= OCTET STRING (SIZE(5..32)).
constexpr std::size_t min_engine_id_length = 5;

// RFC 3584 4.4: how an SNMPv2 error-status is reported to an SNMPv1 manager.
errc to_v1(errc status) noexcept {
  switch (status) {
    case errc::too_big:
    case errc::no_such_name:
    case errc::bad_value:
    case errc::read_only:
    case errc::gen_err:
      return status;
    case errc::wrong_value:
    case errc::wrong_encoding:
    case errc::wrong_type:
    case errc::wrong_length:
    case errc::inconsistent_value:
      return errc::bad_value;
    case errc::no_access:
    case errc::not_writable:
    case errc::no_creation:
    case errc::inconsistent_name:
    case errc::authorization_error:
      return errc::no_such_name;
    default:
      return errc::gen_err;
  }
}

pdu error_response(const pdu& request, errc status, std::size_t index) {
  pdu response;
  response.type = pdu_type::response;
  response.request_id = request.request_id;
  response.error_status = static_cast<std::int32_t>(status);
  response.error_index = static_cast<std::int32_t>(index);
  // RFC 3416 4.2.1-4.2.5 and RFC 1157 4.1.2: error responses carry the request's varbinds.
  response.varbinds = request.varbinds;
  return response;
}

pdu empty_response(const pdu& request) {
  pdu response;
  response.type = pdu_type::response;
  response.request_id = request.request_id;
  return response;
}

std::size_t encoded_size(const varbind& vb) {
  std::vector<std::uint8_t> scratch;
  ber::writer w(scratch);
  const auto mark = w.begin_constructed(ber::tag::sequence);
  w.object_identifier(vb.name);
  w.value(vb.value);
  w.end_constructed(mark);
  return scratch.size();
}

bool is_counter64(const value& v) noexcept {
  return std::holds_alternative<counter64>(v);
}

bool is_request(pdu_type t) noexcept {
  return t == pdu_type::get_request || t == pdu_type::get_next_request ||
         t == pdu_type::get_bulk_request || t == pdu_type::set_request;
}

// msgVersion 3 (RFC 3412 6), read without decoding the rest.
bool is_v3(std::span<const std::uint8_t> datagram) {
  ber::reader top(datagram);
  auto outer = top.expect(ber::tag::sequence);
  if (!outer) return false;
  ber::reader body = ber::reader::inside(*outer);
  auto version_tlv = body.expect(ber::tag::integer);
  if (!version_tlv) return false;
  auto number = ber::decode_integer32(version_tlv->content);
  return number && *number == static_cast<std::int32_t>(version::v3);
}

v3::security_level level_of(std::uint8_t flags) noexcept {
  if ((flags & v3::flags::auth) == 0) return v3::security_level::no_auth_no_priv;
  return (flags & v3::flags::priv) == 0 ? v3::security_level::auth_no_priv
                                        : v3::security_level::auth_priv;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

// What a v3 request told us before it was served or refused.
struct agent::v3_request {
  v3::envelope env;
  std::int32_t request_id = 0;  // 0 while the PDU is unreadable (RFC 3412 7.1 step 3)
  std::string context_name;
};

agent::agent(mib& data, agent_options options)
    : mib_(data),
      options_(std::move(options)),
      engine_start_(std::chrono::steady_clock::now()),
      salt_((std::uint64_t{std::random_device{}()} << 32) | std::random_device{}()) {
  if (options_.engine_id.empty()) return;
  if (options_.engine_id.size() < min_engine_id_length ||
      options_.engine_id.size() > v3::max_engine_id_length) {
    throw std::invalid_argument("SNMP agent: engine ID of " +
                                std::to_string(options_.engine_id.size()) +
                                " octets (RFC 3411 5: 5 to 32)");
  }
  for (const v3::user& u : options_.v3_users) {
    if (u.name.empty() || u.name.size() > v3::max_user_name_length) {
      throw std::invalid_argument("SNMP agent: v3 user name of " + std::to_string(u.name.size()) +
                                  " octets (1 to 32)");
    }
    if (auto cipher = v3::check_cipher(u.priv); !cipher) {
      throw std::runtime_error("SNMP agent: v3 user " + u.name + ": " + cipher.err().to_string());
    }
    // Localized once: each key costs a megabyte of hashing (RFC 3414 A.2.1).
    v3_users_.push_back({u.name, u.level(), v3::localize(u, as_bytes(options_.engine_id))});
  }
}

std::int32_t agent::engine_time() const noexcept {
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - engine_start_);
  return static_cast<std::int32_t>(
      std::min<std::int64_t>(elapsed.count(), std::numeric_limits<std::int32_t>::max()));
}

void agent::restart_engine() noexcept {
  // RFC 3414 2.2.2: boots stops at its maximum (the engine then needs new keys).
  if (options_.engine_boots < v3::max_engine_boots) ++options_.engine_boots;
  engine_start_ = std::chrono::steady_clock::now();
}

bool agent::admissible(const pdu& request) {
  // Responses, traps and reports are not requests to an agent; answering them could loop.
  if (!is_request(request.type)) {
    ++counters_.undecodable;
    return false;
  }
  // Real CyberPower units drop over-long requests without an answer; the simulator mimics it
  // so the bridge's request splitting is exercised for real.
  if (request.varbinds.size() > options_.max_request_varbinds) {
    ++counters_.too_many_varbinds;
    return false;
  }
  return true;
}

std::optional<std::vector<std::uint8_t>> agent::handle(std::span<const std::uint8_t> request) {
  ++counters_.requests;
  if (!options_.engine_id.empty() && is_v3(request)) return handle_v3(request);
  auto decoded = decode(request);
  if (!decoded || (decoded->version != version::v1 && decoded->version != version::v2c)) {
    ++counters_.undecodable;
    return std::nullopt;
  }
  const message& in = *decoded;

  // net-snmp and CyberPower firmware answer nothing to an unknown community (RFC 3584 5.2.1
  // only counts it as snmpInBadCommunityNames), so a scanner learns nothing.
  bool may_write = false;
  if (in.community == options_.write_community) {
    may_write = true;
  } else if (in.community != options_.read_community) {
    ++counters_.bad_community;
    return std::nullopt;
  }
  if (!admissible(in.pdu)) return std::nullopt;

  message out{in.version, in.community, answer(in, may_write, options_.max_response_size)};
  auto bytes = encode(out);
  if (bytes.size() > options_.max_response_size) {
    // RFC 3416 4.2.1: tooBig, error-index 0 and an empty varbind list. RFC 1157 4.1.2 wants
    // the request's varbinds instead; keep them when that still fits.
    out.pdu = error_response(in.pdu, errc::too_big, 0);
    if (in.version == version::v2c) out.pdu.varbinds.clear();
    bytes = encode(out);
    if (bytes.size() > options_.max_response_size) {
      out.pdu.varbinds.clear();
      bytes = encode(out);
    }
  }
  return bytes;
}

std::optional<std::vector<std::uint8_t>> agent::handle_v3(std::span<const std::uint8_t> datagram) {
  auto env = v3::peek(datagram);
  if (!env) {
    ++counters_.undecodable;  // RFC 3412 7.2 step 2: snmpInASNParseErrs, dropped
    return std::nullopt;
  }
  v3_request req{*env};
  if ((env->flags & v3::flags::auth) == 0) {
    // Readable without keys: the Report carries the request-id and contextName back.
    if (auto plain = v3::open(datagram, nullptr)) {
      req.request_id = plain->pdu.request_id;
      req.context_name = plain->context_name;
    }
  }

  // RFC 3414 3.2 step 3: not our engine (discovery sends an empty one): tell the manager ours.
  if (env->usm.engine_id != options_.engine_id) {
    return report(req, v3::report_oid::unknown_engine_ids, ++counters_.usm_unknown_engine_ids);
  }
  // Step 4.
  const auto user = std::find_if(v3_users_.begin(), v3_users_.end(),
                                 [&](const v3_user& u) { return u.name == env->usm.user_name; });
  if (user == v3_users_.end()) {
    return report(req, v3::report_oid::unknown_user_names, ++counters_.usm_unknown_user_names);
  }
  // Step 5: a level the user has no keys for.
  const v3::security_level level = level_of(env->flags);
  if (level > user->level) {
    return report(req, v3::report_oid::unsupported_sec_levels,
                  ++counters_.usm_unsupported_sec_levels);
  }
  // Steps 6 and 8 happen in open(); step 7 (timeliness) is checked between them.
  auto opened = v3::open(datagram, &user->keys);
  if (!opened && opened.code() == errc::wrong_digest) {
    return report(req, v3::report_oid::wrong_digests, ++counters_.usm_wrong_digests);
  }
  if (opened) {
    req.request_id = opened->pdu.request_id;
    req.context_name = opened->context_name;
  }
  if (level != v3::security_level::no_auth_no_priv) {
    // Step 7a: a manager with old boots or a clock off by more than the window gets our
    // boots and time in an authenticated Report, so it can resynchronize.
    const std::int32_t boots = engine_boots();
    const std::int64_t drift = std::int64_t{env->usm.engine_time} - engine_time();
    if (boots == v3::max_engine_boots || env->usm.engine_boots != boots ||
        drift > v3::time_window_s || drift < -v3::time_window_s) {
      return report(req, v3::report_oid::not_in_time_windows, ++counters_.usm_not_in_time_windows,
                    &*user);
    }
  }
  if (!opened) {
    if (opened.code() == errc::decryption_error) {
      return report(req, v3::report_oid::decryption_errors, ++counters_.usm_decryption_errors);
    }
    ++counters_.undecodable;
    return std::nullopt;
  }

  const v3::message& in = *opened;
  if (!admissible(in.pdu)) return std::nullopt;
  const std::uint8_t flags = env->flags & (v3::flags::auth | v3::flags::priv);
  if (level < user->level) {
    // Keys exist for this level, but the user is configured to use a higher one: access
    // control refuses it (RFC 3413 3.2 step 4, authorizationError).
    if (in.pdu.type == pdu_type::set_request) ++counters_.sets_refused;
    return seal(req, &*user, error_response(in.pdu, errc::authorization_error, 0), flags);
  }

  // Served as v2c is (RFC 3584 / RFC 3416 semantics), within what the manager can take
  // (msgMaxSize, RFC 3412 7.1 step 10) less what the v3 envelope adds.
  const std::size_t limit =
      std::min(options_.max_response_size, static_cast<std::size_t>(env->max_size));
  const pdu empty = empty_response(in.pdu);
  const std::size_t envelope = seal(req, &*user, empty, flags).size() -
                               encode(message{version::v2c, {}, empty}).size() +
                               v3_growth_allowance;
  const message as_v2c{version::v2c, {}, in.pdu};
  auto out =
      seal(req, &*user, answer(as_v2c, true, limit > envelope ? limit - envelope : 0), flags);
  if (out.size() > limit) {
    // RFC 3416 4.2.1: tooBig with an empty varbind list.
    pdu too_big = error_response(in.pdu, errc::too_big, 0);
    too_big.varbinds.clear();
    out = seal(req, &*user, std::move(too_big), flags);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> agent::report(const v3_request& request,
                                                       std::string_view counter_oid,
                                                       std::uint64_t count, const v3_user* user) {
  // RFC 3412 7.2 step 6 / RFC 3414 3.2: only a request with the reportable flag gets one.
  if ((request.env.flags & v3::flags::reportable) == 0) return std::nullopt;
  pdu r;
  r.type = pdu_type::report;
  r.request_id = request.request_id;
  r.varbinds.push_back({*oid::parse(counter_oid), counter32{static_cast<std::uint32_t>(count)}});
  // noAuthNoPriv, except notInTimeWindow: authNoPriv (RFC 3414 3.2 step 7a).
  return seal(request, user, std::move(r), user != nullptr ? v3::flags::auth : 0);
}

std::vector<std::uint8_t> agent::seal(const v3_request& request, const v3_user* user, pdu response,
                                      std::uint8_t flags) {
  v3::message m;
  m.msg_id = request.env.msg_id;  // RFC 3412 7.1 step 3: the request's msgID
  m.max_size = static_cast<std::int32_t>(max_message_size);
  m.flags = flags;  // never reportable: a response or report is not answered (RFC 3412 6.4)
  m.usm.engine_id = options_.engine_id;
  m.usm.engine_boots = engine_boots();
  m.usm.engine_time = engine_time();
  m.usm.user_name = request.env.usm.user_name;
  m.context_engine_id = options_.engine_id;
  m.context_name = request.context_name;
  m.pdu = std::move(response);
  return v3::seal(m, user != nullptr ? &user->keys : nullptr, salt_++);
}

pdu agent::answer(const message& request, bool may_write, std::size_t max_size) {
  const pdu& req = request.pdu;
  const bool v1 = request.version == version::v1;
  pdu response = empty_response(req);
  response.varbinds.reserve(req.varbinds.size());

  switch (req.type) {
    case pdu_type::get_request: {
      for (std::size_t i = 0; i < req.varbinds.size(); ++i) {
        auto v = mib_.get(req.varbinds[i].name);
        // RFC 3584 4.2.2.1: v1 cannot carry exceptions nor Counter64; the whole request
        // fails with noSuchName at the first such varbind.
        if (v1 && (is_exception(v) || is_counter64(v))) {
          return error_response(req, errc::no_such_name, i + 1);
        }
        response.varbinds.push_back({req.varbinds[i].name, std::move(v)});
      }
      return response;
    }

    case pdu_type::get_next_request: {
      for (std::size_t i = 0; i < req.varbinds.size(); ++i) {
        auto next = mib_.get_next(req.varbinds[i].name);
        // RFC 3584 4.2.2.1: a v1 GetNext skips Counter64 objects.
        while (v1 && next && is_counter64(next->value))
          next = mib_.get_next(next->name);
        if (!next) {
          // RFC 1157 4.1.3: past the end is noSuchName in v1; RFC 3416 4.2.2: endOfMibView.
          if (v1) return error_response(req, errc::no_such_name, i + 1);
          response.varbinds.push_back({req.varbinds[i].name, end_of_mib_view{}});
        } else {
          response.varbinds.push_back(std::move(*next));
        }
      }
      return response;
    }

    case pdu_type::get_bulk_request: {
      // RFC 3416 4.2.3. v1 GetBulk never gets here: decode() rejects it.
      const std::size_t count = req.varbinds.size();
      const std::size_t non_repeaters =
          std::min(count, static_cast<std::size_t>(std::max(req.non_repeaters(), 0)));
      const std::size_t max_repetitions =
          static_cast<std::size_t>(std::max(req.max_repetitions(), 0));
      const std::size_t repeaters = count - non_repeaters;

      message envelope{request.version, request.community, empty_response(req)};
      const std::size_t base = encode(envelope).size() + length_growth_allowance;
      std::size_t total = base;
      // RFC 3416 4.2.3 (1): varbinds that would push the message past the limit are left off
      // the end, whatever N, M and R say.
      auto fits = [&](const varbind& vb) {
        const std::size_t size = encoded_size(vb);
        if (total + size > max_size || response.varbinds.size() >= max_varbinds) {
          return false;
        }
        total += size;
        return true;
      };
      auto successor = [&](const oid& name) -> varbind {
        auto next = mib_.get_next(name);
        if (!next) return {name, end_of_mib_view{}};
        return std::move(*next);
      };

      for (std::size_t i = 0; i < non_repeaters; ++i) {
        auto vb = successor(req.varbinds[i].name);
        if (!fits(vb)) return response;
        response.varbinds.push_back(std::move(vb));
      }
      std::vector<oid> last(repeaters);
      for (std::size_t j = 0; j < repeaters; ++j)
        last[j] = req.varbinds[non_repeaters + j].name;
      for (std::size_t rep = 0; rep < max_repetitions && repeaters > 0; ++rep) {
        bool all_at_end = true;
        for (std::size_t j = 0; j < repeaters; ++j) {
          auto vb = successor(last[j]);
          if (!std::holds_alternative<end_of_mib_view>(vb.value)) all_at_end = false;
          last[j] = vb.name;
          if (!fits(vb)) return response;
          response.varbinds.push_back(std::move(vb));
        }
        // RFC 3416 4.2.3 (2): a full row of endOfMibView ends the response.
        if (all_at_end) break;
      }
      return response;
    }

    case pdu_type::set_request: {
      if (!may_write) {
        // Verified against net-snmp 5.9.3 snmpd with "rocommunity public": a SetRequest with
        // the read community gets noAccess (v2c) / noSuchName (v1), error-index 1.
        ++counters_.sets_refused;
        return error_response(req, v1 ? errc::no_such_name : errc::no_access,
                              req.varbinds.empty() ? 0 : 1);
      }
      // A successful Set answers the request's varbinds (RFC 3416 4.2.5), so its size is known
      // before anything is applied: never apply a Set whose answer would be tooBig.
      pdu success = empty_response(req);
      success.varbinds = req.varbinds;
      if (encode(message{request.version, request.community, success}).size() > max_size) {
        ++counters_.sets_refused;
        return success;  // handle() turns it into tooBig
      }
      const auto outcome = mib_.set(req.varbinds);
      if (outcome.status != errc{}) {
        ++counters_.sets_refused;
        const errc status = v1 ? to_v1(outcome.status) : outcome.status;
        return error_response(req, status, outcome.index + 1);
      }
      ++counters_.sets_accepted;
      return success;
    }

    default:
      return error_response(req, errc::gen_err, 0);
  }
}

}  // namespace pdu2mqtt::snmp
