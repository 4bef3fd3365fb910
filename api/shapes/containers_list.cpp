// Podman 4.3.1's ListContainer entry, the rm and prune reports and the libpod log frame.
#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "api/shapes/containers.hpp"
#include "core/time.hpp"
#include "server/http/framing.hpp"

namespace berth::api::shapes {
namespace {

using json = nlohmann::json;
using core::ContainerStatus;

constexpr std::int64_t kGoZeroUnix = -62135596800;  // time.Time{}.Unix(): what podman lists for "never"

std::int64_t go_unix(std::int64_t ns) { return ns == 0 ? kGoZeroUnix : ns / core::kNanosPerSecond; }

// Split at spaces: the listing keeps only the joined command line when the image supplied it.
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto space = text.find(' ', start);
    if (space == std::string::npos) space = text.size();
    if (space > start) out.push_back(text.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

// podman's types.PortMapping, one per published port: {host_ip, container_port, host_port, range, protocol}.
json ports_json(const core::ContainerSpec& spec) {
  json out = json::array();
  for (const auto& [key, bindings] : spec.port_bindings) {
    auto slash = key.find('/');
    int container_port = std::atoi(key.substr(0, slash).c_str());
    std::string proto = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
    for (const auto& b : bindings)
      out.push_back({{"host_ip", b.host_ip},
                     {"container_port", container_port},
                     {"host_port", std::atoi(b.host_port.c_str())},
                     {"range", 1},
                     {"protocol", proto}});
  }
  return out.empty() ? json(nullptr) : out;
}

}  // namespace

void write_list_container(http::JsonWriter& w, const core::containers::ListedContainer& listed, bool size) {
  const auto& ctr = *listed.container;
  const auto& spec = ctr.spec;
  const auto& st = ctr.state;
  bool exited = st.status == ContainerStatus::exited || st.status == ContainerStatus::stopped;
  bool running = st.status == ContainerStatus::running || st.status == ContainerStatus::paused;
  w.begin_object().field("AutoRemove", spec.auto_remove);
  w.key("Command");
  if (spec.command)
    w.value(*spec.command);
  else
    w.value(split_words(listed.command));
  w.field("Created", core::format_rfc3339_ns(ctr.created_ns))
      .field("CreatedAt", "")
      .field("Exited", exited)
      .field("ExitedAt", go_unix(st.finished_ns))
      .field("ExitCode", st.exit_code.value_or(0))
      .field("Id", ctr.id)
      .field("Image", spec.image)
      .field("ImageID", spec.image_id)
      .field("IsInfra", false);
  w.key("Labels");
  if (spec.labels.empty())
    w.null();
  else
    w.value(spec.labels);
  w.key("Mounts").begin_array();
  for (const auto& m : spec.mounts) w.value(m.destination);
  w.end_array();
  w.key("Names").begin_array().value(ctr.name).end_array();
  w.key("Namespaces").begin_object().end_object();
  w.key("Networks").begin_array().end_array();
  w.field("Pid", running ? st.pid : 0).field("Pod", "").field("PodName", "");
  w.key("Ports");
  if (spec.port_bindings.empty())
    w.null();
  else
    w.raw(ports_json(spec).dump());  // rare: one shape with inspect's
  w.key("Size");
  if (size)
    w.begin_object()
        .field("rootFsSize", std::max<std::int64_t>(listed.size_root_fs, 0))
        .field("rwSize", std::max<std::int64_t>(listed.size_rw, 0))
        .end_object();
  else
    w.null();
  w.field("StartedAt", go_unix(st.started_ns)).field("State", podman_status(st.status)).field("Status", "");
  w.end_object();
}

json list_container_json(const core::containers::ListedContainer& listed, bool size) {
  http::JsonWriter w;
  write_list_container(w, listed, size);
  return json::parse(w.str());
}

json rm_report_json(const std::string& id, const std::string& raw_input) {
  return json::array({{{"Id", id}, {"RawInput", raw_input}}});
}

json prune_report_json(const core::containers::PruneReport& report) {
  json out = json::array();
  for (const auto& id : report.deleted)
    out.push_back({{"Id", id}, {"Size", report.deleted.size() == 1 ? report.space_reclaimed : 0}});
  return out;
}

void LibpodLogShape::operator()(std::string& out, const core::containers::LogRecordView& r) {
  frame.stream = r.stream;
  frame.data.clear();
  if (timestamps) {
    clock.append(frame.data, r.time_ns, false);
    frame.data.push_back(' ');
  }
  frame.data.append(r.text);
  http::append_frame(out, http::Framing::docker_mux, frame);
}

}  // namespace berth::api::shapes
