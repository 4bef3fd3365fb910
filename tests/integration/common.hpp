// Helpers the integration tests share: waiting for a condition, facts about this host, the error-body check, and a
// golden-file shape check.
#pragma once

#include <sys/utsname.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/berthd.hpp"

namespace berth::test {

// Polls `ok` every 50 ms until it holds (true) or `limit` passes (false).
template <class F>
bool eventually(F ok, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (ok()) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// podman's remote client stats the auth file under the DOCKER_CONFIG the harness points it at: give it an empty one.
inline void write_empty_docker_config(const Berthd& d) {
  for (const auto& [key, value] : d.cli_env())
    if (key == "DOCKER_CONFIG") {
      std::filesystem::create_directories(value);
      std::ofstream(value + "/config.json") << "{}";
    }
}

// What `uname -r` prints.
inline std::string host_kernel() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

// What `nproc` prints (the CPUs this process may run on, as Go's runtime.NumCPU counts them).
inline std::string host_cpus() {
  auto r = run({"nproc"});
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// berthd's error body: {"cause": ..., "message": ..., "response": status} as JSON.
inline void check_error_reply(const Response& r, long status, const std::string& message_regex = ".") {
  INFO(r.describe());
  CHECK(r.status == status);
  CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
  nlohmann::json j;
  REQUIRE_NOTHROW(j = r.json());
  REQUIRE(j.is_object());
  CHECK(j.contains("cause"));
  CHECK(j.value("response", 0L) == status);
  REQUIRE(j.contains("message"));
  REQUIRE(j["message"].is_string());
  CHECK(std::regex_search(j["message"].get<std::string>(), std::regex(message_regex, std::regex::icase)));
}

// The daemon survived whatever the test did to it.
inline void check_still_serves(const Berthd& d) {
  INFO("after the bad input, berthd must still answer /_ping");
  auto r = t(d, "GET", "/_ping", 200);
  CHECK(r.body == "OK");
}

// A document recorded from podman 4.3.1 (tests/golden/podman-4.3.1), or null when it is not there.
inline nlohmann::json golden(const std::string& name) {
  auto dir = std::filesystem::path(__FILE__).parent_path().parent_path() / "golden" / "podman-4.3.1";
  std::ifstream in(dir / name);
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

// Every key of the podman 4.3.1 document is present with the same JSON type (a golden null accepts anything, as
// podman sends null for empty lists and maps). Only the given level: values differ from host to host.
inline void check_keys_like(const nlohmann::json& got, const nlohmann::json& want, const std::string& where) {
  INFO("golden document for " << where << " (tests/golden/podman-4.3.1/)");
  REQUIRE(want.is_object());
  REQUIRE(got.is_object());
  for (const auto& [key, value] : want.items()) {
    INFO(where << "." << key);
    if (!got.contains(key)) {
      FAIL_CHECK(where << " lacks key \"" << key << "\" (podman 4.3.1 sends " << value.dump() << ")");
      continue;
    }
    if (value.is_null() || got[key].is_null()) continue;
    bool same = value.type() == got[key].type() || (value.is_number() && got[key].is_number());
    if (!same)
      FAIL_CHECK(where << "." << key << " is " << got[key].type_name() << " " << got[key].dump() << ", podman sends "
                       << value.type_name());
  }
}

}  // namespace berth::test
