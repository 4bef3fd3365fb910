// Local images through real clients: docker CLI (import, images, inspect, history, tag, rmi, save, load, prune),
// podman --remote, and the libpod endpoints with curl. Images are made from busybox-static.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>

#include "tests/integration/common.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

using namespace berth::test;
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// `docker import` of a busybox rootfs with `marker`; returns the image ID ("sha256:...").
std::string docker_import(const Berthd& d, const TempDir& tmp, const std::string& marker, const std::string& ref,
                          const std::vector<std::string>& extra = {}) {
  auto file = tmp.sub(marker + ".tar");
  { std::ofstream(file, std::ios::binary) << busybox_rootfs_tar(marker); }
  std::vector<std::string> args{"import"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(file);
  if (!ref.empty()) args.push_back(ref);
  auto r = d.docker(args);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
  auto id = trim(r.out);
  REQUIRE(std::regex_match(id, std::regex("sha256:[0-9a-f]{64}")));
  return id;
}

// The libpod import of a busybox rootfs; returns the image ID (hex).
std::string libpod_import(const Berthd& d, const std::string& marker, const std::string& reference) {
  std::string path = "/v4.3.1/libpod/images/import";
  if (!reference.empty()) path += "?reference=" + reference;
  auto r = d.request("POST", path, busybox_rootfs_tar(marker), {{"Content-Type", "application/x-tar"}});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.status == 200);
  auto id = r.json().value("Id", std::string());
  if (id.rfind("sha256:", 0) == 0) id = id.substr(7);
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  return id;
}

std::string hex(const std::string& id) { return id.rfind("sha256:", 0) == 0 ? id.substr(7) : id; }

// Names of every file and directory below `dir` (recursively), without following symlinks.
std::set<std::string> names_below(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    out.insert(it->path().filename().string());
  }
  return out;
}

// Directories under $ROOT/layers: one per stored layer (nothing else should be there at rest).
std::size_t layer_dirs(const Berthd& d) {
  std::error_code ec;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(d.root() + "/layers", ec)) {
    (void)e;
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("docker import, images, inspect and history show the imported image", "[integration][images][docker]") {
  Berthd d;
  TempDir tmp;
  auto id = docker_import(d, tmp, "one", "busybox:latest",
                          {"--change", "CMD [\"sh\"]", "--change", "LABEL purpose=test", "--change", "ENV A=b",
                           "--change", "WORKDIR /work", "--change", "EXPOSE 8080", "--message", "first import"});

  auto images = d.docker({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  INFO(images.describe());
  CHECK(images.exit_code == 0);
  CHECK(images.out == "busybox:latest " + hex(id).substr(0, 12) + "\n");

  auto insp = d.docker({"inspect", "--format",
                        "{{.Id}}|{{json .Config.Cmd}}|{{.Config.Labels.purpose}}|{{json .Config.Env}}|"
                        "{{.Config.WorkingDir}}|{{json .Config.ExposedPorts}}|{{.RootFS.Type}}|{{len .RootFS.Layers}}|"
                        "{{.GraphDriver.Name}}|{{.Os}}|{{json .RepoTags}}",
                        "busybox"});
  INFO(insp.describe());
  CHECK(insp.exit_code == 0);
  CHECK(insp.out ==
        id + "|[\"sh\"]|test|[\"A=b\"]|/work|{\"8080/tcp\":{}}|layers|1|overlay|linux|[\"busybox:latest\"]\n");

  // The layer is really on disk, extracted: the marker file is in the image's top layer directory.
  auto upper = d.docker({"inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", id});
  INFO(upper.describe());
  REQUIRE(upper.exit_code == 0);
  CHECK(read_file_bytes(trim(upper.out) + "/marker") == "one\n");
  CHECK(fs::is_symlink(trim(upper.out) + "/bin/sh"));

  auto hist = d.docker({"history", "--no-trunc", "--format", "{{.ID}}|{{.Comment}}", "busybox:latest"});
  INFO(hist.describe());
  CHECK(hist.exit_code == 0);
  CHECK(hist.out == id + "|first import\n");

  auto missing = d.docker({"inspect", "--type", "image", "nosuchimage"});
  INFO(missing.describe());
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("No such image") != std::string::npos);

  // The same image seen by short ID prefix, with and without sha256:.
  t(d, "GET", "/images/" + hex(id).substr(0, 8) + "/json", 200, {{".Id", id}});
  t(d, "GET", "/images/sha256:" + hex(id).substr(0, 10) + "/json", 200, {{".Id", id}});
  t(d, "GET", "/info", 200, {{".Images", "1"}});

  // docker system df counts it, with the size of its layer (busybox itself is most of it).
  auto df = d.docker({"system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}"});
  INFO(df.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(df.exit_code == 0);
  CHECK(df.out.rfind("Images 1 0\n", 0) == 0);
  t(d, "GET", "/system/df", 200,
    {{".Images|length", "1"}, {".Images[0].Id", id}, {".LayersSize", "~^[1-9][0-9]{6,}$"}});
}

TEST_CASE("docker images filters, --digests and -q", "[integration][images][docker]") {
  Berthd d;
  TempDir tmp;
  auto a = docker_import(d, tmp, "a", "alpha:1", {"--change", "LABEL tier=one"});
  auto b = docker_import(d, tmp, "b", "beta:1", {"--change", "LABEL tier=two"});
  auto dangling = "sha256:" + libpod_import(d, "c", "");

  auto ids = [&](const std::vector<std::string>& filter) {
    std::vector<std::string> args{"images", "-q", "--no-trunc"};
    args.insert(args.end(), filter.begin(), filter.end());
    auto r = d.docker(args);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    auto l = lines(r.out);
    return std::set<std::string>(l.begin(), l.end());
  };
  CHECK(ids({}) == std::set<std::string>{a, b, dangling});
  CHECK(ids({"--filter", "reference=alpha"}) == std::set<std::string>{a});
  CHECK(ids({"--filter", "reference=be*:1"}) == std::set<std::string>{b});
  CHECK(ids({"--filter", "label=tier=two"}) == std::set<std::string>{b});
  CHECK(ids({"--filter", "label=tier"}) == std::set<std::string>{a, b});
  CHECK(ids({"--filter", "dangling=true"}) == std::set<std::string>{dangling});
  CHECK(ids({"--filter", "dangling=false"}) == std::set<std::string>{a, b});
  CHECK(ids({"--filter", "before=beta:1"}) == std::set<std::string>{a});
  CHECK(ids({"--filter", "since=alpha:1"}) == std::set<std::string>{b, dangling});

  auto digests = d.docker({"images", "--digests", "--format", "{{.Repository}} {{.Digest}}", "alpha"});
  INFO(digests.describe());
  CHECK(digests.exit_code == 0);
  CHECK(digests.out == "alpha <none>\n");

  check_error_reply(d.request("GET", "/images/json?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D"), 400, "nope");
  check_error_reply(d.request("GET", "/images/json?filters=%7Bnot-json"), 400);
  check_error_reply(d.request("GET", "/v4.3.1/libpod/images/json?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D"), 400,
                    "nope");
}

TEST_CASE("docker tag and rmi untag first and delete the last name", "[integration][images][docker]") {
  Berthd d;
  TempDir tmp;
  auto id = docker_import(d, tmp, "t", "busybox:latest");
  auto tag = d.docker({"tag", "busybox", "mybox:v1"});
  INFO(tag.describe());
  CHECK(tag.exit_code == 0);
  t(d, "GET", "/images/mybox:v1/json", 200, {{".Id", id}, {".RepoTags|length", "2"}});

  auto untag = d.docker({"rmi", "mybox:v1"});
  INFO(untag.describe());
  CHECK(untag.exit_code == 0);
  CHECK(untag.out == "Untagged: mybox:v1\n");
  t(d, "GET", "/images/busybox/json", 200, {{".Id", id}});
  t(d, "GET", "/images/mybox:v1/json", 404);

  // An ID naming an image with two names is a conflict unless forced.
  REQUIRE(d.docker({"tag", "busybox", "mybox:v2"}).exit_code == 0);
  auto conflict = d.request("DELETE", "/images/" + hex(id));
  check_error_reply(conflict, 409);
  auto refused = d.docker({"rmi", hex(id).substr(0, 12)});
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);

  auto forced = d.docker({"rmi", "-f", hex(id).substr(0, 12)});
  INFO(forced.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(forced.exit_code == 0);
  CHECK(forced.out.find("Untagged: busybox:latest") != std::string::npos);
  CHECK(forced.out.find("Untagged: mybox:v2") != std::string::npos);
  CHECK(forced.out.find("Deleted: " + id) != std::string::npos);
  CHECK(d.docker({"images", "-q"}).out.empty());
  // Its layer went with it.
  CHECK(layer_dirs(d) == 0);

  auto gone = d.docker({"rmi", "busybox"});
  CHECK(gone.exit_code != 0);
  CHECK(gone.err.find("No such image") != std::string::npos);
}

TEST_CASE("docker save, rmi and load keep the image ID, two images share one archive",
          "[integration][images][docker]") {
  Berthd d;
  TempDir tmp;
  auto a = docker_import(d, tmp, "sa", "alpha:1", {"--change", "CMD [\"sh\"]"});
  auto b = docker_import(d, tmp, "sb", "beta:2");

  auto one = tmp.sub("one.tar");
  auto save = d.docker({"save", "-o", one, "alpha:1"});
  INFO(save.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(save.exit_code == 0);
  REQUIRE(fs::file_size(one) > 1000000);  // busybox itself is in there
  REQUIRE(d.docker({"rmi", "alpha:1"}).exit_code == 0);
  t(d, "GET", "/images/alpha:1/json", 404);

  auto load = d.docker({"load", "-i", one});
  INFO(load.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(load.exit_code == 0);
  CHECK(load.out.find("Loaded image: alpha:1") != std::string::npos);
  t(d, "GET", "/images/alpha:1/json", 200, {{".Id", a}, {".Config.Cmd[0]", "sh"}});

  auto two = tmp.sub("two.tar");
  auto save2 = d.docker({"save", "-o", two, "alpha:1", "beta:2"});
  INFO(save2.describe());
  REQUIRE(save2.exit_code == 0);
  REQUIRE(d.docker({"rmi", "alpha:1", "beta:2"}).exit_code == 0);
  CHECK(d.docker({"images", "-q"}).out.empty());
  auto load2 = d.docker({"load", "-i", two});
  INFO(load2.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(load2.exit_code == 0);
  CHECK(load2.out.find("Loaded image: alpha:1") != std::string::npos);
  CHECK(load2.out.find("Loaded image: beta:2") != std::string::npos);
  t(d, "GET", "/images/alpha:1/json", 200, {{".Id", a}});
  t(d, "GET", "/images/beta:2/json", 200, {{".Id", b}});

  // The save stream through the compat route with several names, as docker-py uses it.
  auto multi = d.request("GET", "/images/get?names=alpha:1&names=beta:2");
  CHECK(multi.status == 200);
  CHECK(multi.header("Content-Type") == "application/x-tar");
  CHECK(multi.body.size() > 1000000);
  check_error_reply(d.request("GET", "/images/get?names=nosuch:1"), 404);
}

TEST_CASE("docker image prune removes dangling images, and with -a every unused one", "[integration][images][docker]") {
  Berthd d;
  TempDir tmp;
  auto kept = docker_import(d, tmp, "keep", "keep:1");
  auto dangling = "sha256:" + libpod_import(d, "dangle", "");

  auto prune = d.docker({"image", "prune", "-f"});
  INFO(prune.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(prune.exit_code == 0);
  CHECK(prune.out.find("deleted: " + dangling) != std::string::npos);
  CHECK(trim(d.docker({"images", "-q", "--no-trunc"}).out) == kept);

  auto all = d.docker({"image", "prune", "-a", "-f"});
  INFO(all.describe());
  CHECK(all.exit_code == 0);
  CHECK(all.out.find("deleted: " + kept) != std::string::npos);
  CHECK(d.docker({"images", "-q"}).out.empty());
  CHECK(layer_dirs(d) == 0);
}

TEST_CASE("libpod image endpoints: list, inspect, exists, tag, untag, remove", "[integration][images][libpod]") {
  Berthd d;
  auto id = libpod_import(d, "lp", "localhost/mine:1");
  const std::string v = "/v4.3.1/libpod";
  t(d, "GET", v + "/images/json", 200, {{".|length", "1"}, {".[0].Id", id}, {".[0].RepoTags[0]", "localhost/mine:1"}});
  t(d, "GET", v + "/images/mine:1/json", 200,
    {{".Id", id}, {".RepoTags[0]", "localhost/mine:1"}, {".RootFS.Type", "layers"}, {".Os", "linux"}});
  t(d, "GET", v + "/images/mine:1/exists", 204);
  t(d, "GET", v + "/images/" + id.substr(0, 12) + "/exists", 204);
  t(d, "GET", v + "/images/mine/exists", 404);  // short name: localhost/mine:latest

  t(d, "POST", v + "/images/mine:1/tag?repo=quay.io/x/y&tag=2", 201);
  t(d, "GET", v + "/images/quay.io/x/y:2/exists", 204);
  t(d, "GET", v + "/images/y:2/json", 200, {{".Id", id}});  // libimage's fallback on the repository's last part
  t(d, "GET", v + "/images/" + id + "/history", 200, {{".|length", "1"}, {".[0].Id", id}});
  auto tree = t(d, "GET", v + "/images/mine:1/tree", 200);
  CHECK(tree.json().value("Tree", "").find(id.substr(0, 12)) != std::string::npos);

  t(d, "POST", v + "/images/quay.io/x/y:2/untag?repo=quay.io/x/y&tag=2", 201);
  t(d, "GET", v + "/images/quay.io/x/y:2/exists", 404);
  t(d, "GET", v + "/images/nosuch:1/json", 404, {{".message", "~nosuch"}});

  t(d, "DELETE", v + "/images/mine:1", 200, {{".Deleted[0]", id}, {".Untagged[0]", "localhost/mine:1"}});
  t(d, "GET", v + "/images/mine:1/exists", 404);
  t(d, "GET", v + "/images/json", 200, {{".|length", "0"}});
  CHECK(layer_dirs(d) == 0);
}

TEST_CASE("oci-archive and docker-archive round trips through the libpod API", "[integration][images][libpod]") {
  Berthd d;
  auto id = libpod_import(d, "oci", "localhost/roundtrip:1");
  const std::string v = "/v4.3.1/libpod";
  for (const char* format : {"oci-archive", "docker-archive"}) {
    INFO(format);
    auto saved = d.request("GET", v + "/images/localhost/roundtrip:1/get?format=" + std::string(format));
    INFO(saved.status << " " << saved.body.substr(0, 200));
    REQUIRE(saved.status == 200);
    REQUIRE(saved.body.size() > 1000000);
    if (std::string(format) == "oci-archive") CHECK(saved.body.find("oci-layout") != std::string::npos);
    t(d, "DELETE", v + "/images/" + id, 200);
    t(d, "GET", v + "/images/json", 200, {{".|length", "0"}});
    auto loaded = d.request("POST", v + "/images/load", saved.body, {{"Content-Type", "application/x-tar"}});
    INFO(loaded.describe() << "\n--- berthd log ---\n" << d.log_tail());
    CHECK(loaded.status == 200);
    CHECK(loaded.json()["Names"].dump().find("localhost/roundtrip:1") != std::string::npos);
    t(d, "GET", v + "/images/localhost/roundtrip:1/json", 200, {{".Id", id}});
  }
  check_error_reply(d.request("GET", v + "/images/localhost/roundtrip:1/get?format=floppy"), 400);
}

TEST_CASE("podman --remote images, tag, save, rmi and load", "[integration][images][podman]") {
  Berthd d;
  TempDir tmp;
  auto id = libpod_import(d, "pm", "localhost/pm:1");
  auto images = d.podman({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  INFO(images.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(images.exit_code == 0);
  CHECK(images.out == "localhost/pm:1 " + id.substr(0, 12) + "\n");

  auto tag = d.podman({"tag", "pm:1", "localhost/pm:2"});
  INFO(tag.describe());
  CHECK(tag.exit_code == 0);

  auto archive = tmp.sub("pm.tar");
  auto save = d.podman({"save", "-o", archive, "localhost/pm:1"});
  INFO(save.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(save.exit_code == 0);
  auto rmi = d.podman({"rmi", "-f", id});
  INFO(rmi.describe());
  CHECK(rmi.exit_code == 0);
  CHECK(d.podman({"images", "-q"}).out.empty());

  auto load = d.podman({"load", "-i", archive});
  INFO(load.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(load.exit_code == 0);
  CHECK(load.out.find("Loaded image") != std::string::npos);
  auto after = d.podman({"images", "--format", "{{.ID}}", "--no-trunc"});
  CHECK(trim(after.out) == "sha256:" + id);
}

TEST_CASE("hostile image tarballs are refused, naming the entry, and nothing escapes",
          "[integration][images][errors]") {
  Berthd d;
  TempDir outside("berth-outside");
  const std::string busybox = read_file_bytes("/bin/busybox");
  struct Case {
    const char* what;
    std::string tar;
    const char* entry;  // what the error must name
  };
  std::vector<Case> cases{
      {"a ../ entry", make_tar({{"ok", TarEntry::Kind::file, "x"}, {"../escape", TarEntry::Kind::file, "pwned"}}),
       "escape"},
      {"an absolute symlink, then a write through it",
       make_tar({{"evil", TarEntry::Kind::symlink, "", outside.path(), 0777},
                 {"evil/pwned", TarEntry::Kind::file, "pwned"}}),
       "pwned"},
      {"a hardlink to /etc/shadow", make_tar({{"shadow", TarEntry::Kind::hardlink, "", "/etc/shadow"}}), "shadow"},
      {"a 10 GB claim cut short", claim_size(make_tar({{"huge", TarEntry::Kind::file, "tiny"}}), 10LL << 30), "huge"},
      {"truncated gzip", "", ""},
  };
  auto gz = make_tar({{"bin/busybox", TarEntry::Kind::file, busybox, "", 0755}}, TarCompression::gzip);
  cases.back().tar = gz.substr(0, gz.size() / 2);

  for (const auto& c : cases) {
    INFO(c.what);
    auto r = d.request("POST", "/v4.3.1/libpod/images/import?reference=localhost/evil:1", c.tar,
                       {{"Content-Type", "application/x-tar"}});
    check_error_reply(r, 400, c.entry);
    auto compat = d.request("POST", "/images/create?fromSrc=-&repo=evil&tag=1", c.tar);
    INFO(compat.describe());
    CHECK(compat.body.find(c.entry) != std::string::npos);
  }

  // A docker-archive whose manifest points outside the archive.
  auto bad_load = make_tar({{"manifest.json", TarEntry::Kind::file,
                             R"([{"Config":"../../etc/passwd","RepoTags":["x:1"],"Layers":["../../etc/shadow"]}])"}});
  check_error_reply(d.request("POST", "/v4.3.1/libpod/images/load", bad_load), 400);
  check_error_reply(d.request("POST", "/v4.3.1/libpod/images/load", std::string("not a tar at all")), 400);

  CHECK(fs::is_empty(outside.path()));
  auto names = names_below(d.dir());
  CHECK(names.count("escape") == 0);
  CHECK(names.count("pwned") == 0);
  CHECK(names.count("shadow") == 0);
  CHECK(names.count("huge") == 0);
  CHECK(layer_dirs(d) == 0);
  t(d, "GET", "/v4.3.1/libpod/images/json", 200, {{".|length", "0"}});
  check_still_serves(d);
}
