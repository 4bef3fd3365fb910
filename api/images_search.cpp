// podman search: the compat tree's parsing, one engine search, podman's reports.
#include "api/images_search.hpp"

#include "api/shapes/search.hpp"
#include "compat/images_search.hpp"
#include "core/engine.hpp"

namespace berth::api {

http::Reply search_images(const http::Request& req, core::Engine& engine) {
  return http::Reply::json(shapes::search_reports_json(engine.images.search(compat::search_options(req))));
}

}  // namespace berth::api
