// Image config parsing (nlohmann) and the import config builder with Dockerfile-style changes.
#include "core/images/image_config.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

using nlohmann::json;

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_at(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::optional<std::vector<std::string>> optional_strings_at(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  // docker accepted a bare string for Cmd/Entrypoint in very old configs.
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  return strings_at(j, key);
}

// {"80/tcp": {}} → sorted keys.
std::vector<std::string> keys_at(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

ImageRunConfig parse_run_config(const json& c) {
  ImageRunConfig rc;
  if (!c.is_object()) return rc;
  rc.user = str_at(c, "User");
  rc.exposed_ports = keys_at(c, "ExposedPorts");
  rc.env = strings_at(c, "Env");
  rc.entrypoint = optional_strings_at(c, "Entrypoint");
  rc.cmd = optional_strings_at(c, "Cmd");
  rc.volumes = keys_at(c, "Volumes");
  rc.working_dir = str_at(c, "WorkingDir");
  if (auto it = c.find("Labels"); it != c.end() && it->is_object()) {
    for (const auto& [k, v] : it->items())
      if (v.is_string()) rc.labels[k] = v.get<std::string>();
  }
  rc.stop_signal = str_at(c, "StopSignal");
  rc.on_build = strings_at(c, "OnBuild");
  if (auto it = c.find("Healthcheck"); it != c.end() && it->is_object()) {
    rc.healthcheck_test = optional_strings_at(*it, "Test");
  }
  rc.shell = strings_at(c, "Shell");
  return rc;
}

json run_config_json(const ImageRunConfig& rc) {
  json c = json::object();
  if (!rc.user.empty()) c["User"] = rc.user;
  if (!rc.exposed_ports.empty()) {
    json ports = json::object();
    for (const auto& p : rc.exposed_ports) ports[p] = json::object();
    c["ExposedPorts"] = ports;
  }
  if (!rc.env.empty()) c["Env"] = rc.env;
  if (rc.entrypoint) c["Entrypoint"] = *rc.entrypoint;
  if (rc.cmd) c["Cmd"] = *rc.cmd;
  if (!rc.volumes.empty()) {
    json vols = json::object();
    for (const auto& v : rc.volumes) vols[v] = json::object();
    c["Volumes"] = vols;
  }
  if (!rc.working_dir.empty()) c["WorkingDir"] = rc.working_dir;
  if (!rc.labels.empty()) c["Labels"] = rc.labels;
  if (!rc.stop_signal.empty()) c["StopSignal"] = rc.stop_signal;
  if (!rc.on_build.empty()) c["OnBuild"] = rc.on_build;
  if (rc.healthcheck_test) c["Healthcheck"] = {{"Test", *rc.healthcheck_test}};
  if (!rc.shell.empty()) c["Shell"] = rc.shell;
  return c;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

[[noreturn]] void bad_change(std::string_view change, std::string_view why) {
  fail(Errc::invalid_argument, std::string(why), "invalid change \"" + std::string(change) + "\"");
}

// Shell-like words: whitespace separates, quotes group and are removed, backslash escapes (not inside '').
std::vector<std::string> split_words(std::string_view s, std::string_view change) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < s.size()) {
        cur += s[++i];
      } else {
        cur += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) bad_change(change, "unterminated quote");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

// A JSON array of strings, or nullopt when `s` is not one (docker then takes the shell form).
std::optional<std::vector<std::string>> json_form(std::string_view s) {
  if (s.empty() || s.front() != '[') return std::nullopt;
  json j = json::parse(s, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<std::string> command_form(std::string_view rest, std::string_view change) {
  if (rest.empty()) bad_change(change, "missing command");
  if (auto arr = json_form(rest)) return *arr;
  return {"/bin/sh", "-c", std::string(rest)};
}

// KEY=VALUE pairs, or the legacy "KEY VALUE..." form.
std::vector<std::pair<std::string, std::string>> key_values(std::string_view rest, std::string_view change) {
  std::vector<std::pair<std::string, std::string>> out;
  auto words = split_words(rest, change);
  if (words.empty()) bad_change(change, "missing value");
  if (words[0].find('=') == std::string::npos) {
    std::string_view r = rest;
    std::size_t sp = r.find_first_of(" \t");
    if (sp == std::string_view::npos) bad_change(change, "missing value for " + words[0]);
    auto value_words = split_words(trim(r.substr(sp)), change);
    std::string value;
    for (const auto& w : value_words) value += (value.empty() ? "" : " ") + w;
    out.emplace_back(words[0], value);
    return out;
  }
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) bad_change(change, "expected KEY=VALUE, got \"" + w + "\"");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

int port_number(std::string_view s, std::string_view change) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) != 0; }))
    bad_change(change, "invalid port \"" + std::string(s) + "\"");
  int n = std::stoi(std::string(s));
  if (n < 1 || n > 65535) bad_change(change, "invalid port \"" + std::string(s) + "\"");
  return n;
}

void add_exposed(std::string_view word, ImageRunConfig& rc, std::string_view change) {
  std::string_view spec = word;
  std::string proto = "tcp";
  if (auto slash = spec.find('/'); slash != std::string_view::npos) {
    proto = std::string(spec.substr(slash + 1));
    std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char c) { return std::tolower(c); });
    spec = spec.substr(0, slash);
    if (proto != "tcp" && proto != "udp" && proto != "sctp") bad_change(change, "invalid protocol \"" + proto + "\"");
  }
  int lo, hi;
  if (auto dash = spec.find('-'); dash != std::string_view::npos) {
    lo = port_number(spec.substr(0, dash), change);
    hi = port_number(spec.substr(dash + 1), change);
    if (hi < lo) bad_change(change, "invalid port range \"" + std::string(spec) + "\"");
  } else {
    lo = hi = port_number(spec, change);
  }
  for (int p = lo; p <= hi; ++p) rc.exposed_ports.push_back(std::to_string(p) + "/" + proto);
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void set_env(ImageRunConfig& rc, const std::string& key, const std::string& value) {
  std::string prefix = key + "=";
  for (auto& e : rc.env) {
    if (e.compare(0, prefix.size(), prefix) == 0 || e == key) {
      e = prefix + value;
      return;
    }
  }
  rc.env.push_back(prefix + value);
}

void apply_change(std::string_view change, ImageRunConfig& rc) {
  std::string line = trim(change);
  std::size_t end = 0;
  while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end])) && line[end] != '=') ++end;
  std::string instr = line.substr(0, end);
  std::transform(instr.begin(), instr.end(), instr.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string rest = line.substr(end);
  if (!rest.empty() && rest[0] == '=') rest.erase(0, 1);
  rest = trim(rest);
  if (instr.empty()) bad_change(change, "missing instruction");

  if (instr == "CMD") {
    rc.cmd = command_form(rest, change);
  } else if (instr == "ENTRYPOINT") {
    rc.entrypoint = command_form(rest, change);
  } else if (instr == "ENV") {
    for (const auto& [k, v] : key_values(rest, change)) set_env(rc, k, v);
  } else if (instr == "LABEL") {
    for (const auto& [k, v] : key_values(rest, change)) rc.labels[k] = v;
  } else if (instr == "EXPOSE") {
    auto words = split_words(rest, change);
    if (words.empty()) bad_change(change, "missing port");
    for (const auto& w : words) add_exposed(w, rc, change);
    sort_unique(rc.exposed_ports);
  } else if (instr == "VOLUME") {
    auto vols = json_form(rest);
    std::vector<std::string> list = vols ? *vols : split_words(rest, change);
    if (list.empty()) bad_change(change, "missing volume");
    for (auto& v : list) {
      if (v.empty()) bad_change(change, "empty volume path");
      rc.volumes.push_back(v);
    }
    sort_unique(rc.volumes);
  } else if (instr == "USER") {
    if (rest.empty()) bad_change(change, "missing user");
    rc.user = rest;
  } else if (instr == "WORKDIR") {
    if (rest.empty()) bad_change(change, "missing directory");
    // As in a Dockerfile, a relative WORKDIR continues the previous one.
    if (rest[0] != '/' && !rc.working_dir.empty()) {
      rc.working_dir = rc.working_dir + (rc.working_dir.back() == '/' ? "" : "/") + rest;
    } else {
      rc.working_dir = rest[0] == '/' ? rest : "/" + rest;
    }
  } else if (instr == "STOPSIGNAL") {
    if (rest.empty()) bad_change(change, "missing signal");
    rc.stop_signal = rest;
  } else if (instr == "ONBUILD") {
    if (rest.empty()) bad_change(change, "missing trigger");
    rc.on_build.push_back(rest);
  } else {
    bad_change(change, "unknown instruction " + instr);
  }
}

}  // namespace

ImageConfigFacts parse_image_config(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(Errc::invalid_argument, "invalid image config: not a JSON object");
  ImageConfigFacts f;
  f.architecture = str_at(j, "architecture");
  f.os = str_at(j, "os");
  f.variant = str_at(j, "variant");
  f.author = str_at(j, "author");
  f.comment = str_at(j, "comment");
  f.docker_version = str_at(j, "docker_version");
  f.parent_id = str_at(j, "parent");
  if (f.parent_id.rfind("sha256:", 0) == 0) f.parent_id.erase(0, 7);
  f.created_ns = parse_rfc3339_ns(str_at(j, "created")).value_or(0);
  if (auto it = j.find("config"); it != j.end()) f.config = parse_run_config(*it);
  if (auto it = j.find("history"); it != j.end() && it->is_array()) {
    for (const auto& h : *it) {
      if (!h.is_object()) continue;
      ImageHistoryEntry e;
      e.created_ns = parse_rfc3339_ns(str_at(h, "created")).value_or(0);
      e.created_by = str_at(h, "created_by");
      e.author = str_at(h, "author");
      e.comment = str_at(h, "comment");
      auto el = h.find("empty_layer");
      e.empty_layer = el != h.end() && el->is_boolean() && el->get<bool>();
      f.history.push_back(std::move(e));
    }
  }
  if (auto it = j.find("rootfs"); it != j.end() && it->is_object()) f.diff_ids = strings_at(*it, "diff_ids");
  return f;
}

void apply_config_facts(const ImageConfigFacts& f, Image& image) {
  image.architecture = f.architecture;
  image.os = f.os;
  image.variant = f.variant;
  image.author = f.author;
  image.comment = f.comment;
  image.docker_version = f.docker_version;
  image.parent_id = f.parent_id;
  image.created_ns = f.created_ns;
  image.config = f.config;
  image.history = f.history;
}

void apply_changes(const std::vector<std::string>& changes, ImageRunConfig& config) {
  for (const auto& c : changes) apply_change(c, config);
}

std::string host_architecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64" || m == "arm64") return "arm64";
  if (m.rfind("armv", 0) == 0) return "arm";
  if (m == "i386" || m == "i686") return "386";
  return m;  // ppc64le, s390x, riscv64, mips64le: same spelling in OCI
}

std::string build_import_config(const ImportConfigInput& in) {
  ImageRunConfig rc;
  apply_changes(in.changes, rc);
  std::string created = format_rfc3339_ns(in.created_ns);
  json history = {{"created", created}, {"created_by", ""}};
  if (!in.message.empty()) history["comment"] = in.message;
  json j = {
      {"architecture", in.architecture.empty() ? host_architecture() : in.architecture},
      {"os", in.os.empty() ? "linux" : in.os},
      {"created", created},
      {"config", run_config_json(rc)},
      {"rootfs", {{"type", "layers"}, {"diff_ids", json::array({in.diff_id})}}},
      {"history", json::array({history})},
  };
  if (!in.variant.empty()) j["variant"] = in.variant;
  if (!in.message.empty()) j["comment"] = in.message;
  return j.dump();
}

}  // namespace berth::core::images
