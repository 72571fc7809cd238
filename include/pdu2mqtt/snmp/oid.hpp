// OBJECT IDENTIFIER as a value type: arcs, dotted-text parsing, ordering for GETNEXT walks.
#pragma once

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
  oid(std::initializer_list<std::uint32_t> arcs) : arcs_(arcs) {}
  explicit oid(std::vector<std::uint32_t> arcs) : arcs_(std::move(arcs)) {}

  // Accepts "1.3.6.1" and ".1.3.6.1"; rejects empty arcs, non-digits, arcs over 2^32-1,
  // more than max_oid_arcs arcs.
  static result<oid> parse(std::string_view dotted);

  // ".1.3.6.1..." as net-snmp prints numeric OIDs (leading dot).
  std::string to_string() const;

  std::span<const std::uint32_t> arcs() const noexcept { return arcs_; }
  std::size_t size() const noexcept { return arcs_.size(); }
  bool empty() const noexcept { return arcs_.empty(); }
  std::uint32_t operator[](std::size_t i) const { return arcs_[i]; }
  std::uint32_t back() const { return arcs_.back(); }

  // True when prefix is an ancestor of (or equal to) this OID.
  bool starts_with(const oid& prefix) const noexcept;

  // This OID with more arcs appended (table column + row index).
  oid child(std::uint32_t arc) const;
  oid child(std::initializer_list<std::uint32_t> arcs) const;
  void push_back(std::uint32_t arc) { arcs_.push_back(arc); }

  friend bool operator==(const oid&, const oid&) = default;
  // Lexicographic order by arcs: the order GETNEXT walks in (RFC 3416 4.2.2).
  friend std::strong_ordering operator<=>(const oid& a, const oid& b) noexcept {
    return a.arcs_ <=> b.arcs_;
  }

 private:
  std::vector<std::uint32_t> arcs_;
};

struct oid_hash {
  std::size_t operator()(const oid& o) const noexcept;
};

}  // namespace pdu2mqtt::snmp
