// Podman-shaped container documents (libpod tree): InspectContainerData, the ListContainer entry of
// GET /libpod/containers/json, the rm and prune reports, and the log frames.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/containers/logs.hpp"
#include "core/containers/service.hpp"
#include "core/model/container.hpp"
#include "core/streams/source.hpp"
#include "server/http/json_writer.hpp"

namespace berth::api::shapes {

// podman's state names: created (also for configured, as podman prints it), running, paused, stopped, exited,
// removing.
std::string_view podman_status(core::ContainerStatus status);

// GET /libpod/containers/{name}/json. `size`: add SizeRw/SizeRootFs (podman omits them otherwise).
nlohmann::json container_data_json(const core::containers::ContainerDetails& details, bool size);

// One entry of GET /libpod/containers/json. Size is {"rootFsSize","rwSize"} with `size`, else null.
// Written straight into w (the listing is hot: see JsonWriter); the json form is for tests.
void write_list_container(http::JsonWriter& w, const core::containers::ListedContainer& listed, bool size);
nlohmann::json list_container_json(const core::containers::ListedContainer& listed, bool size);

// DELETE /libpod/containers/{name}: [{"Id", "RawInput"}] (Err is omitted when nil, and failures are statuses).
nlohmann::json rm_report_json(const std::string& id, const std::string& raw_input);

// POST /libpod/containers/prune: [{"Id", "Size"}]. The service reports one total, so each entry has Size 0 unless
// a single container was removed (then it carries the total).
nlohmann::json prune_report_json(const core::containers::PruneReport& report);

// Frames one log record as GET /libpod/containers/{name}/logs sends it (a core::containers::LogShape):
// "<RFC 3339 seconds> " when asked (Go's time.RFC3339 in UTC), then the text, in a mux frame of its own.
struct LibpodLogShape {
  bool timestamps;
  core::streams::Chunk frame;  // reused, so its buffer is allocated once per stream, not per record
  core::containers::LogTimeFormat clock;
  void operator()(std::string& out, const core::containers::LogRecordView& r);
};

}  // namespace berth::api::shapes
