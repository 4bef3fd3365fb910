// Builds an exec session's OCI process object from its container's.
#include "core/exec/process_spec.hpp"

#include <string_view>

namespace berth::core::exec {
namespace {

std::string_view key_of(std::string_view kv) { return kv.substr(0, kv.find('=')); }

// The container's environment, then the session's: a later key replaces an earlier one in place.
nlohmann::json merged_env(const nlohmann::json& base, const ExecConfig& config,
                          const std::optional<std::string>& home) {
  std::vector<std::string> env;
  if (base.is_array())
    for (const auto& e : base)
      if (e.is_string()) env.push_back(e.get<std::string>());
  auto set = [&env](const std::string& kv) {
    for (auto& e : env)
      if (key_of(e) == key_of(kv)) {
        e = kv;
        return;
      }
    env.push_back(kv);
  };
  auto has = [&env](std::string_view key) {
    for (const auto& e : env)
      if (key_of(e) == key) return true;
    return false;
  };
  if (home) set("HOME=" + *home);  // the session's user's home, unless the session sets HOME itself
  for (const auto& kv : config.env) set(kv.find('=') == std::string::npos ? kv + "=" : kv);
  if (config.tty && !has("TERM")) env.push_back("TERM=xterm");
  return env;
}

}  // namespace

nlohmann::json exec_process(const nlohmann::json& container_process, const ExecConfig& config,
                            const std::optional<containers::ProcessUser>& user,
                            const std::vector<std::string>& capabilities, int height, int width) {
  nlohmann::json p = container_process.is_object() ? container_process : nlohmann::json::object();
  p["args"] = config.cmd;
  p["terminal"] = config.tty;
  std::optional<std::string> home;
  if (user) {
    nlohmann::json u = {{"uid", user->uid}, {"gid", user->gid}};
    if (!user->additional_gids.empty()) u["additionalGids"] = user->additional_gids;
    if (p.contains("user") && p["user"].contains("umask")) u["umask"] = p["user"]["umask"];
    p["user"] = std::move(u);
    home = user->home;
  }
  p["env"] = merged_env(p.value("env", nlohmann::json::array()), config, home);
  if (!config.working_dir.empty()) p["cwd"] = config.working_dir;
  if (config.privileged) {
    p["capabilities"] = {{"bounding", capabilities},
                         {"effective", capabilities},
                         {"permitted", capabilities},
                         {"inheritable", capabilities},
                         {"ambient", capabilities}};
  }
  if (config.tty && height > 0 && width > 0) {
    p["consoleSize"] = {{"height", height}, {"width", width}};
  } else {
    p.erase("consoleSize");
  }
  return p;
}

}  // namespace berth::core::exec
