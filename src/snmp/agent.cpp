// SNMP v1/v2c agent logic, sans-I/O: decode, check community and limits, answer Get, GetNext,
// GetBulk and Set from the mib (RFC 3416 4.2.1-4.2.5; v1 per RFC 1157 and RFC 3584 4.2/4.4).
#include "pdu2mqtt/snmp/agent.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>
#include <variant>

#include "pdu2mqtt/snmp/ber.hpp"

namespace pdu2mqtt::snmp {

namespace {

// Each of message, PDU and varbind list may grow its length field from 1 to 3 octets as
// varbinds are added; counting that up front keeps a GetBulk response under the limit.
constexpr std::size_t length_growth_allowance = 3 * 2;

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

}  // namespace

std::optional<std::vector<std::uint8_t>> agent::handle(std::span<const std::uint8_t> request) {
  ++counters_.requests;
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
  // Responses, traps and reports are not requests to an agent; answering them could loop.
  if (!is_request(in.pdu.type)) {
    ++counters_.undecodable;
    return std::nullopt;
  }
  // Real CyberPower units drop over-long requests without an answer; the simulator mimics it
  // so the bridge's request splitting is exercised for real.
  if (in.pdu.varbinds.size() > options_.max_request_varbinds) {
    ++counters_.too_many_varbinds;
    return std::nullopt;
  }

  message out{in.version, in.community, answer(in, may_write)};
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

pdu agent::answer(const message& request, bool may_write) {
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
        if (total + size > options_.max_response_size || response.varbinds.size() >= max_varbinds) {
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
      if (encode(message{request.version, request.community, success}).size() >
          options_.max_response_size) {
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
