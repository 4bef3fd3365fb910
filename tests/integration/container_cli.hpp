// What the docker-CLI container tests share: busybox (with its applets) imported as busybox:latest, a command's
// trimmed output, output split into lines, cleanup of every container, a running sleeper, an exec session.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"

namespace berth::test::ctrcli {

// `docker import` of the busybox image with its applets, as busybox:latest with CMD ["sh"].
inline void import_busybox(const Berthd& d, const TempDir& tmp) {
  auto file = tmp.sub("busybox.tar");
  { std::ofstream(file, std::ios::binary) << busybox_image_tar(); }
  regcli::docker_ok(d, {"import", "--change", "CMD [\"sh\"]", file, "busybox:latest"});
}

// `docker ARGS` that must succeed; its stdout, trimmed.
inline std::string out_of(const Berthd& d, const std::vector<std::string>& args) {
  return regcli::trim(regcli::docker_ok(d, args).out);
}

// The non-empty lines of text.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// At the end of a test, passed or not: no container may stay (a paused one could not even be killed).
struct RemoveAllContainers {
  const Berthd& d;
  ~RemoveAllContainers() {
    for (const auto& id : lines_of(d.docker({"ps", "-q", "--filter", "status=paused"}).out)) d.docker({"unpause", id});
    auto ids = lines_of(d.docker({"ps", "-aq"}).out);
    if (ids.empty()) return;
    std::vector<std::string> rm{"rm", "-f"};
    rm.insert(rm.end(), ids.begin(), ids.end());
    d.docker(rm);
  }
};

// A running busybox `sleep 1000` named `name`, with FROMCTR=yes in its environment; its full ID.
inline std::string sleeper(const Berthd& d, const std::string& name) {
  return out_of(d, {"run", "-d", "--name", name, "-e", "FROMCTR=yes", "busybox", "sleep", "1000"});
}

// POST PREFIX/containers/CTR/exec with `body` (201): the new exec session's ID.
inline std::string create_exec(const Berthd& d, const std::string& ctr, const nlohmann::json& body,
                               const std::string& prefix = "") {
  auto r = t(d, "POST", prefix + "/containers/" + ctr + "/exec", body.dump(), 201);
  auto id = r.json().value("Id", "");
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  return id;
}

}  // namespace berth::test::ctrcli
