// Container lifecycle, list, inspect, rename, remove and prune handlers of the docker tree.
#include "compat/containers.hpp"

#include "compat/shapes/containers.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "server/http/filters.hpp"

namespace berth::compat::container_handlers {

using http::Reply;
using http::Request;

// GET /containers/json?all=&limit=&size=&filters=
Reply list(const Request& req, ContainerService& containers) {
  core::containers::ListOptions opts{
      .all = req.query.flag("all"), .size = req.query.flag("size"), .filters = http::query_filters(req.query)};
  if (auto limit = req.query.integer("limit", -1); limit > 0) opts.last = static_cast<int>(limit);
  if (opts.filters.count("status")) opts.all = true;  // docker: a status filter looks at stopped ones too
  auto now = core::now_ns();
  auto listed = containers.list(opts);
  http::JsonWriter w(listed.size() * 512);
  w.begin_array();
  for (const auto& l : listed) shapes::write_container_summary(w, l, now, opts.size);
  w.end_array();
  return Reply::json_text(w.take());
}

// GET /containers/{name}/json?size=
Reply inspect(const Request& req, ContainerService& containers) {
  bool size = req.query.flag("size");
  return Reply::json(shapes::container_inspect_json(containers.inspect(req.param("name"), size), size));
}

// POST /containers/{name}/start. docker answers 304 for a running container, the service 409 (conflict): look
// first, so a paused container's conflict still reaches the client as 409.
Reply start(const Request& req, ContainerService& containers) {
  auto ctr = containers.find(req.param("name"));
  if (ctr->state.status == core::ContainerStatus::running) return Reply::not_modified();
  containers.start(ctr->id);
  return Reply::no_content();
}

// POST /containers/{name}/stop?t=&signal= (signal from API 1.42)
Reply stop(const Request& req, ContainerService& containers) {
  core::containers::StopOptions opts;
  if (auto t = req.query.optional_int("t")) opts.timeout = static_cast<int>(*t);
  if (req.version >= http::ApiVersion{1, 42}) opts.signal = req.query.string("signal");
  auto result = containers.stop(req.param("name"), opts);
  return result.was_running ? Reply::no_content() : Reply::not_modified();
}

// POST /containers/{name}/restart?t=
Reply restart(const Request& req, ContainerService& containers) {
  std::optional<int> timeout;
  if (auto t = req.query.optional_int("t")) timeout = static_cast<int>(*t);
  containers.restart(req.param("name"), timeout);
  return Reply::no_content();
}

// POST /containers/{name}/kill?signal= (default KILL, which returns once the container stopped, as docker's;
// not running → 409 from the service)
Reply kill(const Request& req, ContainerService& containers) {
  auto signal = req.query.string("signal");
  containers.kill(req.param("name"), signal.empty() ? "KILL" : signal, /*wait_exit=*/true);
  return Reply::no_content();
}

// POST /containers/{name}/pause
Reply pause(const Request& req, ContainerService& containers) {
  containers.pause(req.param("name"));
  return Reply::no_content();
}

// POST /containers/{name}/unpause
Reply unpause(const Request& req, ContainerService& containers) {
  containers.unpause(req.param("name"));
  return Reply::no_content();
}

// DELETE /containers/{name}?force=&v=&link= (links do not exist here, and docker's compat tree refuses link=true)
Reply remove(const Request& req, ContainerService& containers) {
  if (req.query.flag("link")) core::fail(core::Errc::invalid_argument, "link removal is not supported");
  containers.remove(req.param("name"), {.force = req.query.flag("force"), .volumes = req.query.flag("v")});
  return Reply::no_content();
}

// POST /containers/{name}/rename?name=
Reply rename(const Request& req, ContainerService& containers) {
  auto name = req.query.string("name");
  if (name.empty()) core::fail(core::Errc::invalid_argument, "a new name is required: use name=");
  containers.rename(req.param("name"), name);
  return Reply::no_content();
}

// POST /containers/prune?filters= (until, label, label!)
Reply prune(const Request& req, ContainerService& containers) {
  return Reply::json(shapes::container_prune_json(containers.prune(http::query_filters(req.query))));
}

}  // namespace berth::compat::container_handlers

namespace berth::compat {

namespace {

// The handlers see only the container service; this is the one place that takes it from the engine.
template <ContainerHandler H>
http::Reply on_engine(const http::Request& req, core::Engine& engine) {
  return H(req, engine.containers);
}

}  // namespace

void add_container_routes(http::Router& router) {
  using namespace container_handlers;
  router.post("/containers/create", on_engine<create>);
  router.get("/containers/json", on_engine<list>);
  router.post("/containers/prune", on_engine<prune>);
  router.get("/containers/{name}/json", on_engine<inspect>);
  router.post("/containers/{name}/start", on_engine<start>);
  router.post("/containers/{name}/stop", on_engine<stop>);
  router.post("/containers/{name}/restart", on_engine<restart>);
  router.post("/containers/{name}/kill", on_engine<kill>);
  router.post("/containers/{name}/pause", on_engine<pause>);
  router.post("/containers/{name}/unpause", on_engine<unpause>);
  router.post("/containers/{name}/wait", on_engine<wait>);
  router.post("/containers/{name}/rename", on_engine<rename>);
  router.get("/containers/{name}/top", on_engine<top>);
  router.get("/containers/{name}/logs", on_engine<logs>);
  router.post("/containers/{name}/attach", on_engine<attach>);
  router.get("/containers/{name}/attach/ws", on_engine<attach_ws>);
  router.post("/containers/{name}/resize", on_engine<resize>);
  router.del("/containers/{name}", on_engine<remove>);
}

}  // namespace berth::compat
