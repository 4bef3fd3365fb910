// Image archives: docker-archive (podman, legacy docker, docker 25+), oci-archive, compression, multi-image,
// round trips through every save format, hostile archives, a vanished client, and a throughput print.
#include "core/images/archive_io.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using berth::core::Errc;
using berth::core::Error;
using berth::core::Image;
using berth::core::ImageLayer;
using berth::core::images::ArchivedImage;
using berth::core::images::ArchiveFormat;
using berth::core::images::BlobStore;
using berth::core::images::Digest;
using berth::core::images::ImageToSave;
using berth::core::images::read_image_archive;
using berth::core::images::Sha256;
using berth::core::images::write_image_archive;
using berth::test::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kTar = "application/vnd.oci.image.layer.v1.tar";
constexpr const char* kGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

struct Entry {
  std::string name;
  std::string data;
  std::string symlink;   // makes it a symlink
  std::string hardlink;  // makes it a hardlink
  bool dir = false;
};

enum class Filter { none, gzip, zstd };

la_ssize_t append_cb(archive*, void* out, const void* buf, size_t len) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

void add_filter(archive* a, Filter f) {
  archive_write_set_bytes_in_last_block(a, 1);
  if (f == Filter::gzip) REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
  if (f == Filter::zstd) REQUIRE(archive_write_add_filter_zstd(a) == ARCHIVE_OK);
}

std::string make_tar(const std::vector<Entry>& entries, Filter filter = Filter::none) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  add_filter(a, filter);
  REQUIRE(archive_write_open(a, &out, nullptr, append_cb, nullptr) == ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_filetype(ae, e.dir ? AE_IFDIR : !e.symlink.empty() ? AE_IFLNK : AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    if (!e.symlink.empty()) archive_entry_set_symlink(ae, e.symlink.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(ae, e.hardlink.c_str());
    bool regular = !e.dir && e.symlink.empty() && e.hardlink.empty();
    archive_entry_set_size(ae, regular ? static_cast<la_int64_t>(e.data.size()) : 0);
    REQUIRE(archive_write_header(a, ae) == ARCHIVE_OK);
    if (regular && !e.data.empty())
      REQUIRE(archive_write_data(a, e.data.data(), e.data.size()) == static_cast<la_ssize_t>(e.data.size()));
    archive_entry_free(ae);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

std::string compress(const std::string& data, Filter f) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  add_filter(a, f);
  REQUIRE(archive_write_open(a, &out, nullptr, append_cb, nullptr) == ARCHIVE_OK);
  archive_entry* ae = archive_entry_new();
  archive_entry_set_filetype(ae, AE_IFREG);
  archive_entry_set_pathname(ae, "x");
  REQUIRE(archive_write_header(a, ae) == ARCHIVE_OK);
  REQUIRE(archive_write_data(a, data.data(), data.size()) == static_cast<la_ssize_t>(data.size()));
  archive_entry_free(ae);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// Members of a tar held in memory, in order, with their contents.
std::vector<std::pair<std::string, std::string>> members_of(const std::string& tar) {
  std::vector<std::pair<std::string, std::string>> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data(static_cast<std::size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) REQUIRE(archive_read_data(a, data.data(), data.size()) == (la_ssize_t)data.size());
    out.emplace_back(archive_entry_pathname(e), data);
  }
  archive_read_free(a);
  return out;
}

std::string layer(const std::string& file, const std::string& content) {
  return make_tar({{.name = file, .data = content}});
}

std::string config_for(const std::vector<std::string>& layers, const std::string& cmd = "sh") {
  json ids = json::array();
  for (const auto& l : layers) ids.push_back(Sha256::of(l).str());
  json c = {{"architecture", "amd64"},
            {"os", "linux"},
            {"config", {{"Cmd", {cmd}}}},
            {"rootfs", {{"type", "layers"}, {"diff_ids", ids}}}};
  return c.dump();
}

std::string hex(const std::string& bytes) { return Sha256::of(bytes).hex(); }

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

// Feeds `bytes` through a pipe (non-seekable, as the daemon sees it) from a writer thread.
std::vector<ArchivedImage> load(const std::string& bytes, const BlobStore& blobs) {
  ignore_sigpipe();
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::thread writer([&, w = p[1]] {
    std::string_view left = bytes;
    while (!left.empty()) {
      ssize_t n = ::write(w, left.data(), left.size());
      if (n <= 0) break;  // reader gone
      left.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(w);
  });
  try {
    auto out = read_image_archive(p[0], blobs);
    ::close(p[0]);
    writer.join();
    return out;
  } catch (...) {
    ::close(p[0]);
    writer.join();
    throw;
  }
}

// Runs write_image_archive into a pipe and returns what came out; with `discarded`, the bytes are only counted there
// (for timing without the cost of growing a string).
std::string save(const std::vector<ImageToSave>& images, ArchiveFormat f, bool gz, const BlobStore& blobs,
                 std::size_t* discarded = nullptr) {
  ignore_sigpipe();
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::string out;
  std::thread reader([&, r = p[0]] {
    std::vector<char> buf(1 << 20);
    for (ssize_t n; (n = ::read(r, buf.data(), buf.size())) > 0;) {
      if (discarded != nullptr)
        *discarded += static_cast<std::size_t>(n);
      else
        out.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(r);
  });
  try {
    write_image_archive(images, f, gz, blobs, p[1]);
  } catch (...) {
    ::close(p[1]);
    reader.join();
    throw;
  }
  ::close(p[1]);
  reader.join();
  return out;
}

// The store's record for an archived image, as the image service would make it.
Image record(const ArchivedImage& a) {
  Image img;
  img.id = a.config.hex();
  img.config_json = a.config_json;
  for (const auto& l : a.layers) {
    img.layers.push_back(ImageLayer{.diff_id = l.diff_id.str(),
                                    .blob_digest = l.blob.str(),
                                    .blob_media_type = l.media_type,
                                    .blob_size = l.blob_size});
  }
  return img;
}

Errc load_error(const std::string& bytes, const BlobStore& blobs, std::string* message = nullptr) {
  try {
    load(bytes, blobs);
  } catch (const Error& e) {
    if (message) *message = e.message();
    return e.code();
  }
  FAIL("expected an Error");
  return Errc::internal;
}

std::vector<std::string> diff_ids(const ArchivedImage& img) {
  std::vector<std::string> out;
  for (const auto& l : img.layers) out.push_back(l.diff_id.str());
  return out;
}

struct Fixture {
  TempDir box{"berth-archive"};
  BlobStore blobs{box.sub("store")};
  std::string l1 = layer("bin/a", "alpha");
  std::string l2 = layer("bin/b", std::string(300000, 'b'));
  std::string config = config_for({l1, l2});

  // podman save: "<diffid>.tar", "<config>.json", manifest.json (last here: members may come in any order).
  std::string podman_archive(const std::vector<std::string>& tags = {"localhost/foo:latest"}) const {
    json m = json::array(
        {{{"Config", hex(config) + ".json"}, {"RepoTags", tags}, {"Layers", {hex(l1) + ".tar", hex(l2) + ".tar"}}}});
    return make_tar({{.name = hex(l1) + ".tar", .data = l1},
                     {.name = hex(l2) + ".tar", .data = l2},
                     {.name = hex(config) + ".json", .data = config},
                     {.name = "manifest.json", .data = m.dump()}});
  }
  // Every file under the temp root: nothing may appear outside the store's blobs/ and ingest/.
  std::set<std::string> stray_files() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(box.path())) {
      std::string rel = fs::relative(e.path(), box.path()).string();
      if (rel == "store" || rel == "store/blobs" || rel == "store/blobs/sha256" || rel == "store/ingest") continue;
      if (rel.starts_with("store/blobs/sha256/") && Digest::valid("sha256:" + e.path().filename().string())) continue;
      out.insert(rel);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("podman-style docker-archive loads with names, layers and diff_ids", "[archive]") {
  Fixture f;
  auto images = load(f.podman_archive(), f.blobs);
  REQUIRE(images.size() == 1);
  const auto& img = images[0];
  CHECK(img.config == Sha256::of(f.config));
  CHECK(img.config_json == f.config);
  CHECK(img.names == std::vector<std::string>{"localhost/foo:latest"});
  CHECK(img.manifest_json.empty());
  REQUIRE(img.layers.size() == 2);
  CHECK(img.layers[0].diff_id == Sha256::of(f.l1));
  CHECK(img.layers[0].blob == Sha256::of(f.l1));
  CHECK(img.layers[0].media_type == kTar);
  CHECK(img.layers[1].blob_size == f.l2.size());
  CHECK(f.blobs.read(img.layers[1].blob) == f.l2);
  CHECK(f.blobs.has(img.config));
  CHECK(f.stray_files().empty());
}

TEST_CASE("legacy docker-archive with a symlinked duplicate layer", "[archive]") {
  Fixture f;
  std::string cfg = config_for({f.l1, f.l2, f.l1});
  json m = json::array({{{"Config", hex(cfg) + ".json"},
                         {"RepoTags", {"busybox:latest"}},
                         {"Layers", {"aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar"}}}});
  std::string tar = make_tar({{.name = "manifest.json", .data = m.dump()},
                              {.name = "repositories", .data = R"({"busybox":{"latest":"ccc"}})"},
                              {.name = "aaa", .dir = true},
                              {.name = "aaa/VERSION", .data = "1.0"},
                              {.name = "aaa/layer.tar", .data = f.l1},
                              {.name = "./bbb/layer.tar", .data = f.l2},
                              {.name = "ccc/layer.tar", .symlink = "../aaa/layer.tar"},
                              {.name = hex(cfg) + ".json", .data = cfg}});
  auto images = load(tar, f.blobs);
  REQUIRE(images.size() == 1);
  CHECK(images[0].names == std::vector<std::string>{"busybox:latest"});
  CHECK(diff_ids(images[0]) ==
        std::vector<std::string>{Sha256::of(f.l1).str(), Sha256::of(f.l2).str(), Sha256::of(f.l1).str()});
}

TEST_CASE("docker 25 archive (OCI layout with manifest.json) keeps the OCI manifest", "[archive]") {
  Fixture f;
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", Sha256::of(f.config).str()},
                     {"size", f.config.size()}}},
                   {"layers",
                    {{{"mediaType", kTar}, {"digest", Sha256::of(f.l1).str()}, {"size", f.l1.size()}},
                     {{"mediaType", kTar}, {"digest", Sha256::of(f.l2).str()}, {"size", f.l2.size()}}}}};
  std::string mj = manifest.dump();
  json index = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", Sha256::of(mj).str()},
         {"size", mj.size()},
         {"annotations",
          {{"io.containerd.image.name", "docker.io/library/foo:1"}, {"org.opencontainers.image.ref.name", "1"}}}}}}};
  json dm = json::array({{{"Config", "blobs/sha256/" + hex(f.config)},
                          {"RepoTags", {"foo:1"}},
                          {"Layers", {"blobs/sha256/" + hex(f.l1), "blobs/sha256/" + hex(f.l2)}}}});
  std::string tar = make_tar({{.name = "blobs/sha256/" + hex(f.l1), .data = f.l1},
                              {.name = "blobs/sha256/" + hex(f.l2), .data = f.l2},
                              {.name = "blobs/sha256/" + hex(f.config), .data = f.config},
                              {.name = "blobs/sha256/" + hex(mj), .data = mj},
                              {.name = "index.json", .data = index.dump()},
                              {.name = "manifest.json", .data = dm.dump()},
                              {.name = "oci-layout", .data = R"({"imageLayoutVersion":"1.0.0"})"}});
  auto images = load(tar, f.blobs);
  REQUIRE(images.size() == 1);
  CHECK(images[0].names == std::vector<std::string>{"foo:1"});
  CHECK(images[0].manifest_json == mj);
  CHECK(images[0].config == Sha256::of(f.config));
}

namespace {

struct OciImage {
  std::string config;
  std::vector<std::string> blobs;  // layer blobs as stored
  std::vector<std::string> types;
  std::string manifest;
};

OciImage oci_image(const std::vector<std::string>& plain, const std::vector<Filter>& filters, const std::string& cmd) {
  OciImage o{config_for(plain, cmd), {}, {}, {}};
  json layers = json::array();
  for (std::size_t i = 0; i < plain.size(); ++i) {
    std::string b = filters[i] == Filter::none ? plain[i] : compress(plain[i], filters[i]);
    std::string t = filters[i] == Filter::gzip ? kGzip : filters[i] == Filter::zstd ? kZstd : kTar;
    layers.push_back({{"mediaType", t}, {"digest", Sha256::of(b).str()}, {"size", b.size()}});
    o.blobs.push_back(b);
    o.types.push_back(t);
  }
  json m = {{"schemaVersion", 2},
            {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
            {"config",
             {{"mediaType", "application/vnd.oci.image.config.v1+json"},
              {"digest", Sha256::of(o.config).str()},
              {"size", o.config.size()}}},
            {"layers", layers}};
  o.manifest = m.dump();
  return o;
}

json descriptor(const OciImage& o, const std::string& name) {
  json d = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
            {"digest", Sha256::of(o.manifest).str()},
            {"size", o.manifest.size()}};
  if (!name.empty()) d["annotations"] = {{"org.opencontainers.image.ref.name", name}};
  return d;
}

std::vector<Entry> oci_entries(const std::vector<OciImage>& images, const json& index) {
  std::vector<Entry> out{{.name = "oci-layout", .data = R"({"imageLayoutVersion":"1.0.0"})"},
                         {.name = "index.json", .data = index.dump()},
                         {.name = "blobs", .dir = true},
                         {.name = "blobs/sha256", .dir = true}};
  for (const auto& o : images) {
    for (const auto& b : o.blobs) out.push_back({.name = "blobs/sha256/" + hex(b), .data = b});
    out.push_back({.name = "blobs/sha256/" + hex(o.config), .data = o.config});
    out.push_back({.name = "blobs/sha256/" + hex(o.manifest), .data = o.manifest});
  }
  return out;
}

}  // namespace

TEST_CASE("oci-archive with gzip and zstd layers", "[archive]") {
  Fixture f;
  OciImage o = oci_image({f.l1, f.l2}, {Filter::gzip, Filter::zstd}, "sh");
  json index = {{"schemaVersion", 2}, {"manifests", {descriptor(o, "docker.io/library/busybox:latest")}}};
  auto images = load(make_tar(oci_entries({o}, index)), f.blobs);
  REQUIRE(images.size() == 1);
  const auto& img = images[0];
  CHECK(img.names == std::vector<std::string>{"docker.io/library/busybox:latest"});
  CHECK(img.manifest_json == o.manifest);
  CHECK(img.manifest_media_type == "application/vnd.oci.image.manifest.v1+json");
  REQUIRE(img.layers.size() == 2);
  CHECK(img.layers[0].media_type == kGzip);
  CHECK(img.layers[1].media_type == kZstd);
  CHECK(img.layers[0].blob == Sha256::of(o.blobs[0]));
  CHECK(diff_ids(img) == std::vector<std::string>{Sha256::of(f.l1).str(), Sha256::of(f.l2).str()});
  CHECK(f.blobs.read(img.layers[1].blob) == o.blobs[1]);
}

TEST_CASE("multi-image archives return every image", "[archive]") {
  Fixture f;
  SECTION("oci index with two manifests, one of them named twice") {
    OciImage a = oci_image({f.l1}, {Filter::none}, "a");
    OciImage b = oci_image({f.l1, f.l2}, {Filter::none, Filter::gzip}, "b");
    json index = {{"schemaVersion", 2},
                  {"manifests",
                   {descriptor(a, "localhost/a:1"), descriptor(b, "localhost/b:1"), descriptor(a, "localhost/a:2")}}};
    auto images = load(make_tar(oci_entries({a, b}, index)), f.blobs);
    REQUIRE(images.size() == 2);
    CHECK(images[0].names == std::vector<std::string>{"localhost/a:1", "localhost/a:2"});
    CHECK(images[1].names == std::vector<std::string>{"localhost/b:1"});
    CHECK(images[1].layers.size() == 2);
  }
  SECTION("nested multi-platform index picks one manifest") {
    OciImage a = oci_image({f.l1}, {Filter::none}, "a");
    OciImage b = oci_image({f.l2}, {Filter::none}, "b");
    json nested = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.index.v1+json"},
                   {"manifests", {descriptor(a, ""), descriptor(b, "")}}};
    nested["manifests"][0]["platform"] = {{"os", "linux"}, {"architecture", "no-such-arch"}};
    std::string nj = nested.dump();
    json index = {{"schemaVersion", 2},
                  {"manifests",
                   {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                     {"digest", Sha256::of(nj).str()},
                     {"size", nj.size()},
                     {"annotations", {{"org.opencontainers.image.ref.name", "localhost/m:1"}}}}}}};
    auto entries = oci_entries({a, b}, index);
    entries.push_back({.name = "blobs/sha256/" + hex(nj), .data = nj});
    auto images = load(make_tar(entries), f.blobs);
    REQUIRE(images.size() == 1);
    CHECK(images[0].names == std::vector<std::string>{"localhost/m:1"});
  }
  SECTION("docker manifest.json with two entries, whole archive gzip") {
    std::string c2 = config_for({f.l2}, "two");
    json m = json::array({{{"Config", hex(f.config) + ".json"},
                           {"RepoTags", {"a:1"}},
                           {"Layers", {hex(f.l1) + ".tar", hex(f.l2) + ".tar"}}},
                          {{"Config", hex(c2) + ".json"}, {"RepoTags", nullptr}, {"Layers", {hex(f.l2) + ".tar"}}}});
    std::string tar = make_tar({{.name = "manifest.json", .data = m.dump()},
                                {.name = hex(f.l1) + ".tar", .data = f.l1},
                                {.name = hex(f.l2) + ".tar", .data = f.l2},
                                {.name = hex(f.config) + ".json", .data = f.config},
                                {.name = hex(c2) + ".json", .data = c2}},
                               Filter::gzip);
    auto images = load(tar, f.blobs);
    REQUIRE(images.size() == 2);
    CHECK(images[0].names == std::vector<std::string>{"a:1"});
    CHECK(images[1].names.empty());
    CHECK(images[1].config == Sha256::of(c2));
  }
}

TEST_CASE("round trip through every save format", "[archive]") {
  Fixture f;
  OciImage o = oci_image({f.l1, f.l2}, {Filter::gzip, Filter::none}, "sh");
  json index = {{"schemaVersion", 2}, {"manifests", {descriptor(o, "docker.io/library/busybox:latest")}}};
  auto loaded = load(make_tar(oci_entries({o}, index)), f.blobs);
  REQUIRE(loaded.size() == 1);
  Image img = record(loaded[0]);
  std::vector<std::string> names{"docker.io/library/busybox:latest", "localhost/foo:1"};
  std::vector<ImageToSave> save_list{{&img, names}};
  TempDir other_box("berth-archive-rt");
  BlobStore other(other_box.sub("store"));

  SECTION("docker-archive: manifest.json first, layers uncompressed, full names as podman writes them") {
    std::string out = save(save_list, ArchiveFormat::docker_archive, false, f.blobs);
    auto members = members_of(out);
    REQUIRE(members.size() == 4);
    CHECK(members[0].first == "manifest.json");
    json m = json::parse(members[0].second);
    CHECK(m[0]["RepoTags"] == json(names));
    CHECK(m[0]["Config"] == img.id + ".json");
    CHECK(members[2].second == f.l1);  // the gzip blob went out decompressed
    auto back = load(out, other);
    REQUIRE(back.size() == 1);
    CHECK(back[0].config == loaded[0].config);
    CHECK(diff_ids(back[0]) == diff_ids(loaded[0]));
    CHECK(back[0].layers[0].media_type == kTar);
    CHECK(back[0].names == names);
  }
  SECTION("oci-archive keeps blobs as they are; one index entry named by the first name") {
    std::string out = save(save_list, ArchiveFormat::oci_archive, false, f.blobs);
    auto back = load(out, other);
    REQUIRE(back.size() == 1);
    CHECK(back[0].config == loaded[0].config);
    CHECK(back[0].names == std::vector<std::string>{names[0]});
    CHECK(back[0].layers[0].blob == loaded[0].layers[0].blob);
    CHECK(back[0].layers[0].media_type == kGzip);
    CHECK(back[0].layers[1].media_type == kTar);
    CHECK(diff_ids(back[0]) == diff_ids(loaded[0]));
    CHECK(json::parse(back[0].manifest_json)["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json");
  }
  SECTION("oci-dir with compress gzips the plain layer; diff_ids stay") {
    std::string out = save(save_list, ArchiveFormat::oci_dir, true, f.blobs);
    auto back = load(out, other);
    REQUIRE(back.size() == 1);
    CHECK(back[0].layers[1].media_type == kGzip);
    CHECK(back[0].layers[1].blob != loaded[0].layers[1].blob);
    CHECK(diff_ids(back[0]) == diff_ids(loaded[0]));
    std::string gz = *other.read(back[0].layers[1].blob);
    CHECK(gz.substr(4, 4) == std::string(4, '\0'));  // no timestamp in the gzip header
    // Deterministic: the same save gives the same bytes.
    CHECK(save(save_list, ArchiveFormat::oci_dir, true, f.blobs) == out);
  }
  SECTION("docker-dir: version, bare-hex blobs and a v2s2 manifest") {
    std::string out = save(save_list, ArchiveFormat::docker_dir, false, f.blobs);
    auto members = members_of(out);
    std::map<std::string, std::string> by_name(members.begin(), members.end());
    CHECK(by_name.at("version") == "Directory Transport Version: 1.1\n");
    json m = json::parse(by_name.at("manifest.json"));
    CHECK(m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json");
    CHECK(m["config"]["digest"] == loaded[0].config.str());
    CHECK(by_name.at(img.id) == img.config_json);
    CHECK(m["layers"][0]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip");
    CHECK(m["layers"][1]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar");
    CHECK(by_name.at(loaded[0].layers[1].blob.hex()) == f.l2);
  }
  SECTION("two images sharing a layer write it once") {
    OciImage o2 = oci_image({f.l1}, {Filter::gzip}, "two");
    json index2 = {{"schemaVersion", 2}, {"manifests", {descriptor(o2, "localhost/two:1")}}};
    auto second = load(make_tar(oci_entries({o2}, index2)), f.blobs);
    Image img2 = record(second[0]);
    std::vector<ImageToSave> two{{&img, names}, {&img2, {"localhost/two:1"}}};
    std::string out = save(two, ArchiveFormat::docker_archive, false, f.blobs);
    CHECK(members_of(out).size() == 5);  // manifest.json, 2 configs, 2 distinct layers
    auto back = load(out, other);
    REQUIRE(back.size() == 2);
    CHECK(back[1].names == std::vector<std::string>{"localhost/two:1"});
  }
}

TEST_CASE("hostile and broken archives are refused, nothing lands outside the store", "[archive]") {
  Fixture f;
  std::string msg;
  auto manifest_with = [&](const std::string& layer_path) {
    return json::array({{{"Config", hex(f.config) + ".json"},
                         {"RepoTags", {"x:1"}},
                         {"Layers", {hex(f.l1) + ".tar", layer_path}}}})
        .dump();
  };
  std::vector<Entry> good{{.name = hex(f.l1) + ".tar", .data = f.l1},
                          {.name = hex(f.l2) + ".tar", .data = f.l2},
                          {.name = hex(f.config) + ".json", .data = f.config}};
  auto with = [&](std::vector<Entry> extra, const std::string& layer_path) {
    std::vector<Entry> all = good;
    all.insert(all.end(), extra.begin(), extra.end());
    all.push_back({.name = "manifest.json", .data = manifest_with(layer_path)});
    return make_tar(all);
  };

  SECTION("dot-dot member") {
    CHECK(load_error(with({{.name = "../../etc/x", .data = "pwned"}}, hex(f.l2) + ".tar"), f.blobs, &msg) ==
          Errc::invalid_argument);
    CHECK(msg.find("archive member \"../../etc/x\"") != std::string::npos);
  }
  SECTION("absolute member") {
    CHECK(load_error(with({{.name = "/tmp/berth-pwned", .data = "pwned"}}, hex(f.l2) + ".tar"), f.blobs) ==
          Errc::invalid_argument);
    CHECK(!fs::exists("/tmp/berth-pwned"));
  }
  SECTION("symlinked layer pointing out of the archive") {
    CHECK(load_error(with({{.name = "evil/layer.tar", .symlink = "../../../etc/passwd"}}, "evil/layer.tar"), f.blobs,
                     &msg) == Errc::invalid_argument);
    CHECK(msg.find("archive member \"evil/layer.tar\"") != std::string::npos);
    CHECK(load_error(with({{.name = "evil.tar", .symlink = "/etc/passwd"}}, "evil.tar"), f.blobs) ==
          Errc::invalid_argument);
  }
  SECTION("symlink loop") {
    CHECK(load_error(with({{.name = "a.tar", .symlink = "b.tar"}, {.name = "b.tar", .symlink = "a.tar"}}, "a.tar"),
                     f.blobs) == Errc::invalid_argument);
  }
  SECTION("hardlinked layer resolves inside the archive") {
    auto images = load(with({{.name = "h/layer.tar", .hardlink = hex(f.l2) + ".tar"}}, "h/layer.tar"), f.blobs);
    CHECK(images.at(0).layers.at(1).diff_id == Sha256::of(f.l2));
  }
  SECTION("missing layer member") {
    CHECK(load_error(with({}, "nope.tar"), f.blobs, &msg) == Errc::invalid_argument);
    CHECK(msg.find("archive member \"nope.tar\": missing") != std::string::npos);
  }
  SECTION("truncated stream") {
    std::string tar = f.podman_archive();
    CHECK(load_error(tar.substr(0, 512 + f.l1.size() / 2), f.blobs) == Errc::invalid_argument);
    CHECK(load_error(tar.substr(0, tar.size() / 2 + 100), f.blobs) == Errc::invalid_argument);
    std::string gz = compress(tar, Filter::gzip);
    CHECK(load_error(gz.substr(0, gz.size() / 2), f.blobs) == Errc::invalid_argument);
    // Cut inside a gzip layer, while its decompressed digest is being computed.
    OciImage o = oci_image({f.l2}, {Filter::gzip}, "sh");
    json index = {{"schemaVersion", 2}, {"manifests", {descriptor(o, "x:1")}}};
    std::string oci = make_tar(oci_entries({o}, index));
    std::size_t at = oci.find(o.blobs[0]);
    REQUIRE(at != std::string::npos);
    CHECK(load_error(oci.substr(0, at + o.blobs[0].size() / 2), f.blobs, &msg) == Errc::invalid_argument);
    CHECK(msg.find("archive member \"blobs/sha256/" + hex(o.blobs[0]) + "\"") != std::string::npos);
  }
  SECTION("blob whose content does not match its name") {
    OciImage o = oci_image({f.l1}, {Filter::none}, "sh");
    json index = {{"schemaVersion", 2}, {"manifests", {descriptor(o, "x:1")}}};
    auto entries = oci_entries({o}, index);
    for (auto& e : entries) {
      if (e.name == "blobs/sha256/" + hex(f.l1)) e.data = f.l2;
    }
    CHECK(load_error(make_tar(entries), f.blobs, &msg) == Errc::invalid_argument);
    CHECK(msg.find("archive member \"blobs/sha256/" + hex(f.l1) + "\"") != std::string::npos);
  }
  SECTION("layer that does not match the config's diff_ids") {
    std::string wrong = config_for({f.l1, f.l1});
    json m = json::array({{{"Config", "c.json"}, {"Layers", {hex(f.l1) + ".tar", hex(f.l2) + ".tar"}}}});
    std::vector<Entry> all = good;
    all.push_back({.name = "c.json", .data = wrong});
    all.push_back({.name = "manifest.json", .data = m.dump()});
    CHECK(load_error(make_tar(all), f.blobs, &msg) == Errc::invalid_argument);
    CHECK(msg.find("archive member \"" + hex(f.l2) + ".tar\"") != std::string::npos);
  }
  SECTION("corrupt gzip layer") {
    std::string gz = compress(f.l2, Filter::gzip);
    gz[gz.size() / 2] ^= 0x55;
    std::vector<Entry> all = good;
    all.push_back({.name = "bad.tar.gz", .data = gz});
    all.push_back({.name = "manifest.json", .data = manifest_with("bad.tar.gz")});
    CHECK(load_error(make_tar(all), f.blobs) == Errc::invalid_argument);
  }
  SECTION("no manifest, garbage, empty input, bad JSON") {
    CHECK(load_error(make_tar(good), f.blobs, &msg) == Errc::invalid_argument);
    CHECK(msg.find("neither manifest.json nor index.json") != std::string::npos);
    CHECK(load_error(std::string(100000, 'x'), f.blobs) == Errc::invalid_argument);
    CHECK(load_error("", f.blobs) == Errc::invalid_argument);
    std::vector<Entry> all = good;
    all.push_back({.name = "manifest.json", .data = "{not json"});
    CHECK(load_error(make_tar(all), f.blobs) == Errc::invalid_argument);
  }
  CHECK(f.stray_files().empty());
}

TEST_CASE("saving to a pipe whose reader went away fails as unavailable", "[archive]") {
  Fixture f;
  auto loaded = load(f.podman_archive(), f.blobs);
  Image img = record(loaded[0]);
  ignore_sigpipe();
  int p[2];
  REQUIRE(::pipe(p) == 0);
  ::close(p[0]);
  try {
    write_image_archive({{&img, {}}}, ArchiveFormat::docker_archive, false, f.blobs, p[1]);
    FAIL("expected an Error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::unavailable);
    CHECK(std::string(e.what()) == "client went away");
  }
  ::close(p[1]);
}

TEST_CASE("archive throughput, 100 MB one-layer image (printed)", "[archive][.throughput]") {
  Fixture f;
  // Incompressible-looking content is irrelevant to sha256 and copies; a cheap xorshift fill keeps setup short.
  std::string big(100 << 20, '\0');
  std::uint64_t x = 88172645463325252ull;
  for (std::size_t i = 0; i + 8 <= big.size(); i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::memcpy(&big[i], &x, 8);
  }
  std::string lyr = layer("big", big);
  big.clear();
  big.shrink_to_fit();
  std::string cfg = config_for({lyr});
  json m = json::array({{{"Config", hex(cfg) + ".json"}, {"RepoTags", {"big:1"}}, {"Layers", {hex(lyr) + ".tar"}}}});
  std::string tar = make_tar({{.name = "manifest.json", .data = m.dump()},
                              {.name = hex(cfg) + ".json", .data = cfg},
                              {.name = hex(lyr) + ".tar", .data = lyr}});
  auto secs = [](auto t0) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double mb = static_cast<double>(tar.size()) / 1e6;

  auto t0 = std::chrono::steady_clock::now();
  auto images = load(tar, f.blobs);
  double read_s = secs(t0);
  REQUIRE(images.size() == 1);
  Image img = record(images[0]);
  t0 = std::chrono::steady_clock::now();
  std::size_t out = 0, oci = 0;
  save({{&img, {"docker.io/library/big:1"}}}, ArchiveFormat::docker_archive, false, f.blobs, &out);
  double write_s = secs(t0);
  t0 = std::chrono::steady_clock::now();
  save({{&img, {}}}, ArchiveFormat::oci_archive, false, f.blobs, &oci);
  double oci_s = secs(t0);
  CHECK(out >= lyr.size());
  CHECK(oci >= lyr.size());
  std::printf("archive read (load) %.0f MB in %.3f s: %.0f MB/s\n", mb, read_s, mb / read_s);
  std::printf("archive write docker-archive: %.0f MB/s; oci-archive: %.0f MB/s\n", mb / write_s, mb / oci_s);
}
