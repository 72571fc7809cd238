// Runs one coroutine to completion on a private io_context: the one-shot CLI commands.
#pragma once

#include <exception>
#include <optional>

#include "pdu2mqtt/common/asio.hpp"

namespace pdu2mqtt::app {

template <class T>
T run_to_completion(asio::io_context& io, awaitable<T> task) {
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out.emplace(std::move(value));
    io.stop();  // the client's receive loop would keep run() busy forever
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace pdu2mqtt::app
