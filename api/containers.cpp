// Container lifecycle, list, inspect, exists, rename, remove and prune handlers of the libpod tree.
#include "api/containers.hpp"

#include "api/shapes/containers.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "server/http/filters.hpp"

namespace berth::api::container_handlers {

using http::Reply;
using http::Request;

namespace {

std::optional<int> optional_seconds(const http::Query& query, std::string_view key) {
  auto value = query.optional_int(key);
  return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

}  // namespace

// GET /libpod/containers/json?all=&limit=&last=&size=&sync=&filters= (namespace, pod, external: nothing to add)
Reply list(const Request& req, ContainerService& containers) {
  core::containers::ListOptions opts{.all = req.query.flag("all"),
                                     .size = req.query.flag("size"),
                                     .sync = req.query.flag("sync"),
                                     .filters = http::query_filters(req.query)};
  // `last` is podman's older spelling of `limit` and wins when both are given; podman --remote sends last=-1.
  auto limit = req.query.has("last") ? req.query.integer("last", -1) : req.query.integer("limit", -1);
  if (limit > 0) opts.last = static_cast<int>(limit);
  auto listed = containers.list(opts);
  http::JsonWriter w(listed.size() * 640);
  w.begin_array();
  for (const auto& l : listed) shapes::write_list_container(w, l, opts.size);
  w.end_array();
  return Reply::json_text(w.take());
}

// GET /libpod/containers/{name}/json?size=
Reply inspect(const Request& req, ContainerService& containers) {
  bool size = req.query.flag("size");
  return Reply::json(shapes::container_data_json(containers.inspect(req.param("name"), size), size));
}

// GET /libpod/containers/{name}/exists: 204 or 404 (no body for the hit; the miss is the usual error document)
Reply exists(const Request& req, ContainerService& containers) {
  if (!containers.exists(req.param("name"))) core::fail(core::Errc::not_found, "no such container");
  return Reply::no_content();
}

// POST /libpod/containers/{name}/start. podman answers 304 for a running container, the service 409 (conflict):
// look first, so a paused container's conflict still reaches the client.
Reply start(const Request& req, ContainerService& containers) {
  auto ctr = containers.find(req.param("name"));
  if (ctr->state.status == core::ContainerStatus::running) return Reply::not_modified();
  containers.start(ctr->id);
  return Reply::no_content();
}

// POST /libpod/containers/{name}/init: 204, or 304 when it already is initialized or running
Reply init(const Request& req, ContainerService& containers) {
  return containers.init(req.param("name")) ? Reply::no_content() : Reply::not_modified();
}

// POST /libpod/containers/{name}/stop?timeout=&ignore= (podman still answers 404 for a missing one with ignore)
Reply stop(const Request& req, ContainerService& containers) {
  auto result = containers.stop(req.param("name"), {.timeout = optional_seconds(req.query, "timeout")});
  return result.was_running ? Reply::no_content() : Reply::not_modified();
}

// POST /libpod/containers/{name}/restart?t=
Reply restart(const Request& req, ContainerService& containers) {
  containers.restart(req.param("name"), optional_seconds(req.query, "t"));
  return Reply::no_content();
}

// POST /libpod/containers/{name}/kill?signal= (default KILL; unlike docker's tree it does not wait for the exit)
Reply kill(const Request& req, ContainerService& containers) {
  containers.kill(req.param("name"), req.query.string("signal", "SIGKILL"));
  return Reply::no_content();
}

// POST /libpod/containers/{name}/pause
Reply pause(const Request& req, ContainerService& containers) {
  containers.pause(req.param("name"));
  return Reply::no_content();
}

// POST /libpod/containers/{name}/unpause
Reply unpause(const Request& req, ContainerService& containers) {
  containers.unpause(req.param("name"));
  return Reply::no_content();
}

// DELETE /libpod/containers/{name}?force=&volumes=&timeout=&ignore=&depend= → 200 [{"Id","RawInput"}]; with ignore a
// missing container is an empty report, as podman answers.
Reply remove(const Request& req, ContainerService& containers) {
  const auto& name = req.param("name");
  if (req.query.flag("ignore") && !containers.exists(name)) return Reply::json(nlohmann::json::array());
  core::containers::RemoveOptions opts{.force = req.query.flag("force"),
                                       .volumes = req.query.flag("volumes", req.query.flag("v")),
                                       .timeout = optional_seconds(req.query, "timeout")};
  return Reply::json(shapes::rm_report_json(containers.remove(name, opts), name));
}

// POST /libpod/containers/{name}/rename?name=
Reply rename(const Request& req, ContainerService& containers) {
  auto name = req.query.string("name");
  if (name.empty()) core::fail(core::Errc::invalid_argument, "a new name is required: use name=");
  containers.rename(req.param("name"), name);
  return Reply::no_content();
}

// POST /libpod/containers/prune?filters= (until, label, label!) → [{"Id","Size"}]
Reply prune(const Request& req, ContainerService& containers) {
  return Reply::json(shapes::prune_report_json(containers.prune(http::query_filters(req.query))));
}

}  // namespace berth::api::container_handlers

namespace berth::api {

namespace {

// The handlers see only the container service; this is the one place that takes it from the engine.
template <ContainerHandler H>
http::Reply on_engine(const http::Request& req, core::Engine& engine) {
  return H(req, engine.containers);
}

}  // namespace

void add_container_routes(http::Router& router) {
  using namespace container_handlers;
  router.post("/libpod/containers/create", on_engine<create>);
  router.get("/libpod/containers/json", on_engine<list>);
  router.post("/libpod/containers/prune", on_engine<prune>);
  router.get("/libpod/containers/{name}/json", on_engine<inspect>);
  router.get("/libpod/containers/{name}/exists", on_engine<exists>);
  router.post("/libpod/containers/{name}/start", on_engine<start>);
  router.post("/libpod/containers/{name}/init", on_engine<init>);
  router.post("/libpod/containers/{name}/stop", on_engine<stop>);
  router.post("/libpod/containers/{name}/restart", on_engine<restart>);
  router.post("/libpod/containers/{name}/kill", on_engine<kill>);
  router.post("/libpod/containers/{name}/pause", on_engine<pause>);
  router.post("/libpod/containers/{name}/unpause", on_engine<unpause>);
  router.post("/libpod/containers/{name}/wait", on_engine<wait>);
  router.post("/libpod/containers/{name}/rename", on_engine<rename>);
  router.get("/libpod/containers/{name}/top", on_engine<top>);
  router.get("/libpod/containers/{name}/logs", on_engine<logs>);
  router.post("/libpod/containers/{name}/attach", on_engine<attach>);
  router.post("/libpod/containers/{name}/resize", on_engine<resize>);
  router.del("/libpod/containers/{name}", on_engine<remove>);
}

}  // namespace berth::api
