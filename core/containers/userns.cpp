// check_userns, the subordinate ID files and --userns=auto allocation, mapping digests.
#include "core/containers/userns.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/images/digest.hpp"

namespace berth::core::containers {
namespace {

constexpr std::size_t kMaxMapLines = 340;         // the kernel's limit on uid_map/gid_map lines (since 4.15)
constexpr const char* kSubIdUser = "containers";  // podman's user for --userns=auto ranges

void check_map(const std::vector<IdMap>& map, const char* what) {
  if (map.size() > kMaxMapLines)
    fail(Errc::invalid_argument, std::string(what) + ": at most " + std::to_string(kMaxMapLines) + " ranges");
  bool root = false;
  for (std::size_t i = 0; i < map.size(); ++i) {
    const IdMap& m = map[i];
    if (m.size == 0)
      fail(Errc::invalid_argument, std::string(what) + " " + idmap_string(m) + ": the size must be greater than 0");
    std::uint64_t cend = std::uint64_t{m.container_id} + m.size, hend = std::uint64_t{m.host_id} + m.size;
    if (cend > 0xffffffffULL || hend > 0xffffffffULL)
      fail(Errc::invalid_argument, std::string(what) + " " + idmap_string(m) + ": the range goes past ID 4294967294");
    if (m.container_id == 0) root = true;
    for (std::size_t j = 0; j < i; ++j) {
      const IdMap& o = map[j];
      if (m.container_id < std::uint64_t{o.container_id} + o.size && o.container_id < cend)
        fail(Errc::invalid_argument, std::string(what) + " ranges " + idmap_string(o) + " and " + idmap_string(m) +
                                         " overlap in the container");
      if (m.host_id < std::uint64_t{o.host_id} + o.size && o.host_id < hend)
        fail(Errc::invalid_argument,
             std::string(what) + " ranges " + idmap_string(o) + " and " + idmap_string(m) + " overlap on the host");
    }
  }
  if (!root)
    fail(Errc::invalid_argument,
         std::string(what) + " does not map container ID 0: add a range starting at 0, e.g. 0:100000:65536");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<IdMap> allocate(const std::string& file, const std::vector<IdMap>& used, std::uint32_t size) {
  auto ranges = parse_subids(read_file(file), kSubIdUser);
  if (ranges.empty())
    fail(Errc::invalid_argument, "--userns=auto needs subordinate IDs, but " + file +
                                     " has no entry for the user \"containers\": add one such as "
                                     "\"containers:2147483647:2147483648\"");
  auto start = find_free_range(ranges, used, size);
  if (!start)
    fail(Errc::invalid_argument, "--userns=auto: no free block of " + std::to_string(size) + " IDs is left in the \"" +
                                     std::string(kSubIdUser) + "\" ranges of " + file +
                                     ": remove containers or give a smaller size (--userns=auto:size=N)");
  return {IdMap{.container_id = 0, .host_id = *start, .size = size}};
}

}  // namespace

void check_userns(ContainerSpec& spec) {
  const std::string& mode = spec.userns;
  bool maps = !spec.uid_map.empty() || !spec.gid_map.empty();
  if ((maps || mode == "auto" || mode == "private") && !spec.rootfs.empty())
    fail(Errc::invalid_argument, "a user namespace cannot be used with --rootfs: its files cannot be chowned");
  if (mode.empty() && maps) spec.userns = "private";
  if (mode == "host" && maps)
    fail(Errc::invalid_argument, "--uidmap/--gidmap cannot be used with --userns=host: drop one of them");
  if (mode == "auto") {
    if (maps)
      fail(Errc::invalid_argument,
           "--userns=auto allocates the mappings itself: drop --uidmap/--gidmap, or drop "
           "--userns=auto to use them");
    return;
  }
  if (mode != "" && mode != "host" && mode != "private")
    fail(Errc::invalid_argument, "user namespace mode \"" + mode +
                                     "\" is not supported: use host, auto, or --uidmap/--gidmap for a private one");
  if (spec.userns != "private") return;
  if (spec.uid_map.empty())
    fail(Errc::invalid_argument,
         "a private user namespace needs a UID mapping: give --uidmap, e.g. --uidmap 0:100000:65536");
  if (spec.gid_map.empty()) spec.gid_map = spec.uid_map;  // podman's rule: --uidmap alone maps the groups too
  check_map(spec.uid_map, "UID mapping");
  check_map(spec.gid_map, "GID mapping");
}

std::vector<SubIdRange> parse_subids(std::string_view text, std::string_view user) {
  std::vector<SubIdRange> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    auto c1 = line.find(':');
    if (c1 == std::string_view::npos || line.substr(0, c1) != user) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view a = line.substr(c1 + 1, c2 - c1 - 1), b = line.substr(c2 + 1);
    while (!b.empty() && (b.back() == '\r' || b.back() == ' ')) b.remove_suffix(1);
    SubIdRange r;
    auto ra = std::from_chars(a.data(), a.data() + a.size(), r.start);
    auto rb = std::from_chars(b.data(), b.data() + b.size(), r.size);
    if (ra.ec != std::errc{} || ra.ptr != a.data() + a.size() || rb.ec != std::errc{} ||
        rb.ptr != b.data() + b.size() || r.size == 0)
      continue;
    out.push_back(r);
  }
  return out;
}

std::optional<std::uint32_t> find_free_range(const std::vector<SubIdRange>& available, const std::vector<IdMap>& used,
                                             std::uint32_t size) {
  if (size == 0) return std::nullopt;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> taken;  // [start, end)
  for (const auto& m : used) taken.emplace_back(m.host_id, std::uint64_t{m.host_id} + m.size);
  std::sort(taken.begin(), taken.end());
  std::optional<std::uint64_t> best;
  for (const auto& r : available) {
    std::uint64_t end = std::min<std::uint64_t>(r.start + r.size, 0xffffffffULL);
    std::uint64_t cand = r.start;
    for (const auto& [s, e] : taken) {
      if (e <= cand) continue;
      if (s >= cand + size) break;
      cand = e;  // overlaps: try right after it
    }
    if (cand + size <= end && (!best || cand < *best)) best = cand;
  }
  if (!best) return std::nullopt;
  return static_cast<std::uint32_t>(*best);
}

void allocate_auto_userns(ContainerSpec& spec, const Config& config, const std::vector<const ContainerSpec*>& others) {
  std::uint32_t size = spec.userns_auto_size ? spec.userns_auto_size : kAutoUsernsSize;
  std::vector<IdMap> uids, gids;
  for (const auto* o : others) {
    uids.insert(uids.end(), o->uid_map.begin(), o->uid_map.end());
    gids.insert(gids.end(), o->gid_map.begin(), o->gid_map.end());
  }
  spec.uid_map = allocate(config.subuid_file, uids, size);
  spec.gid_map = allocate(config.subgid_file, gids, size);
}

std::mutex& auto_userns_mutex() {
  static std::mutex m;
  return m;
}

std::optional<std::uint32_t> map_to_host(const std::vector<IdMap>& map, std::uint32_t id) {
  for (const auto& m : map)
    if (id >= m.container_id && id - m.container_id < m.size) return m.host_id + (id - m.container_id);
  return std::nullopt;
}

std::string mapping_digest(const ContainerSpec& spec) {
  std::string text = "u";
  for (const auto& m : spec.uid_map) text += " " + idmap_string(m);
  text += " g";
  for (const auto& m : spec.gid_map) text += " " + idmap_string(m);
  return images::Sha256::of(text).hex().substr(0, 16);  // short: these paths go into overlay's mount options
}

std::string idmap_string(const IdMap& m) {
  return std::to_string(m.container_id) + ":" + std::to_string(m.host_id) + ":" + std::to_string(m.size);
}

}  // namespace berth::core::containers
