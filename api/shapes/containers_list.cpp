// Podman 4.3.1's ListContainer entry, the rm and prune reports and the libpod log frame.
#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "api/shapes/containers.hpp"
#include "core/time.hpp"

namespace berth::api::shapes {
namespace {

using json = nlohmann::json;
using core::ContainerStatus;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kGoZeroUnix = -62135596800;  // time.Time{}.Unix(): what podman lists for "never"

std::int64_t go_unix(std::int64_t ns) { return ns == 0 ? kGoZeroUnix : ns / kSecond; }

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

// Go's time.RFC3339 in UTC: seconds, no fraction.
std::string rfc3339_seconds(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / kSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

json list_container_json(const core::containers::ListedContainer& listed, bool size) {
  const auto& ctr = *listed.container;
  const auto& spec = ctr.spec;
  const auto& st = ctr.state;
  bool exited = st.status == ContainerStatus::exited || st.status == ContainerStatus::stopped;
  bool running = st.status == ContainerStatus::running || st.status == ContainerStatus::paused;
  json mounts = json::array();
  for (const auto& m : spec.mounts) mounts.push_back(m.destination);
  json out = {{"AutoRemove", spec.auto_remove},
              {"Command", spec.command ? json(*spec.command) : json(split_words(listed.command))},
              {"Created", core::format_rfc3339_ns(ctr.created_ns)},
              {"CreatedAt", ""},
              {"Exited", exited},
              {"ExitedAt", go_unix(st.finished_ns)},
              {"ExitCode", st.exit_code.value_or(0)},
              {"Id", ctr.id},
              {"Image", spec.image},
              {"ImageID", spec.image_id},
              {"IsInfra", false},
              {"Labels", spec.labels.empty() ? json(nullptr) : json(spec.labels)},
              {"Mounts", mounts},
              {"Names", {ctr.name}},
              {"Namespaces", json::object()},
              {"Networks", json::array()},
              {"Pid", running ? st.pid : 0},
              {"Pod", ""},
              {"PodName", ""},
              {"Ports", ports_json(spec)},
              {"Size", nullptr},
              {"StartedAt", go_unix(st.started_ns)},
              {"State", podman_status(st.status)},
              {"Status", ""}};
  if (size)
    out["Size"] = {{"rootFsSize", std::max<std::int64_t>(listed.size_root_fs, 0)},
                   {"rwSize", std::max<std::int64_t>(listed.size_rw, 0)}};
  return out;
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

core::streams::Chunk libpod_log_chunk(const core::containers::LogLine& line, bool timestamps) {
  core::streams::Chunk chunk;
  chunk.stream = line.stream;
  if (timestamps) chunk.data = rfc3339_seconds(line.time_ns) + " ";
  chunk.data += line.data;
  return chunk;
}

}  // namespace berth::api::shapes
