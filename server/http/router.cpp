// Route matching: version prefix, literal and {param} segments, greedy {param*}.
#include "server/http/router.hpp"

#include <cctype>

#include "core/error.hpp"
#include "server/http/error_map.hpp"

namespace berth::http {
namespace {

void split_path(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(i, end - i));
    i = end;
  }
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  split_path(path, out);
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
bool is_greedy(std::string_view seg) { return is_param(seg) && seg[seg.size() - 2] == '*'; }
std::string param_name(std::string_view seg) {
  seg = seg.substr(1, seg.size() - 2);
  if (!seg.empty() && seg.back() == '*') seg.remove_suffix(1);
  return std::string(seg);
}

// Docker's and podman's prefix: "v" then a digit, then digits, letters, dots and dashes.
bool is_version_segment(std::string_view seg) {
  if (seg.size() < 2 || seg[0] != 'v' || !std::isdigit(static_cast<unsigned char>(seg[1]))) return false;
  for (char c : seg.substr(1))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  return true;
}

using Params = std::map<std::string, std::string, std::less<>>;

bool match_segments(const std::vector<std::string>& pat, size_t i, const std::vector<std::string_view>& path, size_t j,
                    Params& params) {
  if (i == pat.size()) return j == path.size();
  if (j == path.size()) return false;
  const auto& seg = pat[i];
  if (is_greedy(seg)) {
    // Longest first, as a `.*` regex would; leave at least one segment per remaining pattern segment.
    size_t remaining = pat.size() - i - 1;
    if (path.size() - j < 1 + remaining) return false;
    for (size_t end = path.size() - remaining; end > j; --end) {
      if (!match_segments(pat, i + 1, path, end, params)) continue;
      std::string joined;
      for (size_t k = j; k < end; ++k) {
        if (k > j) joined += '/';
        joined += path[k];
      }
      params[param_name(seg)] = url_decode(joined, false);
      return true;
    }
    return false;
  }
  if (is_param(seg)) {
    if (!match_segments(pat, i + 1, path, j + 1, params)) return false;
    params[param_name(seg)] = url_decode(path[j], false);
    return true;
  }
  return seg == path[j] && match_segments(pat, i + 1, path, j + 1, params);
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  route->options = options;
  for (auto seg : split_path(route->pattern)) route->segments.emplace_back(seg);
  if (route->segments.empty() || is_param(route->segments.front()))
    throw std::logic_error("route must start with a literal segment: " + route->pattern);
  by_first_segment_[route->segments.front()].push_back(route.get());
  routes_.push_back(std::move(route));
}

void Router::add(std::string method, std::string pattern, EngineHandler handler, RouteOptions options) {
  auto* engine = engine_;
  add(std::move(method), std::move(pattern), Handler([engine, handler](const Request& req) -> Reply {
        if (!engine) core::fail(core::Errc::internal, "no engine behind this router");
        return handler(req, *engine);
      }),
      options);
}

const Route* Router::route(Request& req, Reply& error) const {
  std::string_view target = req.target;
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  req.query = Query(qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1));

  // Reused per thread: routing every request should not cost an allocation for its segment list.
  thread_local std::vector<std::string_view> segments;
  split_path(path, segments);
  std::optional<ApiVersion> version;
  if (!segments.empty() && is_version_segment(segments.front())) {
    version = parse_version(segments.front().substr(1));
    if (!version) {
      error = Reply::error(400, "invalid API version", "invalid API version " + std::string(segments.front()));
      return nullptr;
    }
    path.remove_prefix(path.find(segments.front()) + segments.front().size());
    segments.erase(segments.begin());
  }
  req.path = path.empty() ? "/" : std::string(path);
  req.tree = !segments.empty() && segments.front() == "libpod" ? Tree::libpod : Tree::compat;
  req.version_given = version.has_value();
  req.version = version.value_or(default_version(req.tree));

  const Route* found = nullptr;
  bool path_known = false;
  if (!segments.empty()) {
    if (auto it = by_first_segment_.find(segments.front()); it != by_first_segment_.end()) {
      for (const Route* r : it->second) {
        Params params;
        if (!match_segments(r->segments, 0, segments, 0, params)) continue;
        path_known = true;
        if (r->method != req.method) continue;
        found = r;
        req.params = std::move(params);
        break;
      }
    }
  }
  if (!found) {
    if (path_known)
      error = Reply::error(405, "method not allowed", "method " + req.method + " not allowed for " + req.path);
    else
      error = Reply::error(404, "page not found", "no route for " + req.method + " " + req.path);
    return nullptr;
  }
  if (auto refusal = version_refusal(req.tree, req.version); !refusal.empty()) {
    error = Reply::error(400, refusal, refusal);
    return nullptr;
  }
  return found;
}

Reply invoke(const Route& route, const Request& req) {
  try {
    return route.handler(req);
  } catch (...) {
    return error_reply(std::current_exception());
  }
}

}  // namespace berth::http
