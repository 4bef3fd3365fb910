// Docker-tree container documents: inspect (ContainerJSON), the list entry, docker's human status text, and the
// small answers of wait, top, prune and logs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/containers/logs.hpp"
#include "core/containers/service.hpp"
#include "core/model/container.hpp"
#include "core/streams/source.hpp"
#include "server/http/json_writer.hpp"
#include "server/http/reply.hpp"

namespace berth::compat::shapes {

// docker's State.Status: created, running, paused, restarting, removing, exited, dead.
std::string_view docker_status(core::ContainerStatus status);

// docker's units.HumanDuration: "Less than a second", "1 second", "N seconds", "About a minute", "N minutes",
// "About an hour", "N hours", "N days", "N weeks", "N months", "N years".
std::string human_duration(std::int64_t ns);

// docker's State.String() for GET /containers/json "Status": "Up 5 seconds", "Up 2 hours (Paused)",
// "Exited (3) 2 minutes ago", "Created", "Removal In Progress".
std::string status_text(const core::Container& ctr, std::int64_t now_ns);

// Go's zero time "0001-01-01T00:00:00Z" for 0, else RFC3339Nano.
std::string docker_time(std::int64_t unix_ns);

// GET /containers/{name}/json. `size`: add SizeRw/SizeRootFs (docker omits them otherwise).
nlohmann::json container_inspect_json(const core::containers::ContainerDetails& details, bool size);

// One entry of GET /containers/json, written straight into w (the listing is hot: see JsonWriter); the json form
// is for tests.
void write_container_summary(http::JsonWriter& w, const core::containers::ListedContainer& listed, std::int64_t now_ns,
                             bool size);
nlohmann::json container_summary_json(const core::containers::ListedContainer& listed, std::int64_t now_ns, bool size);

// POST /containers/{name}/wait: {"StatusCode": n, "Error": null} or {"Error": {"Message": "..."}}.
nlohmann::json wait_json(const core::containers::WaitResult& result);

// GET /containers/{name}/top: {"Titles": [...], "Processes": [[...]...]}.
nlohmann::json top_json(const core::containers::TopResult& top);

// POST /containers/prune: {"ContainersDeleted": [...] or null, "SpaceReclaimed": n}.
nlohmann::json container_prune_json(const core::containers::PruneReport& report);

// Frames one log record as GET /containers/{name}/logs sends it (a core::containers::LogShape): with
// `timestamps`, docker's fixed-width RFC3339Nano ("2026-11-28T06:18:44.000000001Z") and a space before the text;
// a frame of its own per record (docker-py yields one item per frame); mux frames, or raw for a TTY.
struct DockerLogShape {
  http::Framing framing;
  bool timestamps;
  core::streams::Chunk frame;  // reused, so its buffer is allocated once per stream, not per record
  core::containers::LogTimeFormat clock;
  void operator()(std::string& out, const core::containers::LogRecordView& r);
};

}  // namespace berth::compat::shapes
