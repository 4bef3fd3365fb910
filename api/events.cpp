// GET /libpod/events?since=&until=&filters=&stream= : as docker's, in podman's shape; stream=false ends after the
// past events.
#include "api/events.hpp"

#include "api/shapes/events.hpp"
#include "core/engine.hpp"
#include "core/events/query.hpp"
#include "server/http/filters.hpp"

namespace berth::api {
namespace {

http::Reply events(const http::Request& req, core::Engine& engine) {
  auto query = core::events::make_query(req.query.optional_string("since"), req.query.optional_string("until"),
                                        req.query.flag("stream", true), http::query_filters(req.query));
  // podman reads its whole events log when not following it.
  if (!query.stream && !query.since_ns && !query.until_ns) query.since_ns = 0;
  return http::Reply::stream(http::Framing::json_lines, engine.event_sink.subscribe(query), shapes::event_line);
}

}  // namespace

void add_event_routes(http::Router& router) { router.get("/libpod/events", events); }

}  // namespace berth::api
