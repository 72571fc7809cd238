// OBJECT IDENTIFIER as a value type: arcs, dotted-text parsing, ordering for GETNEXT walks.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pdu2mqtt/common/result.hpp"

namespace pdu2mqtt::snmp {

// RFC 2578 3.5: at most 128 sub-identifiers, each at most 2^32-1.
inline constexpr std::size_t max_oid_arcs = 128;

class oid {
 public:
  oid() = default;
  oid(std::initializer_list<std::uint32_t> arcs) { append(arcs.begin(), arcs.size()); }
  explicit oid(const std::vector<std::uint32_t>& arcs) { append(arcs.data(), arcs.size()); }

  // Accepts "1.3.6.1" and ".1.3.6.1"; rejects empty arcs, non-digits, arcs over 2^32-1,
  // more than max_oid_arcs arcs.
  static result<oid> parse(std::string_view dotted);

  // ".1.3.6.1..." as net-snmp prints numeric OIDs (leading dot).
  std::string to_string() const;

  std::span<const std::uint32_t> arcs() const noexcept { return {data(), size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::uint32_t operator[](std::size_t i) const { return data()[i]; }
  std::uint32_t back() const { return data()[size_ - 1]; }

  // True when prefix is an ancestor of (or equal to) this OID.
  bool starts_with(const oid& prefix) const noexcept;

  // This OID with more arcs appended (table column + row index).
  oid child(std::uint32_t arc) const;
  oid child(std::initializer_list<std::uint32_t> arcs) const;
  void push_back(std::uint32_t arc) { append(&arc, 1); }

  friend bool operator==(const oid& a, const oid& b) noexcept {
    return std::ranges::equal(a.arcs(), b.arcs());
  }
  // Lexicographic order by arcs: the order GETNEXT walks in (RFC 3416 4.2.2).
  friend std::strong_ordering operator<=>(const oid& a, const oid& b) noexcept {
    const auto x = a.arcs();
    const auto y = b.arcs();
    return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
  }

 private:
  // Every OID of the CyberPower MIBs has at most 18 arcs: kept inline, a polled OID costs no
  // allocation when it is built, decoded or copied (a poll handles hundreds of them).
  static constexpr std::size_t inline_arcs = 20;
  const std::uint32_t* data() const noexcept {
    return size_ <= inline_arcs ? inline_.data() : heap_.data();
  }
  void append(const std::uint32_t* arcs, std::size_t count);

  std::uint32_t size_ = 0;
  std::array<std::uint32_t, inline_arcs> inline_{};
  std::vector<std::uint32_t> heap_;  // all the arcs, once there are more than inline_arcs
};

struct oid_hash {
  std::size_t operator()(const oid& o) const noexcept;
};

}  // namespace pdu2mqtt::snmp
