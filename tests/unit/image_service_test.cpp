// ImageService on a real store: import, inspect/resolve, tag/untag, remove, prune, history, dedup, restart.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "core/images/service.hpp"
#include "tests/support/error_of.hpp"
#include "tests/unit/image_test_support.hpp"

using berth::test::code_of;
using berth::test::error_of;

namespace {

using berth::core::Errc;
using berth::core::Error;
using berth::core::images::ImportOptions;
using berth::core::images::Sha256;
using berth::core::images::ShortNamePolicy;
using berth::test::ImageFixture;
using berth::test::make_image_tar;
namespace fs = std::filesystem;

constexpr auto kDocker = ShortNamePolicy::docker;
constexpr auto kPodman = ShortNamePolicy::podman;

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

std::string blob_path(const ImageFixture& f, const std::string& digest) {
  return f.root() + "/blobs/sha256/" + digest.substr(7);
}

}  // namespace

TEST_CASE("import stores one layer, a config built from changes, and the name", "[image]") {
  ImageFixture f;
  std::string tar = make_image_tar({{"etc/", "", AE_IFDIR}, {"etc/hello", "hi\n"}});
  auto loaded = f.import(tar, {.reference = "busybox",
                               .message = "imported by test",
                               .changes = {"CMD [\"/bin/sh\"]", "ENV A=b", "EXPOSE 80", "LABEL x=y"}});
  CHECK(loaded.id.size() == 64);
  CHECK(loaded.names == std::vector<std::string>{"docker.io/library/busybox:latest"});

  auto img = f.svc().inspect("busybox", kDocker);
  CHECK(img->id == loaded.id);
  CHECK(img->tags == std::vector<std::string>{"docker.io/library/busybox:latest"});
  REQUIRE(img->layers.size() == 1);
  CHECK(img->layers[0].diff_id == Sha256::of(tar).str());
  CHECK(img->layers[0].blob_digest == img->layers[0].diff_id);
  CHECK(img->layers[0].chain_id == img->layers[0].diff_id);
  CHECK(img->layers[0].size == 3);
  CHECK(img->size == 3);
  CHECK(img->config.cmd == std::vector<std::string>{"/bin/sh"});
  CHECK(img->config.env == std::vector<std::string>{"A=b"});
  CHECK(img->config.exposed_ports == std::vector<std::string>{"80/tcp"});
  CHECK(img->config.labels.at("x") == "y");
  CHECK(img->comment == "imported by test");
  CHECK(img->os == "linux");
  CHECK_FALSE(img->architecture.empty());
  CHECK(img->created_ns > 0);
  REQUIRE(img->history.size() == 1);
  CHECK(img->history[0].comment == "imported by test");
  CHECK(img->history[0].created_by.empty());
  CHECK(Sha256::of(img->config_json).hex() == img->id);

  std::string diff = f.root() + "/layers/" + std::to_string(img->layers[0].dir_id) + "/diff";
  CHECK(exists(diff + "/etc/hello"));
  CHECK(exists(blob_path(f, img->layers[0].blob_digest)));
  CHECK(exists(blob_path(f, "sha256:" + img->id)));
  CHECK(f.svc().count() == 1);
  CHECK(f.sink.actions() == std::vector<std::string>{"import"});
}

TEST_CASE("import rejects bad changes and bad references before reading, and bad streams", "[image]") {
  ImageFixture f;
  auto e = error_of([&] { f.import(make_image_tar({{"a", "1"}}), {.changes = {"RUN rm -rf /"}}); });
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(std::string(e.what()).find("RUN rm -rf /") != std::string::npos);
  CHECK(error_of([&] {
          f.import(make_image_tar({{"a", "1"}}), {.reference = "Bad:Name"});
        }).code() == Errc::invalid_argument);
  CHECK(error_of([&] { f.import(""); }).code() == Errc::invalid_argument);
  CHECK(error_of([&] { f.import(std::string(2048, 'x')); }).code() == Errc::invalid_argument);
  CHECK(f.svc().count() == 0);
  // Nothing staged or ingested is left behind by the failures.
  CHECK(count_entries(f.root() + "/blobs/sha256") == 0);
  for (const auto& e2 : fs::directory_iterator(f.root() + "/layers")) {
    CHECK(e2.path().filename().string().rfind("tmp-", 0) != 0);
  }
}

TEST_CASE("gzip import gives the same diff ID and shares the extracted layer", "[image]") {
  ImageFixture f;
  std::vector<berth::test::TarFile> files = {{"a", "same content"}};
  auto plain = f.import(make_image_tar(files), {.reference = "one"});
  auto gz = f.import(make_image_tar(files, true), {.reference = "two"});
  CHECK(plain.id != gz.id);  // created differs
  auto a = f.svc().inspect("one", kDocker);
  auto b = f.svc().inspect("two", kDocker);
  CHECK(a->layers[0].diff_id == b->layers[0].diff_id);
  CHECK(a->layers[0].dir_id == b->layers[0].dir_id);
  CHECK(count_entries(f.root() + "/layers") == 1);

  // Removing one keeps the shared layer; removing both removes it.
  f.svc().remove("one", {});
  CHECK(exists(f.root() + "/layers/" + std::to_string(b->layers[0].dir_id) + "/diff/a"));
  auto report = f.svc().remove("two", {});
  CHECK(report.deleted == std::vector<std::string>{gz.id});
  CHECK(report.reclaimed == 12);
  CHECK(count_entries(f.root() + "/layers") == 0);
  CHECK_FALSE(exists(blob_path(f, b->layers[0].blob_digest)));
}

TEST_CASE("resolve by ID, sha256:ID, prefix and names", "[image]") {
  ImageFixture f;
  auto loaded = f.import_file("x", "busybox:1.36");
  const std::string& id = loaded.id;
  CHECK(f.svc().inspect(id, kDocker)->id == id);
  CHECK(f.svc().inspect("sha256:" + id, kDocker)->id == id);
  CHECK(f.svc().inspect(id.substr(0, 12), kDocker)->id == id);
  CHECK(f.svc().inspect("sha256:" + id.substr(0, 5), kPodman)->id == id);
  CHECK(f.svc().inspect("busybox:1.36", kDocker)->id == id);
  CHECK(f.svc().inspect("docker.io/library/busybox:1.36", kPodman)->id == id);
  CHECK(f.svc().inspect("busybox:1.36", kPodman)->id == id);  // docker.io is a search registry
  CHECK(f.svc().exists("busybox:1.36", kDocker));
  CHECK_FALSE(f.svc().exists("busybox", kDocker));  // :latest is not there
  CHECK_FALSE(f.svc().exists("NOPE", kDocker));

  auto e = error_of([&] { f.svc().inspect("nope", kPodman); });
  CHECK(e.code() == Errc::not_found);
  CHECK(e.cause() == "image not known");
  CHECK(std::string(e.what()) == "nope: image not known");
  CHECK(std::string(error_of([&] { f.svc().inspect("nope", kDocker); }).what()) == "No such image: nope");
  CHECK(error_of([&] { f.svc().inspect(std::string(64, 'f'), kDocker); }).code() == Errc::not_found);
}

TEST_CASE("docker and podman short names resolve differently", "[image]") {
  ImageFixture f;
  auto local = f.import_file("l", "foo", kPodman);
  CHECK(local.names == std::vector<std::string>{"localhost/foo:latest"});
  CHECK(f.svc().inspect("foo", kPodman)->id == local.id);
  CHECK(error_of([&] { f.svc().inspect("foo", kDocker); }).code() == Errc::not_found);
  CHECK(f.svc().inspect("localhost/foo", kDocker)->id == local.id);

  // libimage's fallback: a unique image whose repository ends in /baz with the same tag.
  auto quay = f.import_file("q", "quay.io/x/baz:1");
  CHECK(f.svc().inspect("baz:1", kPodman)->id == quay.id);
  CHECK(error_of([&] { f.svc().inspect("baz:1", kDocker); }).code() == Errc::not_found);
  CHECK(error_of([&] { f.svc().inspect("baz:2", kPodman); }).code() == Errc::not_found);

  // localhost comes before the search registries.
  auto hub = f.import_file("h", "docker.io/library/foo:latest");
  CHECK(f.svc().inspect("foo", kPodman)->id == local.id);
  CHECK(f.svc().inspect("foo", kDocker)->id == hub.id);
}

TEST_CASE("tag moves a name between images, untag removes names", "[image]") {
  ImageFixture f;
  auto a = f.import_file("a", "a");
  auto b = f.import_file("b", "b");
  f.sink.clear();
  f.svc().tag("a", "shared", "1", kDocker);
  CHECK(f.svc().inspect("shared:1", kDocker)->id == a.id);
  f.svc().tag(b.id, "shared", "1", kDocker);
  CHECK(f.svc().inspect("shared:1", kDocker)->id == b.id);
  CHECK(f.svc().inspect(a.id, kDocker)->tags == std::vector<std::string>{"docker.io/library/a:latest"});
  // Newest name first.
  CHECK(f.svc().inspect(b.id, kDocker)->tags ==
        std::vector<std::string>{"docker.io/library/shared:1", "docker.io/library/b:latest"});
  CHECK(f.sink.actions() == std::vector<std::string>{"tag", "tag"});
  CHECK(f.sink.events()[0].attributes.at("name") == "docker.io/library/shared:1");

  f.svc().tag(b.id, "mine", "", kPodman);
  CHECK(f.svc().exists("localhost/mine:latest", kDocker));
  CHECK(error_of([&] { f.svc().tag(b.id, "x@sha256:" + std::string(64, 'a'), "", kDocker); }).code() ==
        Errc::invalid_argument);

  CHECK(error_of([&] { f.svc().untag(b.id, "a", "", kDocker); }).code() == Errc::not_found);
  f.svc().untag(b.id, "shared", "1", kDocker);
  CHECK_FALSE(f.svc().exists("shared:1", kDocker));
  f.svc().untag(b.id, "mine", "", kPodman);
  CHECK(f.svc().inspect(b.id, kDocker)->tags == std::vector<std::string>{"docker.io/library/b:latest"});
  f.svc().untag(b.id, "", "", kDocker);
  CHECK(f.svc().inspect(b.id, kDocker)->tags.empty());
  CHECK(f.svc().count() == 2);
}

TEST_CASE("remove follows docker rmi: untag siblings, delete on the last name, force for IDs", "[image]") {
  ImageFixture f;
  auto img = f.import_file("r", "r:1");
  f.svc().tag(img.id, "r", "2", kDocker);
  auto keep = f.svc().inspect(img.id, kDocker);
  std::string dir = f.root() + "/layers/" + std::to_string(keep->layers[0].dir_id);

  auto e = error_of([&] { f.svc().remove(img.id, {}); });
  CHECK(e.code() == Errc::conflict);
  CHECK(std::string(e.what()).find("must be forced") != std::string::npos);

  auto r1 = f.svc().remove("r:1", {});
  CHECK(r1.untagged == std::vector<std::string>{"docker.io/library/r:1"});
  CHECK(r1.deleted.empty());
  CHECK(exists(dir));

  f.svc().tag(img.id, "r", "3", kDocker);
  f.sink.clear();
  auto r2 = f.svc().remove(img.id.substr(0, 8), {.force = true});
  CHECK(r2.deleted == std::vector<std::string>{img.id});
  CHECK(r2.untagged.size() == 2);
  CHECK_FALSE(exists(dir));
  CHECK_FALSE(exists(blob_path(f, "sha256:" + img.id)));
  CHECK_FALSE(exists(blob_path(f, keep->layers[0].blob_digest)));
  CHECK(f.svc().count() == 0);
  CHECK(f.sink.actions() == std::vector<std::string>{"untag", "untag", "remove"});
  CHECK(error_of([&] { f.svc().remove(img.id, {}); }).code() == Errc::not_found);
}

TEST_CASE("remove refuses an image a container uses", "[image]") {
  ImageFixture f;
  auto img = f.import_file("u", "used");
  f.svc().set_usage_provider([&](const std::string& id) { return id == img.id ? 1u : 0u; });
  CHECK(error_of([&] { f.svc().remove("used", {}); }).code() == Errc::conflict);
  CHECK(error_of([&] { f.svc().remove(img.id, {.force = true}); }).code() == Errc::conflict);
  // Forced by name: docker untags and keeps the image for its container.
  auto r = f.svc().remove("used", {.force = true});
  CHECK(r.untagged.size() == 1);
  CHECK(r.deleted.empty());
  CHECK(f.svc().count() == 1);
  CHECK(f.svc().prune({.all = true}).deleted.empty());
  auto du = f.svc().disk_usage();
  CHECK(du.active == 1);
  CHECK(du.total_size == 1);
  CHECK(du.reclaimable == 0);
}

TEST_CASE("prune removes dangling images, or all unused ones, honouring filters", "[image]") {
  ImageFixture f;
  auto dangling = f.import_file("d");
  auto tagged = f.import_file("t", "tagged");
  auto labelled = f.import(make_image_tar({{"file", "l"}}), {.changes = {"LABEL keep=yes"}});

  auto r = f.svc().prune({.filters = {{"label!", {"keep=yes"}}}});
  CHECK(r.deleted == std::vector<std::string>{dangling.id});
  CHECK(f.svc().count() == 2);

  CHECK(error_of([&] { f.svc().prune({.filters = {{"reference", {"x"}}}}); }).code() == Errc::invalid_argument);
  CHECK(f.svc().prune({.filters = {{"until", {"2000-01-01"}}}}).deleted.empty());

  auto all = f.svc().prune({.all = true});
  std::sort(all.deleted.begin(), all.deleted.end());
  std::vector<std::string> want = {tagged.id, labelled.id};
  std::sort(want.begin(), want.end());
  CHECK(all.deleted == want);
  CHECK(all.untagged == std::vector<std::string>{"docker.io/library/tagged:latest"});
  CHECK(f.svc().count() == 0);
  CHECK(count_entries(f.root() + "/layers") == 0);
}

TEST_CASE("history is newest first, the top row carrying ID and tags", "[image]") {
  ImageFixture f;
  auto img = f.import(make_image_tar({{"f", "12345"}}), {.reference = "h:1", .message = "msg"});
  auto h = f.svc().history("h:1", kDocker);
  REQUIRE(h.size() == 1);
  CHECK(h[0].id == img.id);
  CHECK(h[0].tags == std::vector<std::string>{"docker.io/library/h:1"});
  CHECK(h[0].size == 5);
  CHECK(h[0].comment == "msg");
  CHECK(h[0].created_ns > 0);
}

TEST_CASE("list is newest first and applies filters", "[image]") {
  ImageFixture f;
  auto one = f.import_file("1", "busybox:1.36");
  auto two = f.import_file("2", "alpine");
  auto three = f.import(make_image_tar({{"file", "3"}}), {.changes = {"LABEL a=b", "LABEL c=d"}});
  auto ids = [&](berth::core::Filters filters) {
    std::vector<std::string> out;
    for (const auto& i : f.svc().list({.filters = filters})) out.push_back(i->id);
    return out;
  };
  CHECK(ids({}) == std::vector<std::string>{three.id, two.id, one.id});
  CHECK(ids({{"reference", {"busybox"}}}) == std::vector<std::string>{one.id});
  CHECK(ids({{"reference", {"busy*"}}}) == std::vector<std::string>{one.id});
  CHECK(ids({{"reference", {"busybox:1*"}}}) == std::vector<std::string>{one.id});
  CHECK(ids({{"reference", {"busybox:2*"}}}).empty());
  CHECK(ids({{"reference", {"docker.io/library/alpine"}}}) == std::vector<std::string>{two.id});
  CHECK(ids({{"reference", {"alpine", "busybox"}}}) == std::vector<std::string>{two.id, one.id});
  CHECK(ids({{"dangling", {"true"}}}) == std::vector<std::string>{three.id});
  CHECK(ids({{"dangling", {"false"}}}) == std::vector<std::string>{two.id, one.id});
  CHECK(ids({{"label", {"a=b", "c"}}}) == std::vector<std::string>{three.id});
  CHECK(ids({{"label", {"a=x"}}}).empty());
  CHECK(ids({{"label!", {"a"}}}) == std::vector<std::string>{two.id, one.id});
  CHECK(ids({{"before", {"alpine"}}}) == std::vector<std::string>{one.id});
  CHECK(ids({{"since", {"busybox:1.36"}}}) == std::vector<std::string>{three.id, two.id});
  CHECK(ids({{"id", {one.id.substr(0, 10)}}}) == std::vector<std::string>{one.id});
  CHECK(ids({{"until", {"1h"}}}).empty());
  CHECK(ids({{"readonly", {"false"}}}).size() == 3);
  CHECK(ids({{"intermediate", {"true"}}}).empty());

  auto bad = error_of([&] { ids({{"colour", {"red"}}}); });
  CHECK(bad.code() == Errc::invalid_argument);
  CHECK(std::string(bad.what()) == "invalid filter 'colour'");
  CHECK(error_of([&] { ids({{"dangling", {"maybe"}}}); }).code() == Errc::invalid_argument);
  CHECK(error_of([&] { ids({{"until", {"yesterday"}}}); }).code() == Errc::invalid_argument);
  CHECK(error_of([&] { ids({{"before", {"nothere"}}}); }).code() == Errc::not_found);
}

TEST_CASE("images, names and layers survive a restart", "[image]") {
  ImageFixture f;
  auto img = f.import_file("p", "persist:1");
  f.svc().tag(img.id, "persist", "2", kDocker);
  auto before = f.svc().inspect(img.id, kDocker);
  f.open();
  auto after = f.svc().inspect("persist:1", kDocker);
  CHECK(after->id == img.id);
  CHECK(after->tags == before->tags);
  CHECK(after->created_ns == before->created_ns);
  CHECK(after->layers.size() == 1);
  CHECK(after->layers[0].dir_id == before->layers[0].dir_id);
  CHECK(after->layers[0].blob_digest == before->layers[0].blob_digest);
  CHECK(after->config.cmd == before->config.cmd);
  CHECK(f.svc().count() == 1);
}

TEST_CASE("startup sweeps tmp dirs, rowless layer dirs and unreferenced layer rows", "[image]") {
  ImageFixture f;
  auto img = f.import_file("s", "kept");
  auto kept = f.svc().inspect(img.id, kDocker);
  std::string layers = f.root() + "/layers";
  fs::create_directories(layers + "/tmp-deadbeef/diff/usr");
  fs::create_directories(layers + "/999/diff/etc");
  // A symlink in debris is removed, never followed.
  fs::create_directories(f.dir.sub("outside"));
  f.dir.write("outside/precious", "x");
  fs::create_directory_symlink(f.dir.sub("outside"), layers + "/999/diff/link");
  // A layer row no image references (a crash between commits in an older layout).
  f.store->write([](berth::core::store::Db& db) {
    db.exec("INSERT INTO layers(chain_id, diff_id, dir_id, created) VALUES('sha256:" + std::string(64, 'e') +
            "', 'sha256:" + std::string(64, 'e') + "', 77, 0)");
  });
  fs::create_directories(layers + "/77/diff");
  f.dir.write("root/ingest/partial", "junk");

  f.open();
  CHECK_FALSE(exists(layers + "/tmp-deadbeef"));
  CHECK_FALSE(exists(layers + "/999"));
  CHECK_FALSE(exists(layers + "/77"));
  CHECK(exists(f.dir.sub("outside/precious")));
  CHECK(exists(layers + "/" + std::to_string(kept->layers[0].dir_id) + "/diff/file"));
  CHECK(count_entries(f.root() + "/ingest") == 0);
  f.store->read([](berth::core::store::Db& db) {
    auto st = db.prepare("SELECT COUNT(*) FROM layers");
    st->step();
    CHECK(st->column_int64(0) == 1);
  });
  CHECK(f.svc().inspect("kept", kDocker)->id == img.id);
}

TEST_CASE("save then load round-trips an image with its names and layer", "[image]") {
  ImageFixture f;
  auto img = f.import(make_image_tar({{"etc/", "", AE_IFDIR}, {"etc/os", "berth\n"}}), {.reference = "rt:1"});
  f.svc().tag(img.id, "rt", "2", kDocker);
  CHECK(error_of([&] { f.svc().save({"rt:1", "nothere"}, {}, -1); }).code() == Errc::not_found);

  std::string path = f.dir.sub("saved.tar");
  {
    berth::core::sys::Fd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(out);
    f.svc().save({"rt:1", img.id}, {}, out.get());
  }
  f.svc().remove(img.id, {.force = true});
  CHECK(count_entries(f.root() + "/layers") == 0);
  f.sink.clear();

  berth::core::sys::Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(in);
  std::vector<std::string> progressed;
  auto loaded = f.svc().load(in.get(), [&](const berth::core::LoadedImage& l) { progressed.push_back(l.id); });
  REQUIRE(loaded.size() == 1);
  CHECK(loaded[0].id == img.id);
  CHECK(loaded[0].names == std::vector<std::string>{"docker.io/library/rt:1"});  // saved by that name only
  CHECK(progressed == std::vector<std::string>{img.id});
  auto back = f.svc().inspect("rt:1", kDocker);
  REQUIRE(back->layers.size() == 1);
  CHECK(exists(f.root() + "/layers/" + std::to_string(back->layers[0].dir_id) + "/diff/etc/os"));
  CHECK(f.sink.actions() == std::vector<std::string>{"load"});

  // Loading what is already here only (re)applies the names.
  berth::core::sys::Fd again(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  CHECK(f.svc().load(again.get()).at(0).id == img.id);
  CHECK(f.svc().count() == 1);
  CHECK(count_entries(f.root() + "/layers") == 1);
}

TEST_CASE("load keeps only the blobs its images use, a failed load and a restart leave none behind", "[image]") {
  ImageFixture f;
  auto img = f.import(make_image_tar({{"etc/", "", AE_IFDIR}, {"etc/os", "berth\n"}}), {.reference = "gc:1"});
  std::string blobs = f.root() + "/blobs/sha256";
  const auto before = count_entries(blobs);  // the layer and the config
  CHECK(before == 2);

  std::string path = f.dir.sub("saved.tar");
  {
    berth::core::sys::Fd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(out);
    f.svc().save({"gc:1"}, {}, out.get());
  }
  f.svc().remove(img.id, {.force = true});
  CHECK(count_entries(blobs) == 0);
  {
    berth::core::sys::Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    f.svc().load(in.get());
  }
  CHECK(count_entries(blobs) == before);  // manifest.json was spooled too, and dropped

  // An archive whose manifest names a missing layer: its members are spooled, then all dropped.
  std::string bad = make_image_tar(
      {{"manifest.json", R"([{"Config":"c.json","RepoTags":["x:1"],"Layers":["nope.tar"]}])"}, {"c.json", "{}"}});
  std::string bad_path = f.dir.sub("bad.tar");
  std::ofstream(bad_path, std::ios::binary) << bad;
  {
    berth::core::sys::Fd in(::open(bad_path.c_str(), O_RDONLY | O_CLOEXEC));
    CHECK(error_of([&] { f.svc().load(in.get()); }).code() == Errc::invalid_argument);
  }
  CHECK(count_entries(blobs) == before);

  // A blob nothing references (a crash between spooling and commit) is gone after a restart.
  std::ofstream(blobs + "/" + std::string(64, 'a')) << "orphan";
  f.open();
  CHECK(count_entries(blobs) == before);
  CHECK(f.svc().inspect("gc:1", kDocker)->id == img.id);
}
