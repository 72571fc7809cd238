// The usual visitor helper: one lambda per std::variant alternative.
#pragma once

namespace pdu2mqtt {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace pdu2mqtt
