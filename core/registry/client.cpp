// RegistryClient's operations over the Registry HTTP API v2 (the auth and transport are in client_auth.cpp and
// http.cpp).
#include "core/registry/client.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/registry/client_impl.hpp"

namespace berth::core::registry {

using detail::HttpRequest;
using detail::HttpResponse;
using images::Digest;

namespace {

// Every manifest type we can use: docker-registry 2.8 answers 404 for an OCI manifest when the Accept lacks it and
// converts schema2 to schema1 when there is no Accept at all.
constexpr const char* kAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

constexpr std::size_t kMaxManifest = 4 << 20;  // what containerd and c/image accept

bool ok(long status) { return status >= 200 && status < 300; }

std::string media_type_of(const HttpResponse& r) {
  std::string type = r.header("content-type");
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

// The next page of a paginated list: Link: <url>; rel="next" (the url is usually absolute-path).
std::string next_link(const HttpResponse& r) {
  std::string link = r.header("link");
  auto open = link.find('<'), close = link.find('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  if (link.find("rel=\"next\"", close) == std::string::npos && link.find("rel=next", close) == std::string::npos)
    return {};
  return link.substr(open + 1, close - open - 1);
}

}  // namespace

RegistryClient::RegistryClient(Endpoint endpoint, std::optional<Credentials> credentials,
                               const sys::CancelToken* cancel)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(credentials), cancel)) {}

RegistryClient::~RegistryClient() = default;

const Endpoint& RegistryClient::endpoint() const { return impl_->endpoint; }

void RegistryClient::ping() {
  std::string context = "pinging container registry " + impl_->endpoint.host;
  HttpRequest req;
  req.url = impl_->url("/v2/", context);
  if (!impl_->credentials) {
    // Without credentials a 401 still proves a registry is there; pulls authenticate per repository later.
    HttpResponse r;
    detail::TransportError err;
    if (!impl_->session.perform(req, r, err)) fail(Errc::unavailable, err.text, context);
    if (ok(r.status) || r.status == 401) return;
    impl_->fail_status(r, context, "registry API not found (GET /v2/ answered 404)");
  }
  HttpResponse r = impl_->send(req, "", context);
  if (!ok(r.status)) impl_->fail_status(r, context, "registry API not found (GET /v2/ answered 404)");
}

Manifest RegistryClient::get_manifest(std::string_view repo, std::string_view reference) {
  std::string path = impl_->repo_path(repo);
  std::string context = "reading manifest " + std::string(reference) + " in " + impl_->endpoint.host + "/" + path;
  HttpRequest req;
  req.url = impl_->url("/v2/" + path + "/manifests/" + std::string(reference), context);
  req.headers.push_back(kAccept);
  req.max_body = kMaxManifest;
  HttpResponse r = impl_->send(req, pull_scope(path), context);
  if (r.status != 200) impl_->fail_status(r, context, "manifest unknown: " + path + ":" + std::string(reference), repo);
  Digest digest = images::Sha256::of(r.body);
  Manifest m{media_type_of(r), std::move(r.body), digest};
  if (Digest::valid(reference) && Digest::parse(reference) != m.digest)
    fail(Errc::invalid_argument, "digest mismatch: expected " + std::string(reference) + ", got " + m.digest.str(),
         context);
  if (m.media_type.empty() || m.media_type == "application/json" || m.media_type == "text/plain") {
    auto doc = nlohmann::json::parse(m.bytes, nullptr, false);
    if (doc.is_object() && doc.contains("mediaType") && doc["mediaType"].is_string())
      m.media_type = doc["mediaType"].get<std::string>();
  }
  return m;
}

std::optional<Digest> RegistryClient::head_manifest(std::string_view repo, std::string_view reference) {
  std::string path = impl_->repo_path(repo);
  std::string context = "reading manifest " + std::string(reference) + " in " + impl_->endpoint.host + "/" + path;
  HttpRequest req;
  req.method = "HEAD";
  req.url = impl_->url("/v2/" + path + "/manifests/" + std::string(reference), context);
  req.headers.push_back(kAccept);
  HttpResponse r = impl_->send(req, pull_scope(path), context);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) impl_->fail_status(r, context, "manifest unknown: " + path + ":" + std::string(reference), repo);
  std::string header = r.header("docker-content-digest");
  if (Digest::valid(header)) return Digest::parse(header);
  // Some registries omit the header on HEAD: the digest of the bytes is the answer.
  return get_manifest(repo, reference).digest;
}

Digest RegistryClient::put_manifest(std::string_view repo, std::string_view reference, std::string_view media_type,
                                    std::string_view bytes) {
  std::string path = impl_->repo_path(repo);
  std::string context = "writing manifest " + std::string(reference) + " to " + impl_->endpoint.host + "/" + path;
  HttpRequest req;
  req.method = "PUT";
  req.url = impl_->url("/v2/" + path + "/manifests/" + std::string(reference), context);
  req.headers.push_back("Content-Type: " + std::string(media_type));
  req.body = bytes;
  HttpResponse r = impl_->send(req, push_scope(path), context);
  if (!ok(r.status)) impl_->fail_status(r, context, "repository " + impl_->endpoint.host + "/" + path + " not found");
  return images::Sha256::of(bytes);
}

void RegistryClient::get_blob(std::string_view repo, const Digest& digest,
                              const std::function<void(std::string_view)>& sink, const Progress& progress) {
  std::string path = impl_->repo_path(repo);
  std::string context = "fetching blob " + digest.str() + " from " + impl_->endpoint.host + "/" + path;
  images::Sha256 hasher;
  std::function<void(std::string_view)> hashing_sink = [&](std::string_view chunk) {
    hasher.update(chunk);
    sink(chunk);
  };
  HttpRequest req;
  req.url = impl_->url("/v2/" + path + "/blobs/" + digest.str(), context);
  req.follow_redirects = true;  // registries hand blobs to a CDN
  req.sink = &hashing_sink;
  if (progress) req.progress = &progress;
  HttpResponse r = impl_->send(req, pull_scope(path), context);
  if (r.status != 200) impl_->fail_status(r, context, "blob unknown: " + digest.str(), repo);
  Digest got = hasher.finish();
  if (got != digest)
    fail(Errc::invalid_argument, "digest mismatch: expected " + digest.str() + ", got " + got.str(), context);
}

bool RegistryClient::has_blob(std::string_view repo, const Digest& digest) {
  std::string path = impl_->repo_path(repo);
  std::string context = "checking blob " + digest.str() + " in " + impl_->endpoint.host + "/" + path;
  HttpRequest req;
  req.method = "HEAD";
  req.url = impl_->url("/v2/" + path + "/blobs/" + digest.str(), context);
  req.follow_redirects = true;
  HttpResponse r = impl_->send(req, push_scope(path), context);
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  impl_->fail_status(r, context, "blob unknown: " + digest.str(), repo);
}

namespace {

// Location may be absolute or absolute-path.
std::string resolve_location(const std::string& base, const std::string& location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return location;
  if (location.starts_with("/")) return base + location;
  return base + "/" + location;
}

}  // namespace

bool RegistryClient::mount_blob(std::string_view repo, const Digest& digest, std::string_view from_repo) {
  std::string path = impl_->repo_path(repo), from = impl_->repo_path(from_repo);
  std::string context =
      "mounting blob " + digest.str() + " from " + from + " into " + impl_->endpoint.host + "/" + path;
  HttpRequest req;
  req.method = "POST";
  req.url = impl_->url(
      "/v2/" + path + "/blobs/uploads/?mount=" + detail::url_escape(digest.str()) + "&from=" + detail::url_escape(from),
      context);
  HttpResponse r = impl_->send(req, push_scope(path) + " " + pull_scope(from), context);
  if (r.status == 201) return true;
  if (r.status == 202) {
    // The registry started an ordinary upload instead: cancel it (best effort) so it does not linger.
    std::string location = r.header("location");
    if (!location.empty()) {
      HttpRequest del;
      del.method = "DELETE";
      del.url = resolve_location(impl_->base(context), location);
      try {
        impl_->send(del, push_scope(path) + " " + pull_scope(from), context);
      } catch (const Error&) {
      }
    }
    return false;
  }
  impl_->fail_status(r, context, "repository " + impl_->endpoint.host + "/" + path + " not found", repo);
}

void RegistryClient::put_blob(std::string_view repo, const Digest& digest, int fd, std::uint64_t size,
                              const Progress& progress) {
  std::string path = impl_->repo_path(repo);
  std::string context = "writing blob " + digest.str() + " to " + impl_->endpoint.host + "/" + path;
  std::string scope = push_scope(path);
  HttpRequest start;
  start.method = "POST";
  start.url = impl_->url("/v2/" + path + "/blobs/uploads/", context);
  HttpResponse r = impl_->send(start, scope, context);
  if (r.status != 202)
    impl_->fail_status(r, context, "repository " + impl_->endpoint.host + "/" + path + " not found", repo);
  std::string location = r.header("location");
  if (location.empty()) fail(Errc::unavailable, "upload started without a Location", context);

  off_t offset = ::lseek(fd, 0, SEEK_CUR);
  HttpRequest put;
  put.method = "PUT";
  put.url = resolve_location(impl_->base(context), location);
  put.url +=
      (put.url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + detail::url_escape(digest.str());
  put.headers.push_back("Content-Type: application/octet-stream");
  put.body_fd = fd;
  put.body_offset = offset < 0 ? 0 : static_cast<std::uint64_t>(offset);
  put.body_size = size;
  if (progress) put.progress = &progress;
  r = impl_->send(put, scope, context);
  if (r.status != 201 && r.status != 204) impl_->fail_status(r, context, "upload unknown: " + location, repo);
}

std::vector<std::string> RegistryClient::Impl::paged_list(const std::string& first, const std::string& key,
                                                          const std::string& scope, const std::string& context,
                                                          std::string_view repo) {
  std::vector<std::string> out;
  std::string next = first;
  for (int page = 0; !next.empty() && page < 10000; ++page) {
    HttpRequest req;
    req.url = resolve_location(base(context), next);
    HttpResponse r = send(req, scope, context);
    if (r.status != 200)
      fail_status(r, context, "repository " + endpoint.host + "/" + std::string(repo) + " not found", repo);
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (!doc.is_object()) fail(Errc::unavailable, "invalid JSON from the registry", context);
    if (doc.contains(key) && doc[key].is_array())
      for (const auto& v : doc[key])
        if (v.is_string()) out.push_back(v.get<std::string>());
    next = next_link(r);
  }
  return out;
}

std::vector<std::string> RegistryClient::tags(std::string_view repo) {
  std::string path = impl_->repo_path(repo);
  std::string context = "reading tags of " + impl_->endpoint.host + "/" + path;
  return impl_->paged_list("/v2/" + path + "/tags/list", "tags", pull_scope(path), context, repo);
}

std::vector<std::string> RegistryClient::catalog() {
  std::string context = "reading the catalog of " + impl_->endpoint.host;
  return impl_->paged_list("/v2/_catalog", "repositories", "registry:catalog:*", context, {});
}

std::optional<std::vector<SearchHit>> RegistryClient::search_v1(std::string_view term, int limit) {
  std::string context = "searching " + impl_->endpoint.host;
  HttpRequest req;
  req.url = impl_->url("/v1/search?q=" + detail::url_escape(term) + "&n=" + std::to_string(limit), context);
  HttpResponse r = impl_->send(req, "", context);
  if (r.status != 200) return std::nullopt;
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (!doc.is_object()) fail(Errc::unavailable, "invalid JSON from the registry", context);
  std::vector<SearchHit> out;
  auto results = doc.find("results");
  if (results == doc.end() || !results->is_array()) return out;
  auto str = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto flag = [](const nlohmann::json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
  };
  for (const auto& hit : *results) {
    if (!hit.is_object()) continue;
    SearchHit h{.name = str(hit, "name"), .description = str(hit, "description")};
    if (auto stars = hit.find("star_count"); stars != hit.end() && stars->is_number_integer())
      h.stars = stars->get<std::int64_t>();
    h.official = flag(hit, "is_official");
    h.automated = flag(hit, "is_automated");
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace berth::core::registry
