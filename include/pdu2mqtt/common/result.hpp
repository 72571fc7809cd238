// Errors as values at I/O boundaries: result<T> holds a T or an error (code + human detail).
#pragma once

#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace pdu2mqtt {

struct error {
  std::error_code code;
  std::string detail;  // what broke and where; never contains secrets

  // "code message: detail" (or just the code's message when there is no detail).
  std::string to_string() const {
    return detail.empty() ? code.message() : code.message() + ": " + detail;
  }
};

struct ok_t {
  friend bool operator==(ok_t, ok_t) = default;
};
inline constexpr ok_t ok{};

template <class T>
class [[nodiscard]] result {
 public:
  // Only for frameworks that need a default (Asio's completion with an exception): an error.
  result()
      : storage_(std::in_place_index<1>,
                 error{std::make_error_code(std::errc::operation_canceled), "no result"}) {}
  result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  result(error err) : storage_(std::in_place_index<1>, std::move(err)) {}
  template <class Enum>
  requires std::is_error_code_enum_v<Enum> result(Enum code, std::string detail = {})
      : storage_(std::in_place_index<1>, error{make_error_code(code), std::move(detail)}) {}

  bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error& err() const { return std::get<1>(storage_); }
  std::error_code code() const { return has_value() ? std::error_code{} : err().code; }

 private:
  std::variant<T, error> storage_;
};

using status = result<ok_t>;

}  // namespace pdu2mqtt
