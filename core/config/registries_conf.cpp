// registries.conf (v2, and v1 converted to v2) plus registries.conf.d drop-ins, merged as c/image does.
#include <algorithm>
#include <utility>

#include "core/config/config_internal.hpp"
#include "core/error.hpp"

namespace berth::core::config_detail {

namespace {

constexpr std::string_view kRegistriesConf = "/etc/containers/registries.conf";
constexpr std::string_view kRegistriesConfD = "/etc/containers/registries.conf.d";

// One file's settings; search is unset when the file does not name unqualified-search-registries, so a drop-in
// without the key keeps the earlier list.
struct RegistriesFile {
  std::optional<std::vector<std::string>> search;
  std::vector<Registry> registries;
  std::string short_name_mode;
  std::map<std::string, std::string> aliases;
};

// c/image parseLocation: trailing slashes go, URI schemes are rejected.
std::string parse_location(const TomlView& view, std::string_view key, std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  if (text.starts_with("http://") || text.starts_with("https://")) {
    view.fail_key(key, "invalid location \"" + text + "\": URI schemes are not supported");
  }
  return text;
}

RegistryMirror parse_mirror(const TomlView& view) {
  RegistryMirror mirror;
  mirror.location = parse_location(view, "location", view.get_string("location").value_or(""));
  if (mirror.location.empty()) view.fail_key("location", "mirror location is unset");
  mirror.insecure = view.get_bool("insecure").value_or(false);
  mirror.pull_from_mirror = view.get_string("pull-from-mirror").value_or("all");
  if (mirror.pull_from_mirror.empty()) mirror.pull_from_mirror = "all";
  if (mirror.pull_from_mirror != "all" && mirror.pull_from_mirror != "digest-only" &&
      mirror.pull_from_mirror != "tag-only") {
    view.fail_key("pull-from-mirror", "unsupported pull-from-mirror value \"" + mirror.pull_from_mirror +
                                          "\": use all, digest-only or tag-only");
  }
  return mirror;
}

Registry parse_registry(const TomlView& view) {
  Registry reg;
  reg.location = parse_location(view, "location", view.get_string("location").value_or(""));
  reg.prefix = parse_location(view, "prefix", view.get_string("prefix").value_or(""));
  if (reg.prefix.empty()) {
    if (reg.location.empty()) view.fail_key("location", "both location and prefix are unset");
    reg.prefix = reg.location;
  } else if (!reg.prefix.starts_with("*.") && reg.location.empty()) {
    view.fail_key("location", "location is unset and prefix is not in the format *.example.com");
  }
  if (reg.prefix.starts_with("*.") && reg.prefix.find_first_of("/@:") != std::string::npos) {
    view.fail_key("prefix", "wildcarded prefix should be in the format *.example.com, not \"" + reg.prefix + "\"");
  }
  reg.insecure = view.get_bool("insecure").value_or(false);
  reg.blocked = view.get_bool("blocked").value_or(false);
  reg.mirror_by_digest_only = view.get_bool("mirror-by-digest-only").value_or(false);
  for (const auto& mirror : view.get_tables("mirror")) reg.mirrors.push_back(parse_mirror(mirror));
  return reg;
}

// A registry may appear several times (different prefixes, one location) but must agree on insecure/blocked.
void check_conflicts(const TomlView& root, const std::vector<Registry>& registries) {
  std::map<std::string, const Registry*> first;
  for (const auto& reg : registries) {
    const std::string& key = reg.location.empty() ? reg.prefix : reg.location;
    auto [it, added] = first.emplace(key, &reg);
    if (added) continue;
    if (it->second->insecure != reg.insecure) {
      root.fail_key("registry", "registry \"" + key + "\" is defined multiple times with conflicting 'insecure'");
    }
    if (it->second->blocked != reg.blocked) {
      root.fail_key("registry", "registry \"" + key + "\" is defined multiple times with conflicting 'blocked'");
    }
  }
}

// Within one file the first entry of a prefix wins (c/image keeps later ones unreachable); the result is sorted
// by prefix, as c/image sorts it.
std::vector<Registry> unique_by_prefix(std::vector<Registry> registries) {
  std::map<std::string, Registry> by_prefix;
  for (auto& reg : registries) by_prefix.try_emplace(reg.prefix, std::move(reg));
  std::vector<Registry> out;
  for (auto& [prefix, reg] : by_prefix) out.push_back(std::move(reg));
  return out;
}

std::map<std::string, std::string> parse_aliases(const TomlView& root) {
  std::map<std::string, std::string> aliases;
  auto table = root.get_table("aliases");
  if (!table) return aliases;
  for (const auto& [name, value] : table->table()) {
    aliases[std::string(name.str())] = *table->get_string(name.str());
  }
  return aliases;
}

RegistriesFile parse_v2(const TomlView& root) {
  RegistriesFile file;
  if (auto search = root.get_strings("unqualified-search-registries")) {
    for (auto& location : *search) location = parse_location(root, "unqualified-search-registries", location);
    file.search = std::move(search);
  }
  std::vector<Registry> registries;
  for (const auto& view : root.get_tables("registry")) registries.push_back(parse_registry(view));
  check_conflicts(root, registries);
  file.registries = unique_by_prefix(std::move(registries));
  file.short_name_mode = root.get_string("short-name-mode").value_or("");
  if (!file.short_name_mode.empty() && file.short_name_mode != "enforcing" && file.short_name_mode != "permissive" &&
      file.short_name_mode != "disabled") {
    root.fail_key("short-name-mode", "invalid short-name mode \"" + file.short_name_mode + "\"");
  }
  file.aliases = parse_aliases(root);
  return file;
}

bool has_v2_keys(const TomlView& root) {
  for (std::string_view key :
       {"unqualified-search-registries", "registry", "short-name-mode", "aliases", "credential-helpers"}) {
    if (root.contains(key)) return true;
  }
  return false;
}

// The v1 lists: [registries.search], [registries.insecure], [registries.block], each `registries = [...]`.
struct V1Lists {
  std::vector<std::string> search, insecure, block;

  bool empty() const { return search.empty() && insecure.empty() && block.empty(); }
};

V1Lists parse_v1_lists(const TomlView& root) {
  V1Lists lists;
  auto registries = root.get_table("registries");
  if (!registries) return lists;
  auto list = [&](std::string_view name) {
    auto table = registries->get_table(name);
    return table ? table->get_strings("registries").value_or(std::vector<std::string>{}) : std::vector<std::string>{};
  };
  lists.search = list("search");
  lists.insecure = list("insecure");
  lists.block = list("block");
  return lists;
}

// c/image ConvertToV2: one registry per location (prefix = location), blocked first, then insecure.
RegistriesFile convert_v1(const TomlView& root, const V1Lists& lists) {
  std::vector<Registry> registries;
  auto entry = [&](const std::string& text) -> Registry& {
    std::string location = parse_location(root, "registries", text);
    auto it = std::find_if(registries.begin(), registries.end(), [&](const auto& r) { return r.location == location; });
    if (it != registries.end()) return *it;
    return registries.emplace_back(Registry{location, location, false, false, {}});
  };
  for (const auto& location : lists.block) entry(location).blocked = true;
  for (const auto& location : lists.insecure) entry(location).insecure = true;
  RegistriesFile file;
  file.search = lists.search;
  for (auto& location : *file.search) location = parse_location(root, "registries.search.registries", location);
  file.registries = unique_by_prefix(std::move(registries));
  return file;
}

RegistriesFile parse_file(const TomlFile& toml, bool drop_in) {
  TomlView root = toml.root();
  V1Lists v1 = parse_v1_lists(root);
  if (v1.empty()) return parse_v2(root);
  if (drop_in) fail(Errc::invalid_argument, "registry must be in v2 format but is in v1", toml.path);
  if (has_v2_keys(root)) fail(Errc::invalid_argument, "mixing sysregistry v1/v2 is not supported", toml.path);
  return convert_v1(root, v1);
}

// c/image updateWithConfigurationFrom: registries merge by prefix (later wins, sorted), the search list and mode
// replace when set, aliases merge by name.
void merge(RegistriesConfig& out, RegistriesFile&& file) {
  std::map<std::string, Registry> by_prefix;
  for (auto& reg : out.registries) by_prefix.insert_or_assign(reg.prefix, std::move(reg));
  for (auto& reg : file.registries) by_prefix.insert_or_assign(reg.prefix, std::move(reg));
  out.registries.clear();
  for (auto& [prefix, reg] : by_prefix) out.registries.push_back(std::move(reg));
  if (file.search) out.unqualified_search = std::move(*file.search);
  if (!file.short_name_mode.empty()) out.short_name_mode = std::move(file.short_name_mode);
  for (auto& [name, target] : file.aliases) out.aliases.insert_or_assign(name, std::move(target));
}

// The main file: explicit, else CONTAINERS_REGISTRIES_CONF (or the legacy REGISTRIES_CONFIG_PATH), else the
// default. Only the default may be missing.
std::pair<std::string, bool> main_file(const ConfigSources& sources) {
  if (!sources.registries_conf.empty()) return {sources.registries_conf, true};
  if (auto env = env_value(sources, "CONTAINERS_REGISTRIES_CONF")) return {*env, true};
  if (auto env = env_value(sources, "REGISTRIES_CONFIG_PATH")) return {*env, true};
  return {std::string(kRegistriesConf), false};
}

}  // namespace

void load_registries_conf(const ConfigSources& sources, RegistriesConfig& registries) {
  auto [path, required] = main_file(sources);
  if (auto file = read_toml_file(path)) {
    merge(registries, parse_file(*file, false));
    registries.files.push_back(path);
  } else if (required) {
    fail(Errc::invalid_argument, "no such file or directory", "loading registries configuration " + path);
  }
  const std::string dir = sources.registries_conf_d.empty() ? std::string(kRegistriesConfD) : sources.registries_conf_d;
  for (const auto& drop_in : conf_files_in(dir)) {
    if (auto file = read_toml_file(drop_in)) {
      merge(registries, parse_file(*file, true));
      registries.files.push_back(drop_in);
    }
  }
}

}  // namespace berth::core::config_detail
