// Linux capabilities as podman 4.3.1 grants them: containers-common's default set, cap_add/cap_drop, privileged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/model/container.hpp"

namespace berth::core::containers {

// "net_admin", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; unknown → invalid_argument `unknown capability "CAP_X"`.
std::string normalize_capability(std::string_view name);

// The capabilities this process holds in its bounding set, in kernel order: a container can never get more, and
// runc fails outright when asked for one we lack (CAP_SYS_RESOURCE on this machine).
std::vector<std::string> own_bounding_set();

struct CapabilitySets {
  std::vector<std::string> bounding;
  std::vector<std::string> effective;  // also permitted
  std::vector<std::string> ambient;    // also inheritable
};

// podman's rules: privileged → every capability we hold; else the configured defaults (containers-common's list
// when containers.conf has none) with "ALL"/names added and dropped. A non-root user gets only the added ones as
// effective/permitted/ambient, since execve as non-root clears the rest anyway.
CapabilitySets resolve_capabilities(const ContainerSpec& spec, const Config& config, bool root_user);

}  // namespace berth::core::containers
