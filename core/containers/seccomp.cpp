// The containers-common → OCI seccomp conversion podman does in pkg/seccomp before handing the spec to the runtime.
#include "core/containers/seccomp.hpp"

#include <sys/utsname.h>

#include <algorithm>

#include "core/error.hpp"

namespace berth::core::containers {
namespace {

using nlohmann::json;

constexpr std::string_view kNativeScmpArch = "SCMP_ARCH_X86_64";

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> strings(const json& filter, const char* key) {
  std::vector<std::string> out;
  if (filter.is_object() && filter.contains(key) && filter[key].is_array())
    for (const auto& v : filter[key])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// "5.8" → {5, 8, 0}; missing parts are 0, trailing garbage ("6.1.0-13-amd64") ignored.
std::vector<int> version_parts(std::string_view v) {
  std::vector<int> parts;
  int cur = 0;
  bool in_num = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      in_num = true;
    } else if (c == '.' && in_num) {
      parts.push_back(cur);
      cur = 0;
      in_num = false;
    } else {
      break;
    }
  }
  if (in_num) parts.push_back(cur);
  while (parts.size() < 3) parts.push_back(0);
  return parts;
}

bool kernel_at_least(std::string_view running, std::string_view min) {
  return version_parts(running) >= version_parts(min);
}

// includes: every condition must hold; an empty filter matches.
bool includes_match(const json& inc, const std::vector<std::string>& caps, std::string_view kernel) {
  auto arches = strings(inc, "arches");
  if (!arches.empty() && !has(arches, "amd64") && !has(arches, "x86_64")) return false;
  for (const auto& c : strings(inc, "caps"))
    if (!has(caps, c)) return false;
  if (inc.is_object() && inc.contains("minKernel") && inc["minKernel"].is_string() &&
      !inc["minKernel"].get<std::string>().empty() && !kernel_at_least(kernel, inc["minKernel"].get<std::string>()))
    return false;
  return true;
}

// excludes: any listed condition that holds removes the rule.
bool excludes_match(const json& exc, const std::vector<std::string>& caps, std::string_view kernel) {
  auto arches = strings(exc, "arches");
  if (has(arches, "amd64") || has(arches, "x86_64")) return true;
  for (const auto& c : strings(exc, "caps"))
    if (has(caps, c)) return true;
  if (exc.is_object() && exc.contains("minKernel") && exc["minKernel"].is_string() &&
      !exc["minKernel"].get<std::string>().empty() && kernel_at_least(kernel, exc["minKernel"].get<std::string>()))
    return true;
  return false;
}

json architectures(const json& profile) {
  json out = json::array();
  if (profile.contains("archMap") && profile["archMap"].is_array()) {
    for (const auto& m : profile["archMap"]) {
      if (m.value("architecture", "") != kNativeScmpArch) continue;
      out.push_back(kNativeScmpArch);
      for (const auto& sub : m.value("subArchitectures", json::array())) out.push_back(sub);
    }
  } else if (profile.contains("architectures") && profile["architectures"].is_array()) {
    out = profile["architectures"];
  }
  if (out.empty()) out = json::array({kNativeScmpArch, "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  return out;
}

json convert_rule(const json& rule) {
  json out = json::object();
  json names = json::array();
  if (rule.contains("names") && rule["names"].is_array()) names = rule["names"];
  if (rule.contains("name") && rule["name"].is_string()) names.push_back(rule["name"]);
  out["names"] = names;
  out["action"] = rule.value("action", "");
  if (rule.contains("errnoRet") && rule["errnoRet"].is_number_unsigned()) out["errnoRet"] = rule["errnoRet"];
  if (rule.contains("args") && rule["args"].is_array() && !rule["args"].empty()) {
    json args = json::array();
    for (const auto& a : rule["args"]) {
      json arg = {{"index", a.value("index", 0u)}, {"value", a.value("value", 0ull)}, {"op", a.value("op", "")}};
      if (a.value("valueTwo", 0ull) != 0) arg["valueTwo"] = a["valueTwo"];
      args.push_back(arg);
    }
    out["args"] = args;
  }
  return out;
}

}  // namespace

json seccomp_to_oci(const std::string& profile_text, const std::vector<std::string>& caps,
                    std::string_view kernel_release) {
  json profile = json::parse(profile_text, nullptr, false);
  if (profile.is_discarded() || !profile.is_object())
    fail(Errc::invalid_argument, "invalid seccomp profile: not a JSON object");
  json out = json::object();
  out["defaultAction"] = profile.value("defaultAction", "SCMP_ACT_ERRNO");
  if (profile.contains("defaultErrnoRet") && profile["defaultErrnoRet"].is_number_unsigned())
    out["defaultErrnoRet"] = profile["defaultErrnoRet"];
  out["architectures"] = architectures(profile);
  if (profile.contains("flags") && profile["flags"].is_array() && !profile["flags"].empty())
    out["flags"] = profile["flags"];
  json rules = json::array();
  for (const auto& rule : profile.value("syscalls", json::array())) {
    if (!rule.is_object()) fail(Errc::invalid_argument, "invalid seccomp profile: a syscall rule is not an object");
    json inc = rule.value("includes", json::object()), exc = rule.value("excludes", json::object());
    if (!includes_match(inc, caps, kernel_release) || excludes_match(exc, caps, kernel_release)) continue;
    rules.push_back(convert_rule(rule));
  }
  out["syscalls"] = rules;
  return out;
}

std::string kernel_release() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

}  // namespace berth::core::containers
