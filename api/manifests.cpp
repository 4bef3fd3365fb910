// Manifest list routes: parse, one ManifestService call, shape. Behaviour that differs by API version (create's
// status, DELETE's meaning) follows req.version, as podman's handlers do.
#include "api/manifests.hpp"

#include <nlohmann/json.hpp>

#include "api/shapes/manifests.hpp"
#include "compat/images_pull.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "server/http/registry_auth.hpp"

namespace berth::api {
namespace {

namespace m = core::manifests;

std::optional<bool> tls_verify(const http::Request& req) {
  if (!req.query.has("tlsVerify")) return std::nullopt;
  return req.query.flag("tlsVerify", true);
}

// The body's ManifestModifyOptions / ManifestAddOptions (the same fields, operation aside). Malformed → 400.
nlohmann::json body_json(const http::Request& req) {
  if (req.body.size() < 3) return nlohmann::json::object();  // podman treats a near-empty body as none
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) core::fail(core::Errc::invalid_argument, "Decode(): invalid JSON body");
  return body;
}

// podman 4.3.1's bindings send ModifyOptions as query parameters: those fill what the body leaves out.
nlohmann::json with_query(nlohmann::json body, const http::Request& req) {
  for (const char* key : {"operation", "arch", "os", "variant", "os_version"})
    if (!body.contains(key) && req.query.has(key)) body[key] = req.query.string(key);
  for (const char* key : {"images", "annotation", "features", "os_features"})
    if (!body.contains(key) && req.query.has(key)) body[key] = req.query.list(key);
  if (!body.contains("all") && req.query.has("all")) body["all"] = req.query.flag("all");
  return body;
}

std::vector<std::string> strings(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_array()) core::fail(core::Errc::invalid_argument, std::string("Decode(): ") + key + " must be a list");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string())
      core::fail(core::Errc::invalid_argument, std::string("Decode(): ") + key + " must hold strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string text(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

m::AddOptions add_options(const http::Request& req, const nlohmann::json& body) {
  auto all = body.find("all");
  return m::AddOptions{.all = all != body.end() && all->is_boolean() && all->get<bool>(),
                       .os = text(body, "os"),
                       .architecture = text(body, "arch"),
                       .variant = text(body, "variant"),
                       .os_version = text(body, "os_version"),
                       .os_features = strings(body, "os_features"),
                       .features = strings(body, "features"),
                       .annotations = strings(body, "annotation"),
                       .tls_verify = tls_verify(req),
                       .credentials = http::request_credentials(req.headers)};
}

// Query images= (v4) or image= (v3 alias), repeated or comma-separated.
std::vector<std::string> query_images(const http::Request& req) {
  std::vector<std::string> out;
  for (const char* key : {"images", "image"})
    for (const auto& v : req.query.list(key))
      for (std::size_t start = 0; start <= v.size();) {
        auto comma = v.find(',', start);
        auto item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
  return out;
}

http::Reply create_named(const http::Request& req, core::Engine& engine, const std::string& name) {
  auto body = body_json(req);
  auto images = query_images(req);
  if (auto from_body = strings(body, "images"); !from_body.empty()) images = from_body;
  auto id = engine.manifests.create(name, images, {.all = req.query.flag("all"), .amend = req.query.flag("amend")});
  if (body.contains("annotation") || body.contains("os") || body.contains("arch") || body.contains("variant")) {
    // Body options apply to the images being added (podman adds them in a second step with those options).
    if (!images.empty()) id = engine.manifests.add(name, images, add_options(req, body));
  }
  return http::Reply::json(shapes::manifest_id_json(id), req.version.major < 4 ? 200 : 201);
}

// POST /libpod/manifests/{name*}?images=&all=&amend= (v4)
http::Reply create(const http::Request& req, core::Engine& engine) {
  return create_named(req, engine, req.param("name"));
}

// POST /libpod/manifests/create?name=&image=&all= (v3; a /v4 client reaching it means a list named "create")
http::Reply create_v3(const http::Request& req, core::Engine& engine) {
  if (req.version.major >= 4 && req.version_given) return create_named(req, engine, "create");
  auto name = req.query.string("name");
  if (name.empty()) core::fail(core::Errc::invalid_argument, "name parameter is required");
  return create_named(req, engine, name);
}

// GET /libpod/manifests/{name*}/exists
http::Reply exists(const http::Request& req, core::Engine& engine) {
  if (!engine.manifests.exists(req.param("name"))) core::fail(core::Errc::not_found, "manifest not found");
  return http::Reply::no_content();
}

// GET /libpod/manifests/{name*}/json: the list document as stored (field order kept, so no JSON round trip).
http::Reply inspect(const http::Request& req, core::Engine& engine) {
  return http::Reply::text(engine.manifests.inspect(req.param("name")) + "\n", 200, "application/json");
}

// POST /libpod/manifests/{name*}/add (v3): ManifestAddOptions body.
http::Reply add_v3(const http::Request& req, core::Engine& engine) {
  auto body = body_json(req);
  auto id = engine.manifests.add(req.param("name"), strings(body, "images"), add_options(req, body));
  return http::Reply::json(shapes::manifest_id_json(id));
}

// PUT /libpod/manifests/{name*}: operation update|remove|annotate. Per-image failures go into the report: 409 when
// some succeeded, 400 when none did.
http::Reply modify(const http::Request& req, core::Engine& engine) {
  auto body = with_query(body_json(req), req);
  const auto& name = req.param("name");
  engine.manifests.get(name);  // 404 before anything else, as podman looks the list up first
  auto op = text(body, "operation");
  std::ranges::transform(op, op.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto images = strings(body, "images");
  auto opts = add_options(req, body);
  std::string id;
  std::vector<std::string> done, errors;
  if (op == "update") {
    try {
      id = engine.manifests.add(name, images, opts);
      done = images;
    } catch (const core::Error& e) {
      errors.push_back(e.message());
    }
  } else if (op == "remove" || op == "annotate") {
    for (const auto& digest : images) {
      try {
        id = op == "remove" ? engine.manifests.remove(name, digest) : engine.manifests.annotate(name, digest, opts);
        done.push_back(digest);
      } catch (const core::Error& e) {
        errors.push_back(e.message());
      }
    }
  } else {
    core::fail(core::Errc::invalid_argument, "illegal operation \"" + op + "\" for \"" + req.target + "\"");
  }
  int status = errors.empty() ? 200 : done.empty() ? 400 : 409;
  return http::Reply::json(shapes::manifest_modify_json(id, done, errors), status);
}

// DELETE /libpod/manifests/{name*}: v4 deletes the list; a /v3.x prefix removes the instance ?digest= instead.
http::Reply remove(const http::Request& req, core::Engine& engine) {
  if (req.version_given && req.version.major < 4) {
    auto digest = req.query.string("digest");
    if (digest.empty()) core::fail(core::Errc::invalid_argument, "digest parameter is required");
    return http::Reply::json(shapes::manifest_id_json(engine.manifests.remove(req.param("name"), digest)));
  }
  return http::Reply::json(shapes::manifest_delete_json(engine.manifests.remove_list(req.param("name"))));
}

m::PushOptions push_options(const http::Request& req, const std::string& destination, bool all_default) {
  std::string_view dest = destination;
  if (dest.starts_with("docker://")) dest.remove_prefix(9);
  auto ref = core::images::parse_reference(dest);  // a bad destination is a 400 before anything is sent
  return m::PushOptions{.all = req.query.flag("all", all_default),
                        .format = req.query.string("format"),
                        .tls_verify = tls_verify(req),
                        .credentials = http::request_credentials(req.headers, ref.domain)};
}

http::Reply push_to(const http::Request& req, core::Engine& engine, const std::string& destination, bool all_default,
                    bool quiet) {
  auto opts = push_options(req, destination, all_default);
  std::string name = req.param("name");
  if (quiet) {
    core::sys::CancelToken never;
    try {
      auto digest = engine.manifests.push(
          name, destination, opts, [](core::TransferEvent) {}, never);
      return http::Reply::json(shapes::manifest_id_json(digest));
    } catch (const core::Error& e) {
      // podman answers every push failure 400 "pushing image ...", not found included.
      if (e.code() == core::Errc::not_found) throw;
      core::fail(core::Errc::invalid_argument, e.message(), "pushing image \"" + destination + "\"");
    }
  }
  return compat::transfer_reply(
      [&engine, name, destination, opts](const compat::LineEmit& emit, const core::sys::CancelToken& cancel) {
        auto digest = engine.manifests.push(
            name, destination, opts,
            [&](core::TransferEvent ev) {
              if (ev.kind == core::TransferEvent::Kind::message && !ev.status.empty())
                emit(shapes::manifest_push_stream_line(ev.status));
            },
            cancel);
        emit(shapes::manifest_id_json(digest).dump());
      },
      shapes::manifest_push_error_line);
}

// POST /libpod/manifests/{name*}/registry/{destination*}?all=&tlsVerify=&quiet= (v4)
http::Reply push(const http::Request& req, core::Engine& engine) {
  return push_to(req, engine, req.param("destination"), true, req.query.flag("quiet", true));
}

// POST /libpod/manifests/{name*}/push?destination=&all= (v3): always one {Id}.
http::Reply push_v3(const http::Request& req, core::Engine& engine) {
  auto destination = req.query.string("destination");
  if (destination.empty()) core::fail(core::Errc::invalid_argument, "destination parameter is required");
  return push_to(req, engine, destination, false, true);
}

}  // namespace

void add_manifest_routes(http::Router& router) {
  // The router takes the first match: literal and suffixed paths before the bare {name*}.
  router.post("/libpod/manifests/create", create_v3);
  router.post("/libpod/manifests/{name*}/registry/{destination*}", push);
  router.post("/libpod/manifests/{name*}/add", add_v3);
  router.post("/libpod/manifests/{name*}/push", push_v3);
  router.get("/libpod/manifests/{name*}/json", inspect);
  router.get("/libpod/manifests/{name*}/exists", exists);
  router.post("/libpod/manifests/{name*}", create);
  router.put("/libpod/manifests/{name*}", modify);
  router.del("/libpod/manifests/{name*}", remove);
}

}  // namespace berth::api
