// since/until parsing for the events endpoints.
#include "core/events/query.hpp"

#include "core/time.hpp"

namespace berth::core::events {
namespace {

std::optional<std::int64_t> bound(const std::optional<std::string>& text, std::int64_t now) {
  if (!text || text->empty()) return std::nullopt;
  return parse_filter_time(*text, now);
}

}  // namespace

EventQuery make_query(const std::optional<std::string>& since, const std::optional<std::string>& until, bool stream,
                      Filters filters) {
  std::int64_t now = now_ns();
  return EventQuery{
      .since_ns = bound(since, now), .until_ns = bound(until, now), .stream = stream, .filters = std::move(filters)};
}

}  // namespace berth::core::events
