// The one error type of the engine: a kind (mapped to a status only in server/http/error_map) plus podman's
// cause/message pair, where cause is the innermost text and message the whole chain.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace berth::core {

enum class Errc {
  invalid_argument,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  not_implemented,
  unavailable,
  too_large,
  internal,
};

class Error : public std::runtime_error {
 public:
  Error(Errc code, std::string cause, std::string message)
      : std::runtime_error(message), code_(code), cause_(std::move(cause)) {}

  Errc code() const noexcept { return code_; }
  // The innermost error text ("no such container").
  const std::string& cause() const noexcept { return cause_; }
  // The whole chain ("abc: no such container").
  std::string message() const { return what(); }

  // Prefixes context to the message and keeps the cause: "context: message".
  Error wrap(std::string_view context) const;

 private:
  Errc code_;
  std::string cause_;
};

// Throws Error{code, cause, context.empty() ? cause : context + ": " + cause}.
[[noreturn]] void fail(Errc code, std::string_view cause, std::string_view context = {});

// The short text podman puts in "cause" for each kind when nothing better is known.
std::string_view default_cause(Errc code);

}  // namespace berth::core
