// Image search results (docker search / podman search): one row per repository found, or per tag when listing a
// repository's tags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace berth::core {

struct SearchResult {
  std::string index;  // the registry searched ("docker.io", "127.0.0.1:5000"); "" for a tag row, as in podman
  std::string name;   // "127.0.0.1:5000/busybox", "docker.io/library/alpine"
  std::string description;
  std::int64_t stars = 0;
  bool official = false;
  bool automated = false;
  std::string tag;  // only when listing tags
};

// podman's SearchFilter: stars=N (at least N), is-official and is-automated (unset: either).
struct SearchFilter {
  std::int64_t stars = 0;
  std::optional<bool> official;
  std::optional<bool> automated;
};

}  // namespace berth::core
