// The one place where an engine error becomes an HTTP status and a {"cause","message","response"} body.
#pragma once

#include <exception>

#include "core/error.hpp"
#include "server/http/reply.hpp"

namespace berth::http {

int status_for(core::Errc code);

// The error reply for the exception in flight: core::Error by its kind, a JSON parse error as 400, anything
// else as 500.
Reply error_reply(std::exception_ptr error);
Reply error_reply(const core::Error& error);

}  // namespace berth::http
