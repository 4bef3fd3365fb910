// Image routes of the docker tree: list, inspect, history, tag, remove, prune, import, load, save.
#include "compat/images.hpp"

#include "compat/image_archive.hpp"
#include "compat/images_pull.hpp"
#include "compat/images_search.hpp"
#include "compat/shapes/images.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "server/http/filters.hpp"

namespace berth::compat {
namespace {

using core::images::ShortNamePolicy;
constexpr auto kPolicy = ShortNamePolicy::docker;

// GET /images/json?all=&filters= (and docker's legacy filter=<reference>)
http::Reply list(const http::Request& req, core::Engine& engine) {
  core::images::ListImagesOptions opts{.all = req.query.flag("all"), .filters = http::query_filters(req.query)};
  if (auto legacy = req.query.optional_string("filter"); legacy && !legacy->empty())
    opts.filters["reference"].push_back(*legacy);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& image : engine.images.list(opts)) out.push_back(shapes::image_summary_json(*image, true));
  return http::Reply::json(out);
}

// GET /images/{name}/json
http::Reply inspect(const http::Request& req, core::Engine& engine) {
  auto image = engine.images.inspect(req.param("name"), kPolicy);
  return http::Reply::json(shapes::image_inspect_json(*image, engine.config.root));
}

// GET /images/{name}/history
http::Reply history(const http::Request& req, core::Engine& engine) {
  return http::Reply::json(shapes::history_json(engine.images.history(req.param("name"), kPolicy), true));
}

// POST /images/{name}/tag?repo=&tag=
http::Reply tag(const http::Request& req, core::Engine& engine) {
  auto repo = req.query.string("repo");
  if (repo.empty()) core::fail(core::Errc::invalid_argument, "repo parameter is required to tag an image");
  engine.images.tag(req.param("name"), repo, req.query.string("tag", "latest"), kPolicy);
  return http::Reply::text("\n", 201);
}

// DELETE /images/{name}?force=&noprune=
http::Reply remove(const http::Request& req, core::Engine& engine) {
  core::images::RemoveImageOptions opts{.force = req.query.flag("force"), .noprune = req.query.flag("noprune")};
  return http::Reply::json(shapes::remove_json(engine.images.remove(req.param("name"), opts)));
}

// POST /images/prune?filters= (dangling images, or every unused one with the filter dangling=false)
http::Reply prune(const http::Request& req, core::Engine& engine) {
  core::images::PruneImagesOptions opts{.filters = http::query_filters(req.query)};
  return http::Reply::json(shapes::prune_json(engine.images.prune(opts)));
}

// POST /images/create?fromSrc=-&repo=&tag=&message=&changes= (import; fromImage= is a pull, images_pull.cpp)
http::Reply create(const http::Request& req, core::Engine& engine) {
  auto src = req.query.optional_string("fromSrc");
  if (!src) return pull_image(req, engine);
  if (*src != "-") core::fail(core::Errc::not_implemented, "importing from a URL is not supported", *src);
  core::images::ImportOptions opts{.reference = req.query.string("repo"),
                                   .message = req.query.string("message"),
                                   .changes = req.query.list("changes")};
  if (auto tag = req.query.string("tag"); !tag.empty() && !opts.reference.empty()) opts.reference += ":" + tag;
  return http::Reply::json(shapes::import_json(engine.images.import(req.body_fd(), opts)));
}

// POST /images/load?quiet= (docker-archive or oci-archive body)
http::Reply load(const http::Request& req, core::Engine& engine) {
  return http::Reply::text(shapes::load_lines(engine.images.load(req.body_fd())), 200, "application/json");
}

// GET /images/{name}/get
http::Reply save_one(const http::Request& req, core::Engine& engine) {
  return archive_reply(engine, {req.param("name")}, {.format = core::images::ArchiveFormat::docker_archive});
}

// GET /images/get?names=a&names=b
http::Reply save_many(const http::Request& req, core::Engine& engine) {
  auto names = req.query.list("names");
  if (names.empty()) core::fail(core::Errc::invalid_argument, "no images given: use names=");
  return archive_reply(engine, names, {.format = core::images::ArchiveFormat::docker_archive});
}

}  // namespace

void add_image_routes(http::Router& router) {
  router.get("/images/json", list);
  router.post("/images/create", create, {.streamed_body = true});
  router.post("/images/load", load, {.streamed_body = true});
  router.post("/images/prune", prune);
  router.get("/images/get", save_many);
  router.get("/images/search", search_images);
  router.get("/images/{name*}/json", inspect);
  router.get("/images/{name*}/history", history);
  router.get("/images/{name*}/get", save_one);
  router.post("/images/{name*}/tag", tag);
  router.post("/images/{name*}/push", push_image);
  router.del("/images/{name*}", remove);
}

}  // namespace berth::compat
