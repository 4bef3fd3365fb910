// Image routes of the libpod tree: list, inspect, exists, history, tree, tag, untag, remove, prune, import, load,
// save and export.
#include "api/images.hpp"

#include "api/images_pull.hpp"
#include "api/images_search.hpp"
#include "api/shapes/images.hpp"
#include "compat/image_archive.hpp"
#include "compat/shapes/images.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "server/http/filters.hpp"

namespace berth::api {
namespace {

using core::images::ShortNamePolicy;
constexpr auto kPolicy = ShortNamePolicy::podman;

// GET /libpod/images/json?all=&filters=
http::Reply list(const http::Request& req, core::Engine& engine) {
  core::images::ListImagesOptions opts{
      .all = req.query.flag("all"), .filters = http::query_filters(req.query), .policy = kPolicy};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& image : engine.images.list(opts)) out.push_back(compat::shapes::image_summary_json(*image, false));
  return http::Reply::json(out);
}

// GET /libpod/images/{name}/json
http::Reply inspect(const http::Request& req, core::Engine& engine) {
  auto image = engine.images.inspect(req.param("name"), kPolicy);
  return http::Reply::json(shapes::image_data_json(*image, engine.config.root));
}

// GET /libpod/images/{name}/exists
http::Reply exists(const http::Request& req, core::Engine& engine) {
  const auto& name = req.param("name");
  if (!engine.images.exists(name, kPolicy)) core::fail(core::Errc::not_found, "failed to find image " + name);
  return http::Reply::no_content();
}

// GET /libpod/images/{name}/history (podman serves the docker shape here)
http::Reply history(const http::Request& req, core::Engine& engine) {
  return http::Reply::json(compat::shapes::history_json(engine.images.history(req.param("name"), kPolicy), false));
}

// GET /libpod/images/{name}/tree?whatrequires= (no image has children here, so whatrequires shows the same tree)
http::Reply tree(const http::Request& req, core::Engine& engine) {
  auto image = engine.images.inspect(req.param("name"), kPolicy);
  auto all = engine.images.list({.policy = kPolicy});  // for "Top Layer of"
  return http::Reply::json({{"Tree", shapes::image_tree(*image, all)}});
}

// POST /libpod/images/{name}/tag?repo=&tag=
http::Reply tag(const http::Request& req, core::Engine& engine) {
  auto repo = req.query.string("repo");
  if (repo.empty()) core::fail(core::Errc::invalid_argument, "repo parameter is required to tag an image");
  engine.images.tag(req.param("name"), repo, req.query.string("tag", "latest"), kPolicy);
  return http::Reply::text("\n", 201);
}

// POST /libpod/images/{name}/untag?repo=&tag= (no repo: every name)
http::Reply untag(const http::Request& req, core::Engine& engine) {
  engine.images.untag(req.param("name"), req.query.string("repo"), req.query.string("tag"), kPolicy);
  return http::Reply::text("\n", 201);
}

// DELETE /libpod/images/{name}?force=
http::Reply remove(const http::Request& req, core::Engine& engine) {
  auto report = engine.images.remove(req.param("name"), {.force = req.query.flag("force"), .policy = kPolicy});
  return http::Reply::json(shapes::remove_report_json(report, {}, 0, false));
}

// podman's exit codes for a failed removal: 1 unknown image, 2 image in use, 125 anything else.
int exit_code_for(core::Errc code) {
  if (code == core::Errc::not_found) return 1;
  if (code == core::Errc::conflict) return 2;
  return 125;
}

// DELETE /libpod/images/remove?images=&all=&force=: per-image failures go into the report, not the status.
http::Reply remove_many(const http::Request& req, core::Engine& engine) {
  auto names = req.query.list("images");
  if (req.query.flag("all"))
    for (const auto& image : engine.images.list({.policy = kPolicy})) names.push_back(image->id);
  core::images::RemoveImageOptions opts{.force = req.query.flag("force"), .policy = kPolicy};
  core::ImageRemoveReport total;
  std::vector<std::string> errors;
  int exit_code = 0;
  // podman's `manifest rm` removes lists through this route (lookupManifest=true); lists live in their own store.
  bool lists_too = req.query.flag("lookupManifest");
  for (const auto& name : names) {
    try {
      if (lists_too && engine.manifests.exists(name)) {
        auto r = engine.manifests.remove_list(name);
        total.untagged.insert(total.untagged.end(), r.untagged.begin(), r.untagged.end());
        total.deleted.insert(total.deleted.end(), r.deleted.begin(), r.deleted.end());
        continue;
      }
      auto r = engine.images.remove(name, opts);
      total.untagged.insert(total.untagged.end(), r.untagged.begin(), r.untagged.end());
      total.deleted.insert(total.deleted.end(), r.deleted.begin(), r.deleted.end());
      total.reclaimed += r.reclaimed;
    } catch (const core::Error& e) {
      errors.push_back(e.message());
      exit_code = exit_code_for(e.code());
    }
  }
  return http::Reply::json(shapes::remove_report_json(total, errors, exit_code, true));
}

// POST /libpod/images/prune?all=&filters=
http::Reply prune(const http::Request& req, core::Engine& engine) {
  core::images::PruneImagesOptions opts{.all = req.query.flag("all"), .filters = http::query_filters(req.query)};
  return http::Reply::json(shapes::prune_json(engine.images.prune(opts)));
}

// POST /libpod/images/import?reference=&message=&changes=&url= (a rootfs tar body)
http::Reply import(const http::Request& req, core::Engine& engine) {
  if (auto url = req.query.string("url"); !url.empty())
    core::fail(core::Errc::not_implemented, "importing from a URL is not supported", url);
  core::images::ImportOptions opts{.reference = req.query.string("reference"),
                                   .message = req.query.string("message"),
                                   .changes = req.query.list("changes"),
                                   .policy = kPolicy};
  return http::Reply::json(shapes::import_json(engine.images.import(req.body_fd(), opts)));
}

// POST /libpod/images/load (docker-archive or oci-archive body)
http::Reply load(const http::Request& req, core::Engine& engine) {
  return http::Reply::json(shapes::load_json(engine.images.load(req.body_fd())));
}

core::images::ArchiveFormat archive_format(const std::string& format) {
  using F = core::images::ArchiveFormat;
  if (format == "docker-archive") return F::docker_archive;
  if (format == "oci-archive") return F::oci_archive;
  if (format == "oci-dir") return F::oci_dir;
  if (format == "docker-dir") return F::docker_dir;
  core::fail(core::Errc::invalid_argument, "unknown format \"" + format + "\"");
}

core::images::SaveOptions save_options(const http::Request& req, std::string_view default_format) {
  return {.format = archive_format(req.query.string("format", default_format)),
          .compress = req.query.flag("compress"),
          .policy = kPolicy};
}

// GET /libpod/images/{name}/get?format=&compress= (oci-archive unless told)
http::Reply save_one(const http::Request& req, core::Engine& engine) {
  return compat::archive_reply(engine, {req.param("name")}, save_options(req, "oci-archive"));
}

// GET /libpod/images/export?references=&format=&compress= (podman: oci-archive unless told; several images only
// fit a docker-archive, so that is the default for them)
http::Reply export_many(const http::Request& req, core::Engine& engine) {
  auto names = req.query.list("references");
  if (names.empty()) core::fail(core::Errc::invalid_argument, "no images given: use references=");
  return compat::archive_reply(engine, names, save_options(req, names.size() > 1 ? "docker-archive" : "oci-archive"));
}

// GET /libpod/system/df (the image rows; containers and volumes arrive with their issues)
http::Reply df(const http::Request&, core::Engine& engine) {
  return http::Reply::json(shapes::df_json(engine.images.list({.policy = kPolicy})));
}

}  // namespace

void add_image_routes(http::Router& router) {
  // Literal paths first: the router takes the first match, and {name*} would swallow them.
  router.get("/libpod/images/json", list);
  router.post("/libpod/images/import", import, {.streamed_body = true});
  router.post("/libpod/images/load", load, {.streamed_body = true});
  router.post("/libpod/images/prune", prune);
  router.post("/libpod/images/pull", pull_image);
  router.get("/libpod/images/export", export_many);
  router.get("/libpod/images/search", search_images);
  router.del("/libpod/images/remove", remove_many);
  router.get("/libpod/images/{name*}/json", inspect);
  router.get("/libpod/images/{name*}/exists", exists);
  router.get("/libpod/images/{name*}/history", history);
  router.get("/libpod/images/{name*}/tree", tree);
  router.get("/libpod/images/{name*}/get", save_one);
  router.post("/libpod/images/{name*}/tag", tag);
  router.post("/libpod/images/{name*}/untag", untag);
  router.post("/libpod/images/{name*}/push", push_image);
  router.del("/libpod/images/{name*}", remove);
  router.get("/libpod/system/df", df);
}

}  // namespace berth::api
