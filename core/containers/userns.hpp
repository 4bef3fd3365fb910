// User namespace settings of a container: checking the ID mappings at create, and allocating --userns=auto ranges
// from the subordinate ID files.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/model/container.hpp"

namespace berth::core::containers {

// True when the container gets its own user namespace (and so a chowned copy of its image).
inline bool has_userns(const ContainerSpec& spec) { return !spec.uid_map.empty(); }

// Checks spec.userns and the mappings, and completes them: maps without a mode mean "private", a missing gid map
// is the uid map (as podman does). A private namespace needs maps with sizes > 0, non-overlapping container and
// host ranges, and container ID 0 mapped. Anything else → invalid_argument saying what to change.
void check_userns(ContainerSpec& spec);

// One "name:start:count" line of /etc/subuid or /etc/subgid.
struct SubIdRange {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
};
// The ranges `user` owns in the text of a subuid/subgid file (comments and malformed lines are skipped).
std::vector<SubIdRange> parse_subids(std::string_view text, std::string_view user);

// The lowest block of `size` IDs inside `available` that overlaps no host range of `used`; nullopt if none.
std::optional<std::uint32_t> find_free_range(const std::vector<SubIdRange>& available, const std::vector<IdMap>& used,
                                             std::uint32_t size);

// The size --userns=auto gets when no size=N is given: 65536 covers every ID a Linux image uses in practice
// (nobody is 65534) without scanning the image's layers, which podman does to pick max-ID+1.
constexpr std::uint32_t kAutoUsernsSize = 65536;

// For --userns=auto: fills spec.uid_map/gid_map with 0 → a free block of the "containers" ranges in the config's
// subuid/subgid files, avoiding the host ranges of `others`. No "containers" entry or no room → invalid_argument.
// Hold auto_userns_mutex() from before reading `others` until the container row is committed.
void allocate_auto_userns(ContainerSpec& spec, const Config& config, const std::vector<const ContainerSpec*>& others);
std::mutex& auto_userns_mutex();

// The host ID a container ID maps to; nullopt when the mapping does not cover it.
std::optional<std::uint32_t> map_to_host(const std::vector<IdMap>& map, std::uint32_t id);

// A short stable digest of both mappings: containers with equal mappings share a chowned layer copy.
std::string mapping_digest(const ContainerSpec& spec);

// "0:100000:65536", podman's inspect spelling of one range.
std::string idmap_string(const IdMap& m);

}  // namespace berth::core::containers
