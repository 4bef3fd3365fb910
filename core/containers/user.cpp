// The container's user, looked up in the rootfs's own /etc/passwd and /etc/group, never the host's.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/containers/oci_spec.hpp"
#include "core/error.hpp"
#include "core/sys/safe_path.hpp"

namespace berth::core::containers {
namespace {

constexpr size_t kMaxDbFile = 4 << 20;  // a passwd file bigger than this is not one

struct PasswdEntry {
  std::string name;
  unsigned uid = 0;
  unsigned gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  unsigned gid = 0;
  std::vector<std::string> members;
};

std::optional<unsigned> to_id(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// The file's text, or nullopt when the rootfs has none. RESOLVE_IN_ROOT makes an absolute symlink such as
// etc/passwd -> /etc/passwd resolve under the rootfs; a loop or escape attempt fails instead of reaching the host.
std::optional<std::string> read_in_rootfs(int root_fd, const char* rel) {
  sys::Fd fd = sys::try_open_in_root(root_fd, rel, O_RDONLY);
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail(Errc::invalid_argument, std::string("cannot open /") + rel + " in the container: " + ::strerror(errno));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(Errc::invalid_argument, std::string("cannot read /") + rel + ": " + ::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxDbFile) fail(Errc::invalid_argument, std::string("/") + rel + " is too large");
  }
  return text;
}

std::vector<PasswdEntry> parse_passwd(const std::string& text) {
  std::vector<PasswdEntry> out;
  for (const auto& line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    if (f.size() < 4) continue;
    auto uid = to_id(f[2]), gid = to_id(f[3]);
    if (!uid || !gid) continue;
    out.push_back({f[0], *uid, *gid, f.size() > 5 ? f[5] : ""});
  }
  return out;
}

std::vector<GroupEntry> parse_group(const std::string& text) {
  std::vector<GroupEntry> out;
  for (const auto& line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    if (f.size() < 3) continue;
    auto gid = to_id(f[2]);
    if (!gid) continue;
    GroupEntry g{f[0], *gid, {}};
    if (f.size() > 3)
      for (auto& m : split(f[3], ','))
        if (!m.empty()) g.members.push_back(m);
    out.push_back(std::move(g));
  }
  return out;
}

unsigned lookup_group(const std::vector<GroupEntry>& groups, const std::string& spec) {
  for (const auto& g : groups)
    if (g.name == spec) return g.gid;
  if (auto id = to_id(spec)) return *id;
  fail(Errc::invalid_argument, "unable to find group " + spec + ": no matching entries in group file");
}

}  // namespace

ProcessUser resolve_user(const std::string& rootfs, const std::string& user,
                         const std::vector<std::string>& group_add) {
  sys::Fd root = sys::open_root(rootfs);
  size_t colon = user.find(':');
  bool group_given = colon != std::string::npos;
  std::string group_part = group_given ? user.substr(colon + 1) : std::string();
  std::string user_part = user.substr(0, colon);
  if (user_part.empty()) user_part = std::string(1, '0');  // "" and ":g" mean root

  // Only read what the spec needs, so a rootfs without these files still runs numeric users.
  auto passwd = parse_passwd(read_in_rootfs(root.get(), "etc/passwd").value_or(""));
  std::optional<std::vector<GroupEntry>> groups_cache;
  auto groups = [&]() -> const std::vector<GroupEntry>& {
    if (!groups_cache) groups_cache = parse_group(read_in_rootfs(root.get(), "etc/group").value_or(""));
    return *groups_cache;
  };

  ProcessUser out;
  const PasswdEntry* entry = nullptr;
  auto numeric = to_id(user_part);
  for (const auto& p : passwd) {
    if (numeric ? p.uid == *numeric : p.name == user_part) {
      entry = &p;
      break;
    }
  }
  if (!entry && !numeric)
    fail(Errc::invalid_argument, "unable to find user " + user_part + ": no matching entries in passwd file");
  out.uid = entry ? entry->uid : *numeric;
  out.gid = entry ? entry->gid : 0;
  if (entry && !entry->home.empty()) out.home = entry->home;

  if (group_given && !group_part.empty()) {
    out.gid = lookup_group(groups(), group_part);
  } else if (entry) {
    // A user's memberships apply only when no group was named, as with docker's -u uid:gid.
    for (const auto& g : groups())
      if (std::find(g.members.begin(), g.members.end(), entry->name) != g.members.end() && g.gid != out.gid)
        out.additional_gids.push_back(g.gid);
  }
  for (const auto& g : group_add) {
    unsigned gid = to_id(g) ? *to_id(g) : lookup_group(groups(), g);
    out.additional_gids.push_back(gid);
  }
  std::vector<unsigned> unique;
  for (unsigned g : out.additional_gids)
    if (std::find(unique.begin(), unique.end(), g) == unique.end()) unique.push_back(g);
  out.additional_gids = std::move(unique);
  return out;
}

}  // namespace berth::core::containers
