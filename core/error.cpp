// core::Error helpers.
#include "core/error.hpp"

namespace berth::core {

Error Error::wrap(std::string_view context) const {
  std::string msg(context);
  msg += ": ";
  msg += what();
  return Error(code_, cause_, std::move(msg));
}

void fail(Errc code, std::string_view cause, std::string_view context) {
  std::string message;
  if (!context.empty()) {
    message.append(context);
    message += ": ";
  }
  message.append(cause);
  throw Error(code, std::string(cause), std::move(message));
}

std::string_view default_cause(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return "bad parameter";
    case Errc::unauthorized:
      return "unauthorized";
    case Errc::forbidden:
      return "forbidden";
    case Errc::not_found:
      return "no such object";
    case Errc::conflict:
      return "conflict";
    case Errc::not_implemented:
      return "not implemented";
    case Errc::unavailable:
      return "service unavailable";
    case Errc::too_large:
      return "request body too large";
    case Errc::internal:
      break;
  }
  return "internal error";
}

}  // namespace berth::core
