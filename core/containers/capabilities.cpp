// Capability names, the default set and the add/drop/privileged rules.
#include "core/containers/capabilities.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace berth::core::containers {
namespace {

// Indexed by capability number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE (40).
constexpr std::array<std::string_view, 41> kCapNames = {"CAP_CHOWN",
                                                        "CAP_DAC_OVERRIDE",
                                                        "CAP_DAC_READ_SEARCH",
                                                        "CAP_FOWNER",
                                                        "CAP_FSETID",
                                                        "CAP_KILL",
                                                        "CAP_SETGID",
                                                        "CAP_SETUID",
                                                        "CAP_SETPCAP",
                                                        "CAP_LINUX_IMMUTABLE",
                                                        "CAP_NET_BIND_SERVICE",
                                                        "CAP_NET_BROADCAST",
                                                        "CAP_NET_ADMIN",
                                                        "CAP_NET_RAW",
                                                        "CAP_IPC_LOCK",
                                                        "CAP_IPC_OWNER",
                                                        "CAP_SYS_MODULE",
                                                        "CAP_SYS_RAWIO",
                                                        "CAP_SYS_CHROOT",
                                                        "CAP_SYS_PTRACE",
                                                        "CAP_SYS_PACCT",
                                                        "CAP_SYS_ADMIN",
                                                        "CAP_SYS_BOOT",
                                                        "CAP_SYS_NICE",
                                                        "CAP_SYS_RESOURCE",
                                                        "CAP_SYS_TIME",
                                                        "CAP_SYS_TTY_CONFIG",
                                                        "CAP_MKNOD",
                                                        "CAP_LEASE",
                                                        "CAP_AUDIT_WRITE",
                                                        "CAP_AUDIT_CONTROL",
                                                        "CAP_SETFCAP",
                                                        "CAP_MAC_OVERRIDE",
                                                        "CAP_MAC_ADMIN",
                                                        "CAP_SYSLOG",
                                                        "CAP_WAKE_ALARM",
                                                        "CAP_BLOCK_SUSPEND",
                                                        "CAP_AUDIT_READ",
                                                        "CAP_PERFMON",
                                                        "CAP_BPF",
                                                        "CAP_CHECKPOINT_RESTORE"};

// containers-common 0.50 (podman 4.3.1) default_capabilities.
const std::vector<std::string> kDefaultCaps = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",    "CAP_FSETID",
                                               "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",   "CAP_SETGID",
                                               "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT"};

bool is_all(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return up == "ALL" || up == "CAP_ALL";
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Kernel order keeps the JSON stable whatever order the client listed caps in.
void sort_by_number(std::vector<std::string>& caps) {
  auto index = [](const std::string& c) {
    return std::find(kCapNames.begin(), kCapNames.end(), c) - kCapNames.begin();
  };
  std::sort(caps.begin(), caps.end(), [&](const auto& a, const auto& b) { return index(a) < index(b); });
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
}

}  // namespace

std::string normalize_capability(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up.rfind("CAP_", 0) != 0) up = "CAP_" + up;
  if (std::find(kCapNames.begin(), kCapNames.end(), up) == kCapNames.end())
    fail(Errc::invalid_argument, "unknown capability \"" + up + "\"");
  return up;
}

std::vector<std::string> own_bounding_set() {
  std::ifstream in("/proc/self/status");
  std::string line;
  unsigned long long mask = 0;
  bool found = false;
  while (std::getline(in, line)) {
    if (line.rfind("CapBnd:", 0) == 0) {
      mask = std::stoull(line.substr(7), nullptr, 16);
      found = true;
    }
  }
  std::vector<std::string> caps;
  for (size_t i = 0; i < kCapNames.size(); ++i)
    if (!found || (mask >> i) & 1) caps.emplace_back(kCapNames[i]);
  return caps;
}

CapabilitySets resolve_capabilities(const ContainerSpec& spec, const Config& config, bool root_user) {
  CapabilitySets sets;
  // Validate every name first so a bad one fails even when privileged makes it moot, as podman does.
  std::vector<std::string> add, drop;
  bool add_all = false, drop_all = false;
  for (const auto& c : spec.cap_add) is_all(c) ? void(add_all = true) : add.push_back(normalize_capability(c));
  for (const auto& c : spec.cap_drop) is_all(c) ? void(drop_all = true) : drop.push_back(normalize_capability(c));

  if (spec.privileged) {
    sets.bounding = own_bounding_set();
    sets.effective = sets.bounding;
    return sets;
  }
  std::vector<std::string> base;
  if (drop_all) {
    // cap_drop ALL leaves only what cap_add names back.
  } else if (add_all) {
    base = own_bounding_set();
  } else if (!config.containers.default_capabilities.empty()) {
    for (const auto& c : config.containers.default_capabilities) base.push_back(normalize_capability(c));
  } else {
    base = kDefaultCaps;
  }
  if (add_all && drop_all) base = own_bounding_set();
  for (const auto& c : add)
    if (!contains(base, c)) base.push_back(c);
  std::vector<std::string> caps;
  for (const auto& c : base)
    if (!contains(drop, c) || contains(add, c)) caps.push_back(c);
  sort_by_number(caps);
  sets.bounding = caps;
  if (root_user) {
    sets.effective = caps;
  } else {
    // Only explicitly added caps survive for a non-root user (podman passes them as ambient so execve keeps them).
    std::vector<std::string> own = own_bounding_set();
    for (const auto& c : add_all ? own : add)
      if (contains(caps, c) && contains(own, c)) sets.effective.push_back(c);
    sort_by_number(sets.effective);
    sets.ambient = sets.effective;
  }
  return sets;
}

}  // namespace berth::core::containers
