// The Asio spellings this project uses (standalone Asio 1.22.1, Debian 12), in one place.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

namespace pdu2mqtt {

template <class T = void>
using awaitable = asio::awaitable<T>;

// Completion token that turns "error as exception" into "error as first tuple element".
inline constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace pdu2mqtt
