#pragma once
/// Expected failures at I/O boundaries as values (tier 2 of CONVENTIONS.md).
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace cosmicai {

/// Category of an expected failure; lets callers branch without parsing text.
enum class ErrorCode { kInvalidArgument, kNotFound, kCorrupt, kIo, kUnavailable, kPermission, kInternal };

/// What went wrong and where, in words a user can act on.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

/// Thrown by Result::value() on an error, and by code that prefers exceptions.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

/// A value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return std::get<1>(v_); }

  T& value() & {
    if (!ok()) throw ErrorException(error());
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) throw ErrorException(error());
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw ErrorException(error());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation with no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  void value() const {
    if (!ok_) throw ErrorException(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace cosmicai
