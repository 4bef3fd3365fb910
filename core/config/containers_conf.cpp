// containers.conf: which files are read in which order, the keys we honour, and tool path resolution.
#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>

#include "core/config/config_internal.hpp"
#include "core/error.hpp"

namespace berth::core::config_detail {

namespace {

constexpr std::string_view kShareConf = "/usr/share/containers/containers.conf";
constexpr std::string_view kEtcConf = "/etc/containers/containers.conf";

// One file to read; required_by names what asked for it when a missing file is an error ("" when it is not).
struct ConfFile {
  std::string path;
  std::string required_by;
};

// The [engine] lists that name candidate tool paths. They are resolved once every file is read, because a later
// file replaces a whole list, not one entry of it.
struct ToolSearch {
  std::optional<std::vector<std::string>> conmon_paths;
  std::optional<std::vector<std::string>> runc_paths;
  std::optional<std::vector<std::string>> helper_dirs;
};

template <class T>
void set_if(std::optional<T> value, T& out) {
  if (value) out = std::move(*value);
}

// sources.containers_conf: a directory stands for its *.conf files.
std::vector<ConfFile> expand_paths(const std::vector<std::string>& paths) {
  std::vector<ConfFile> out;
  for (const auto& path : paths) {
    if (!is_directory(path)) {
      out.push_back({path, ""});
      continue;
    }
    for (auto& file : conf_files_in(path)) out.push_back({std::move(file), ""});
  }
  return out;
}

// containers.conf(5) order: explicit list, else CONTAINERS_CONF alone, else /usr/share, /etc, /etc/*.conf.d; then
// CONTAINERS_CONF_OVERRIDE, then --config.
std::vector<ConfFile> conf_file_plan(const ConfigSources& sources) {
  std::vector<ConfFile> plan;
  if (!sources.containers_conf.empty()) {
    plan = expand_paths(sources.containers_conf);
  } else if (auto env = env_value(sources, "CONTAINERS_CONF")) {
    plan.push_back({*env, "CONTAINERS_CONF"});
  } else {
    plan.push_back({std::string(kShareConf), ""});
    plan.push_back({std::string(kEtcConf), ""});
    for (auto& file : conf_files_in(std::string(kEtcConf) + ".d")) plan.push_back({std::move(file), ""});
  }
  if (auto env = env_value(sources, "CONTAINERS_CONF_OVERRIDE")) plan.push_back({*env, "CONTAINERS_CONF_OVERRIDE"});
  if (!sources.extra_config.empty()) plan.push_back({sources.extra_config, "--config"});
  return plan;
}

std::int64_t parse_limit(const TomlView& view, std::string_view key, std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    view.fail_key(key, "invalid ulimit value \"" + std::string(text) + "\"");
  }
  return value;
}

// docker/go-units ParseUlimit: "name=soft[:hard]", hard defaults to soft, -1 means unlimited.
Ulimit parse_ulimit(const TomlView& view, std::string_view key, std::string_view text) {
  static constexpr std::string_view kNames[] = {"core",    "cpu",      "data",   "fsize",      "locks",
                                                "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                                "rss",     "rtprio",   "rttime", "sigpending", "stack"};
  auto eq = text.find('=');
  if (eq == std::string_view::npos) view.fail_key(key, "invalid ulimit \"" + std::string(text) + "\"");
  Ulimit limit;
  limit.name = std::string(text.substr(0, eq));
  if (std::find(std::begin(kNames), std::end(kNames), limit.name) == std::end(kNames)) {
    view.fail_key(key, "invalid ulimit type \"" + limit.name + "\"");
  }
  std::string_view values = text.substr(eq + 1);
  auto colon = values.find(':');
  limit.soft = parse_limit(view, key, values.substr(0, colon));
  limit.hard = colon == std::string_view::npos ? limit.soft : parse_limit(view, key, values.substr(colon + 1));
  if (limit.hard != -1 && limit.soft > limit.hard) {
    view.fail_key(key, "ulimit soft limit must be less than or equal to hard limit in \"" + std::string(text) + "\"");
  }
  return limit;
}

void apply_containers_table(const TomlView& view, ContainersDefaults& out) {
  if (auto ulimits = view.get_strings("default_ulimits")) {
    out.default_ulimits.clear();
    for (const auto& text : *ulimits) out.default_ulimits.push_back(parse_ulimit(view, "default_ulimits", text));
  }
  set_if(view.get_int("log_size_max"), out.log_size_max);
  set_if(view.get_string("log_driver"), out.log_driver);
  set_if(view.get_int("pids_limit"), out.pids_limit);
  set_if(view.get_string("shm_size"), out.shm_size);
  set_if(view.get_strings("env"), out.env);
  set_if(view.get_strings("default_capabilities"), out.default_capabilities);
  set_if(view.get_strings("dns_servers"), out.dns_servers);
  set_if(view.get_strings("dns_searches"), out.dns_searches);
  set_if(view.get_string("tz"), out.tz);
  set_if(view.get_bool("no_hosts"), out.no_hosts);
  set_if(view.get_bool("init"), out.init);
}

void apply_engine_table(const TomlView& view, ContainersDefaults& out, ToolSearch& tools) {
  set_if(view.get_string("detach_keys"), out.detach_keys);
  set_if(view.get_string("cgroup_manager"), out.cgroup_manager);
  set_if(view.get_string("events_logger"), out.events_logger);
  set_if(view.get_bool("compat_api_enforce_docker_hub"), out.compat_api_enforce_docker_hub);
  if (auto paths = view.get_strings("conmon_path")) tools.conmon_paths = std::move(paths);
  if (auto dirs = view.get_strings("helper_binaries_dir")) tools.helper_dirs = std::move(dirs);
  if (auto runtimes = view.get_table("runtimes")) {
    if (auto runc = runtimes->get_strings("runc")) tools.runc_paths = std::move(runc);
  }
}

void apply_network_table(const TomlView& view, ContainersDefaults& out) {
  set_if(view.get_string("network_backend"), out.network_backend);
  set_if(view.get_string("default_network"), out.default_network);
  set_if(view.get_string("default_subnet"), out.default_subnet);
}

void apply_file(const TomlView& root, ContainersDefaults& out, ToolSearch& tools) {
  if (auto view = root.get_table("containers")) apply_containers_table(*view, out);
  if (auto view = root.get_table("engine")) apply_engine_table(*view, out, tools);
  if (auto view = root.get_table("network")) apply_network_table(*view, out);
}

// The first candidate that exists wins; when none does the built-in default stays, as the tool is looked up
// again (and reported missing) when the engine starts it.
void set_first_existing(const std::vector<std::string>& candidates, std::string& out) {
  for (const auto& path : candidates) {
    if (is_regular_file(path)) {
      out = path;
      return;
    }
  }
}

void set_from_dirs(const std::vector<std::string>& dirs, std::string_view binary, std::string& out) {
  for (const auto& dir : dirs) {
    std::string path = dir + "/" + std::string(binary);
    if (is_regular_file(path)) {
      out = path;
      return;
    }
  }
}

void resolve_tools(const ToolSearch& search, ToolPaths& tools) {
  if (search.conmon_paths) set_first_existing(*search.conmon_paths, tools.conmon);
  if (search.runc_paths) set_first_existing(*search.runc_paths, tools.runc);
  if (search.helper_dirs) {
    set_from_dirs(*search.helper_dirs, "netavark", tools.netavark);
    set_from_dirs(*search.helper_dirs, "aardvark-dns", tools.aardvark_dns);
    set_from_dirs(*search.helper_dirs, "catatonit", tools.catatonit);
  }
}

}  // namespace

void load_containers_conf(const ConfigSources& sources, Config& config) {
  ToolSearch search;
  for (const auto& [path, required_by] : conf_file_plan(sources)) {
    auto file = read_toml_file(path);
    if (!file) {
      if (required_by.empty()) continue;
      fail(Errc::invalid_argument, "no such file or directory", required_by + " file " + path);
    }
    apply_file(file->root(), config.containers, search);
    config.containers_conf_files.push_back(path);
  }
  resolve_tools(search, config.tools);
}

}  // namespace berth::core::config_detail
