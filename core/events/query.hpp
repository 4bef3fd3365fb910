// Turning the since/until text both trees send (docker: unix seconds with a fraction; podman: RFC 3339 or a
// duration back from now) into an EventQuery.
#pragma once

#include <optional>
#include <string>

#include "core/events/bus.hpp"

namespace berth::core::events {

// "" or absent → no bound. A bad value → invalid_argument naming it.
EventQuery make_query(const std::optional<std::string>& since, const std::optional<std::string>& until, bool stream,
                      Filters filters);

}  // namespace berth::core::events
