// docker search: parse, one engine search, docker's rows.
#include "compat/images_search.hpp"

#include <algorithm>
#include <limits>

#include "compat/shapes/search.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/images/search.hpp"
#include "server/http/filters.hpp"
#include "server/http/registry_auth.hpp"

namespace berth::compat {

core::images::SearchOptions search_options(const http::Request& req) {
  core::images::SearchOptions opts;
  opts.term = req.query.string("term");
  auto limit = req.query.integer("limit", 0);
  opts.limit = static_cast<int>(
      std::clamp<std::int64_t>(limit, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  opts.filters = http::query_filters(req.query);
  opts.list_tags = req.query.flag("listTags");  // podman's bindings send "listtags": Query matches without case
  // tlsVerify only counts when given (else registries.conf decides), as podman's handler does.
  if (req.query.has("tlsVerify")) opts.tls_verify = req.query.flag("tlsVerify", true);
  // A single X-Registry-Auth is for the registry the term names (or, for a bare term, whichever is asked).
  opts.credentials = http::request_credentials(req.headers, core::images::split_search_term(opts.term).first);
  return opts;
}

http::Reply search_images(const http::Request& req, core::Engine& engine) {
  auto opts = search_options(req);
  auto results = engine.images.search(opts);
  if (results.empty()) core::fail(core::Errc::not_found, "image not known", "failed to find image " + opts.term);
  return http::Reply::json(shapes::search_json(results));
}

}  // namespace berth::compat
