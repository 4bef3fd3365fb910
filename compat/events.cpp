// GET /events?since=&until=&filters=&stream= : past events from the journal, then live ones until `until` (or forever).
#include "compat/events.hpp"

#include "compat/shapes/events.hpp"
#include "core/engine.hpp"
#include "core/events/query.hpp"
#include "server/http/filters.hpp"

namespace berth::compat {
namespace {

http::Reply events(const http::Request& req, core::Engine& engine) {
  // `stream` is podman's (its compat /events honours it, and its test suite uses it); docker clients never send it.
  auto query = core::events::make_query(req.query.optional_string("since"), req.query.optional_string("until"),
                                        req.query.flag("stream", true), http::query_filters(req.query));
  // The reply's headers go out before the first event: the docker CLI waits for them.
  return http::Reply::stream(http::Framing::json_lines, engine.event_sink.subscribe(query), shapes::event_line);
}

}  // namespace

void add_event_routes(http::Router& router) { router.get("/events", events); }

}  // namespace berth::compat
