// Drives a coroutine to completion on a test's io_context (which may also run peers), bounded.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

#include "pdu2mqtt/common/asio.hpp"

namespace pdu2mqtt::test {

template <class T>
T run(asio::io_context& io, awaitable<T> task,
      std::chrono::seconds limit = std::chrono::seconds(20)) {
  std::optional<T> out;
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    done = true;
    if (!e) out.emplace(std::move(value));
  });
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
  }
  if (failure) std::rethrow_exception(failure);
  if (!out) throw std::runtime_error("coroutine did not finish in time");
  return std::move(*out);
}

// Runs io until pred() holds or timeout passes; returns pred().
template <class Predicate>
bool run_until(asio::io_context& io, Predicate pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace pdu2mqtt::test
