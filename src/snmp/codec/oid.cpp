// OBJECT IDENTIFIER value type: dotted-text parsing and printing, prefix tests, hashing.
// The BER form lives in ber.cpp; nothing here knows about bytes on the wire.
#include "pdu2mqtt/snmp/oid.hpp"

#include <algorithm>
#include <limits>

#include "pdu2mqtt/snmp/error.hpp"

namespace pdu2mqtt::snmp {

result<oid> oid::parse(std::string_view dotted) {
  const std::string_view original = dotted;
  // net-snmp prints numeric OIDs with a leading dot and accepts both forms on input.
  if (!dotted.empty() && dotted.front() == '.') dotted.remove_prefix(1);
  if (dotted.empty()) {
    return {errc::bad_oid, "empty OID text \"" + std::string(original.substr(0, 64)) + "\""};
  }

  const std::size_t lead = original.size() - dotted.size();  // 1 when a '.' was skipped
  oid arcs;
  std::size_t pos = 0;
  while (true) {
    const std::size_t arc_start = pos;
    std::uint64_t arc = 0;
    while (pos < dotted.size() && dotted[pos] != '.') {
      const char c = dotted[pos];
      if (c < '0' || c > '9') {
        return {errc::bad_oid,
                "OID text has a non-digit at character " + std::to_string(lead + pos + 1)};
      }
      arc = arc * 10 + static_cast<std::uint64_t>(c - '0');
      // RFC 2578 3.5: each sub-identifier is at most 2^32-1. Checked per digit so that
      // a long run of digits cannot overflow the accumulator.
      if (arc > std::numeric_limits<std::uint32_t>::max()) {
        return {errc::bad_oid,
                "OID text arc " + std::to_string(arcs.size() + 1) + " exceeds 4294967295"};
      }
      ++pos;
    }
    if (pos == arc_start) {
      return {errc::bad_oid, "OID text has an empty arc " + std::to_string(arcs.size() + 1)};
    }
    if (arcs.size() == max_oid_arcs) {
      return {errc::too_many_oid_arcs,
              "OID text has more than " + std::to_string(max_oid_arcs) + " arcs"};
    }
    arcs.push_back(static_cast<std::uint32_t>(arc));
    if (pos == dotted.size()) break;
    ++pos;  // the '.'; a trailing one makes an empty last arc, rejected above
  }
  return arcs;
}

void oid::append(const std::uint32_t* arcs, std::size_t count) {
  const std::size_t total = size_ + count;
  if (total <= inline_arcs) {
    std::copy(arcs, arcs + count, inline_.begin() + size_);
  } else {
    if (size_ <= inline_arcs) heap_.assign(inline_.begin(), inline_.begin() + size_);
    heap_.insert(heap_.end(), arcs, arcs + count);
  }
  size_ = static_cast<std::uint32_t>(total);
}

std::string oid::to_string() const {
  std::string out;
  out.reserve(size_ * 4);
  for (const std::uint32_t arc : arcs()) {
    out += '.';
    out += std::to_string(arc);
  }
  return out;
}

bool oid::starts_with(const oid& prefix) const noexcept {
  if (prefix.size_ > size_) return false;
  return std::equal(prefix.data(), prefix.data() + prefix.size_, data());
}

oid oid::child(std::uint32_t arc) const {
  oid out = *this;
  out.push_back(arc);
  return out;
}

oid oid::child(std::initializer_list<std::uint32_t> arcs) const {
  oid out = *this;
  out.append(arcs.begin(), arcs.size());
  return out;
}

std::size_t oid_hash::operator()(const oid& o) const noexcept {
  // 64-bit FNV-1a over the arcs, then the size: cheap, and OIDs sharing a long prefix
  // (every column of one table) still spread because the differing arcs come last.
  std::uint64_t h = 14695981039346656037ull;
  for (const std::uint32_t arc : o.arcs()) {
    h ^= arc;
    h *= 1099511628211ull;
  }
  h ^= o.size();
  h *= 1099511628211ull;
  return static_cast<std::size_t>(h);
}

}  // namespace pdu2mqtt::snmp
