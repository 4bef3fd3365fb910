// Resource limits: podman's defaults and the clamping this machine needs (no CAP_SYS_RESOURCE).
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "core/containers/oci_parts.hpp"
#include "core/error.hpp"

namespace berth::core::containers {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, int>, 16> kRlimits = {{
    {"as", RLIMIT_AS},
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
}};

// podman's define.RLimitDefaultValue for nofile and its nproc default.
constexpr std::uint64_t kDefaultNofile = 1048576;
constexpr std::uint64_t kDefaultNproc = 4194304;

int resource_of(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n.rfind("rlimit_", 0) == 0) n.erase(0, 7);
  for (const auto& [k, v] : kRlimits)
    if (n == k) return v;
  fail(Errc::invalid_argument, "invalid ulimit type: " + name);
}

std::string oci_name(int resource) {
  for (const auto& [k, v] : kRlimits) {
    if (v != resource) continue;
    std::string up = "RLIMIT_";
    for (char c : k) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return up;
  }
  return "";
}

// -1 (docker's "unlimited") and anything negative mean RLIM_INFINITY.
std::uint64_t to_rlim(std::int64_t v) { return v < 0 ? RLIM_INFINITY : static_cast<std::uint64_t>(v); }

json entry(int resource, std::uint64_t soft, std::uint64_t hard) {
  rlimit own{};
  ::getrlimit(resource, &own);
  hard = std::min<std::uint64_t>(hard, own.rlim_max);
  soft = std::min(soft, hard);
  return {{"type", oci_name(resource)}, {"hard", hard}, {"soft", soft}};
}

}  // namespace

json oci_rlimits(const ContainerSpec& spec, const Config& config) {
  json out = json::array();
  std::vector<int> seen;
  auto add = [&](const Ulimit& u) {
    int r = resource_of(u.name);
    if (std::find(seen.begin(), seen.end(), r) != seen.end()) return;
    seen.push_back(r);
    out.push_back(entry(r, to_rlim(u.soft), to_rlim(u.hard)));
  };
  for (const auto& u : spec.ulimits) add(u);
  for (const auto& u : config.containers.default_ulimits) add(u);
  add({"nofile", static_cast<std::int64_t>(kDefaultNofile), static_cast<std::int64_t>(kDefaultNofile)});
  add({"nproc", static_cast<std::int64_t>(kDefaultNproc), static_cast<std::int64_t>(kDefaultNproc)});
  return out;
}

}  // namespace berth::core::containers
