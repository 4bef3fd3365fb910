// Private network namespaces made by the engine (PRIMITIVES.md §4): a fresh netns with loopback up, pinned by a
// bind mount at $RUN/netns/<name> so runc joins it by path. The seam bridge networks (netavark) will build on.
#pragma once

#include <string>

namespace berth::core::drivers {

// Creates the namespace and brings `lo` up in it; returns its path. An existing one of that name is replaced.
std::string create_netns(const std::string& dir, const std::string& name);
// Unmounts and removes it; a missing one is not an error.
void remove_netns(const std::string& path) noexcept;

}  // namespace berth::core::drivers
