// Errc -> HTTP status.
#include "server/http/error_map.hpp"

#include <nlohmann/json.hpp>

namespace berth::http {

int status_for(core::Errc code) {
  switch (code) {
    case core::Errc::invalid_argument:
      return 400;
    case core::Errc::unauthorized:
      return 401;
    case core::Errc::forbidden:
      return 403;
    case core::Errc::not_found:
      return 404;
    case core::Errc::conflict:
      return 409;
    case core::Errc::too_large:
      return 413;
    case core::Errc::not_implemented:
      return 501;
    case core::Errc::unavailable:
      return 503;
    case core::Errc::internal:
      break;
  }
  return 500;
}

Reply error_reply(const core::Error& error) {
  return Reply::error(status_for(error.code()), error.cause(), error.message());
}

Reply error_reply(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const core::Error& e) {
    return error_reply(e);
  } catch (const nlohmann::json::exception& e) {
    // A body that is not the JSON the handler expects is the client's mistake.
    return Reply::error(400, e.what(), std::string("decode request body: ") + e.what());
  } catch (const std::exception& e) {
    return Reply::error(500, e.what(), e.what());
  } catch (...) {
    return Reply::error(500, "unknown error", "unknown error");
  }
}

}  // namespace berth::http
