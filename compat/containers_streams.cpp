// The container handlers of the docker tree whose answers come from a Source (wait, logs), and top.
#include <optional>

#include "compat/containers.hpp"
#include "compat/shapes/containers.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "server/http/framing.hpp"

namespace berth::compat::container_handlers {
namespace {

// since/until: docker sends unix seconds ("1700000000.5"); "0" or absent means unbounded.
std::optional<std::int64_t> log_time(const http::Query& query, std::string_view key) {
  auto value = query.string(key);
  if (value.empty() || value == "0") return std::nullopt;
  return core::parse_filter_time(value, core::now_ns());
}

// tail: "all", a count, or anything else (docker reads an unparsable or negative tail as all).
std::optional<std::int64_t> log_tail(const http::Query& query) {
  auto value = query.string("tail", "all");
  std::int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || n > (std::int64_t{1} << 40)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return value.empty() ? std::nullopt : std::optional<std::int64_t>(n);
}

}  // namespace

// GET /containers/{name}/top?ps_args= (docker's default -ef)
http::Reply top(const http::Request& req, ContainerService& containers) {
  return http::Reply::json(shapes::top_json(containers.top(req.param("name"), req.query.string("ps_args", "-ef"))));
}

// POST /containers/{name}/wait?condition=not-running|next-exit|removed. The answer is a one-item stream so the
// status and headers go out at once: `docker run` waits for them before it starts the container, and reads the
// body (one JSON document and a newline) when the container exits.
http::Reply wait(const http::Request& req, ContainerService& containers) {
  auto condition = req.query.string("condition", "not-running");
  if (condition != "not-running" && condition != "next-exit" && condition != "removed")
    core::fail(core::Errc::invalid_argument, "invalid condition: '" + condition + "'");
  auto source = containers.wait(req.param("name"), {condition});
  return http::Reply::stream(http::Framing::json_lines, std::move(source),
                             [](const core::containers::WaitResult& r) { return shapes::wait_json(r).dump(); });
}

// GET /containers/{name}/logs?stdout=&stderr=&follow=&since=&until=&timestamps=&tail=. Without a TTY each record
// is a docker mux frame on its stream; with one the bytes go out raw, as the container wrote them.
http::Reply logs(const http::Request& req, ContainerService& containers) {
  core::containers::LogOptions opts{.stdout = req.query.flag("stdout"),
                                    .stderr = req.query.flag("stderr"),
                                    .follow = req.query.flag("follow"),
                                    .since = log_time(req.query, "since"),
                                    .until = log_time(req.query, "until"),
                                    .tail = log_tail(req.query)};
  if (!opts.stdout && !opts.stderr) core::fail(core::Errc::invalid_argument, "you must choose at least one stream");
  auto logs = containers.logs(req.param("name"), opts);
  // Records are framed here, many to a chunk, so the chunks go out raw (same Content-Type as a mux stream).
  shapes::DockerLogShape shape{.framing = logs.tty ? http::Framing::raw : http::Framing::docker_mux,
                               .timestamps = req.query.flag("timestamps")};
  return http::Reply::chunks(http::Framing::raw, core::containers::log_chunks(std::move(logs.lines), shape));
}

}  // namespace berth::compat::container_handlers
