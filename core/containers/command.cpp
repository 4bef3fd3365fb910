// The process of a container: docker's entrypoint/cmd rules and the env podman builds.
#include <string>
#include <vector>

#include "core/containers/oci_spec.hpp"

namespace berth::core::containers {
namespace {

// Sets KEY=VALUE in place when KEY exists (so the first position is kept), else appends it.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  for (auto& e : env) {
    if (e.substr(0, e.find('=')) == key) {
      e = entry;
      return;
    }
  }
  env.push_back(entry);
}

bool has_key(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.substr(0, e.find('=')) == key) return true;
  return false;
}

}  // namespace

ProcessCommand resolve_command(const ContainerSpec& spec, const ImageRunConfig* image) {
  std::vector<std::string> entrypoint, cmd;
  if (spec.entrypoint) {
    // A given entrypoint resets the image's cmd (moby's merge: the image's Cmd only applies with its Entrypoint).
    entrypoint = *spec.entrypoint;
    if (spec.command) cmd = *spec.command;
  } else {
    if (image && image->entrypoint) entrypoint = *image->entrypoint;
    if (spec.command)
      cmd = *spec.command;
    else if (image && image->cmd)
      cmd = *image->cmd;
  }
  // [""] is how clients say "no entrypoint" (docker run --entrypoint "").
  if (entrypoint.size() == 1 && entrypoint[0].empty()) entrypoint.clear();
  std::vector<std::string> all = entrypoint;
  all.insert(all.end(), cmd.begin(), cmd.end());
  ProcessCommand out;
  if (all.empty()) return out;
  out.path = all.front();
  out.args.assign(all.begin() + 1, all.end());
  return out;
}

std::vector<std::string> merge_env(const ContainerSpec& spec, const ImageRunConfig* image, const Config& config,
                                   const std::string& hostname) {
  std::vector<std::string> env;
  for (const auto& e : config.containers.env) set_env(env, e);
  set_env(env, "container=podman");
  if (image)
    for (const auto& e : image->env) set_env(env, e);
  for (const auto& e : spec.env) set_env(env, e);
  // podman adds these only when nothing above set them.
  if (spec.tty && !has_key(env, "TERM")) env.push_back("TERM=xterm");
  if (!hostname.empty() && !has_key(env, "HOSTNAME")) env.push_back("HOSTNAME=" + hostname);
  return env;
}

}  // namespace berth::core::containers
