// Layer extraction: metadata, whiteouts, compression, and hostile archives that must never write outside dest.
#include "core/images/layer_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/sys/safe_path.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using berth::core::Errc;
using berth::core::Error;
using berth::core::images::extract_layer_file;
using berth::core::images::ExtractOptions;
using berth::core::images::LayerStats;
using berth::test::TempDir;
namespace fs = std::filesystem;

struct Entry {
  std::string name;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;
  std::string symlink;   // target, for AE_IFLNK
  std::string hardlink;  // target, makes this a hardlink entry
  int64_t uid = 0, gid = 0;
  time_t mtime = 1000000000;
  long mtime_nsec = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
  unsigned rmajor = 0, rminor = 0;
};

enum class Filter { none, gzip, zstd };

la_ssize_t append_cb(archive*, void* out, const void* buf, size_t len) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

// Builds a pax tar in memory, as a registry layer would be. Returns "" if the filter is unavailable.
std::string make_tar(const std::vector<Entry>& entries, Filter filter = Filter::none) {
  std::string out;
  archive* a = archive_write_new();
  // Full pax: pax_restricted drops nanosecond mtimes unless some other field forces an extended header.
  archive_write_set_format_pax(a);
  // No zero padding after the compressed stream: zstd readers take it for a bad frame.
  archive_write_set_bytes_in_last_block(a, 1);
  int fr = ARCHIVE_OK;
  if (filter == Filter::gzip) fr = archive_write_add_filter_gzip(a);
  if (filter == Filter::zstd) fr = archive_write_add_filter_zstd(a);
  if (fr != ARCHIVE_OK) {
    archive_write_free(a);
    return "";
  }
  REQUIRE(archive_write_open(a, &out, nullptr, append_cb, nullptr) == ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_filetype(ae, e.type);
    archive_entry_set_perm(ae, e.perm);
    archive_entry_set_uid(ae, e.uid);
    archive_entry_set_gid(ae, e.gid);
    archive_entry_set_mtime(ae, e.mtime, e.mtime_nsec);
    if (!e.symlink.empty()) archive_entry_set_symlink(ae, e.symlink.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(ae, e.hardlink.c_str());
    if (e.type == AE_IFCHR || e.type == AE_IFBLK) {
      archive_entry_set_rdevmajor(ae, e.rmajor);
      archive_entry_set_rdevminor(ae, e.rminor);
    }
    for (const auto& [k, v] : e.xattrs) archive_entry_xattr_add_entry(ae, k.c_str(), v.data(), v.size());
    archive_entry_set_size(ae, e.type == AE_IFREG && e.hardlink.empty() ? static_cast<la_int64_t>(e.data.size()) : 0);
    REQUIRE(archive_write_header(a, ae) == ARCHIVE_OK);
    if (!e.data.empty()) REQUIRE(archive_write_data(a, e.data.data(), e.data.size()) == (la_ssize_t)e.data.size());
    archive_entry_free(ae);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// One hand-made ustar header claiming `octal_size` bytes, with no data behind it: what a tar bomb's header looks
// like without having to produce the bytes.
std::string lying_header(const std::string& name, const std::string& octal_size) {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 7, "0000644");
  h.replace(108, 7, "0000000");
  h.replace(116, 7, "0000000");
  h.replace(124, octal_size.size(), octal_size);
  h.replace(136, 11, "00000000000");
  h[156] = '0';
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  h.replace(148, 7, std::string(chk, 6) + '\0');
  return h + std::string(1024, '\0');
}

// A layer test: the archive lives in its own temp dir; dest is the only child of `box`, so anything escaping dest
// shows up as a sibling.
struct Fixture {
  TempDir scratch{"berth-layer-src"};
  TempDir box{"berth-layer-box"};
  std::string dest = box.sub("dest");
  Fixture() { fs::create_directory(dest); }

  LayerStats extract(const std::string& tar, const ExtractOptions& opts = {}) {
    std::string path = scratch.sub("layer.tar");
    std::ofstream(path, std::ios::binary) << tar;
    return extract_layer_file(path, dest, opts);
  }
  std::string at(const std::string& rel) const { return dest + "/" + rel; }
  std::set<std::string> siblings() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(box.path())) out.insert(e.path().filename().string());
    return out;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string get_xattr(const std::string& path, const std::string& key) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), key.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<none>") : std::string(buf, static_cast<size_t>(n));
}

// Extraction must fail with `code`, naming `entry`, and leave nothing next to dest.
void expect_failure(Fixture& f, const std::string& tar, const std::string& entry, Errc code = Errc::invalid_argument,
                    const ExtractOptions& opts = {}) {
  try {
    f.extract(tar, opts);
    FAIL("extraction succeeded");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(e.code() == code);
    CHECK(std::string(e.what()).find("layer entry \"" + entry + "\"") != std::string::npos);
  }
  CHECK(f.siblings() == std::set<std::string>{"dest"});
}

}  // namespace

TEST_CASE("extract keeps files, modes, owners, times, xattrs, links and nodes", "[layers]") {
  Fixture f;
  std::vector<Entry> entries = {
      {.name = "etc/conf", .data = "x=1\n"},
      // The directory's entry arrives after a child created it implicitly.
      {.name = "etc/", .type = AE_IFDIR, .perm = 0750, .uid = 7, .gid = 8, .mtime = 1500000000, .mtime_nsec = 42},
      {.name = "usr/bin/tool",
       .perm = 04755,
       .data = "hello",
       .uid = 1000,
       .gid = 1001,
       .mtime = 1234567890,
       .mtime_nsec = 123456789,
       .xattrs = {{"user.note", "bar"}}},
      {.name = "usr/bin/tool2", .hardlink = "usr/bin/tool"},
      {.name = "usr/bin/sh", .type = AE_IFLNK, .perm = 0777, .symlink = "/bin/busybox", .uid = 5, .gid = 6},
      {.name = "run/fifo", .type = AE_IFIFO, .perm = 0620},
      {.name = "dev/null", .type = AE_IFCHR, .perm = 0666, .rmajor = 1, .rminor = 3},
  };
  LayerStats stats = f.extract(make_tar(entries));
  CHECK(stats.entries == 7);
  CHECK(stats.files == 2);
  CHECK(stats.bytes == 9);
  CHECK(stats.dirs == 1);
  CHECK(stats.hardlinks == 1);
  CHECK(stats.symlinks == 1);
  CHECK(stats.devices == 2);

  CHECK(slurp(f.at("etc/conf")) == "x=1\n");
  struct stat etc = lstat_of(f.at("etc"));
  CHECK(S_ISDIR(etc.st_mode));
  CHECK((etc.st_mode & 07777) == 0750);
  CHECK(etc.st_uid == 7);
  CHECK(etc.st_gid == 8);
  CHECK(etc.st_mtim.tv_sec == 1500000000);  // applied after the child was written
  CHECK(etc.st_mtim.tv_nsec == 42);

  struct stat tool = lstat_of(f.at("usr/bin/tool"));
  CHECK(slurp(f.at("usr/bin/tool")) == "hello");
  CHECK((tool.st_mode & 07777) == 04755);  // setuid survives the chown
  CHECK(tool.st_uid == 1000);
  CHECK(tool.st_gid == 1001);
  CHECK(tool.st_mtim.tv_sec == 1234567890);
  CHECK(tool.st_mtim.tv_nsec == 123456789);
  CHECK(get_xattr(f.at("usr/bin/tool"), "user.note") == "bar");
  CHECK(lstat_of(f.at("usr/bin/tool2")).st_ino == tool.st_ino);

  struct stat sh = lstat_of(f.at("usr/bin/sh"));
  CHECK(S_ISLNK(sh.st_mode));
  CHECK(sh.st_uid == 5);
  CHECK(fs::read_symlink(f.at("usr/bin/sh")) == "/bin/busybox");

  struct stat fifo = lstat_of(f.at("run/fifo"));
  CHECK(S_ISFIFO(fifo.st_mode));
  CHECK((fifo.st_mode & 07777) == 0620);
  struct stat null = lstat_of(f.at("dev/null"));
  CHECK(S_ISCHR(null.st_mode));
  CHECK(major(null.st_rdev) == 1);
  CHECK(minor(null.st_rdev) == 3);
}

TEST_CASE("whiteouts become 0:0 char devices and opaque xattrs", "[layers]") {
  Fixture f;
  std::vector<Entry> entries = {
      {.name = "a/sub/", .type = AE_IFDIR, .perm = 0755},
      {.name = "a/sub/file", .data = "gone soon"},
      {.name = "a/.wh.sub"},
      {.name = "a/.wh.lower"},  // hides a file from a lower layer: nothing to remove here
      {.name = "b/keep", .data = "k"},
      {.name = "b/.wh..wh..opq"},
  };
  LayerStats stats = f.extract(make_tar(entries));
  CHECK(stats.whiteouts == 3);
  for (const char* name : {"a/sub", "a/lower"}) {
    struct stat st = lstat_of(f.at(name));
    CHECK(S_ISCHR(st.st_mode));
    CHECK(st.st_rdev == makedev(0, 0));
  }
  CHECK(get_xattr(f.at("b"), "trusted.overlay.opaque") == "y");
  CHECK(slurp(f.at("b/keep")) == "k");
  for (const auto& e : fs::recursive_directory_iterator(f.dest))
    CHECK(e.path().filename().string().rfind(".wh.", 0) == std::string::npos);
}

TEST_CASE("compressed layers are detected from the stream", "[layers]") {
  for (Filter filter : {Filter::gzip, Filter::zstd}) {
    Fixture f;
    std::string tar = make_tar({{.name = "hello.txt", .data = "compressed hello"}}, filter);
    if (tar.empty()) continue;  // libarchive built without this writer
    CHECK(f.extract(tar).files == 1);
    CHECK(slurp(f.at("hello.txt")) == "compressed hello");
  }
}

TEST_CASE("hostile layers stay inside dest", "[layers]") {
  Fixture f;

  SECTION("a .. entry is refused") {
    expect_failure(f, make_tar({{.name = "../evil", .data = "x"}}), "../evil");
    CHECK_FALSE(exists(f.box.sub("evil")));
  }

  SECTION("an absolute path lands inside") {
    f.extract(make_tar({{.name = "/abs/path", .data = "inside"}}));
    CHECK(slurp(f.at("abs/path")) == "inside");
    CHECK(f.siblings() == std::set<std::string>{"dest"});
  }

  SECTION("a symlink to / is resolved in the layer root") {
    std::string before = slurp("/etc/passwd");
    f.extract(
        make_tar({{.name = "link", .type = AE_IFLNK, .symlink = "/"}, {.name = "link/etc/passwd", .data = "pwned"}}));
    CHECK(slurp("/etc/passwd") == before);
    CHECK(slurp(f.at("etc/passwd")) == "pwned");
    CHECK(fs::read_symlink(f.at("link")) == "/");
    CHECK(f.siblings() == std::set<std::string>{"dest"});
  }

  SECTION("a symlink climbing with .. is clamped at the layer root") {
    f.extract(make_tar({{.name = "etc/", .type = AE_IFDIR, .perm = 0755},
                        {.name = "up", .type = AE_IFLNK, .symlink = "../../.."},
                        {.name = "up/escaped", .data = "no"},
                        {.name = "deep/x", .type = AE_IFLNK, .symlink = "../../../../etc"},
                        {.name = "deep/x/escaped2", .data = "no"}}));
    CHECK(f.siblings() == std::set<std::string>{"dest"});
    CHECK(slurp(f.at("escaped")) == "no");
    CHECK(slurp(f.at("etc/escaped2")) == "no");
    CHECK_FALSE(exists("/etc/escaped2"));
  }

  SECTION("a dangling symlink used as a directory fails without following it out") {
    expect_failure(
        f, make_tar({{.name = "x", .type = AE_IFLNK, .symlink = "../../../tmp"}, {.name = "x/escaped", .data = "no"}}),
        "x/escaped");
    CHECK_FALSE(exists("/tmp/escaped"));
  }

  SECTION("a hardlink to a host file is confined") {
    struct stat before {};
    bool have_shadow = ::lstat("/etc/shadow", &before) == 0;
    expect_failure(f, make_tar({{.name = "stolen", .hardlink = "/etc/shadow"}}), "stolen");
    if (have_shadow) CHECK(lstat_of("/etc/shadow").st_nlink == before.st_nlink);
    CHECK_FALSE(exists(f.at("stolen")));
  }

  SECTION("a hardlink through a symlink to / stays inside") {
    struct stat before {};
    bool have_shadow = ::lstat("/etc/shadow", &before) == 0;
    expect_failure(f,
                   make_tar({{.name = "root", .type = AE_IFLNK, .symlink = "/"},
                             {.name = "stolen", .hardlink = "root/etc/shadow"}}),
                   "stolen");
    if (have_shadow) CHECK(lstat_of("/etc/shadow").st_nlink == before.st_nlink);
  }

  SECTION("a truncated gzip stream names the entry it broke in") {
    std::string big;
    uint32_t x = 12345;
    for (int i = 0; i < 256 * 1024; ++i) {  // incompressible, so the cut lands inside this file's data
      x = x * 1103515245 + 12345;
      big += static_cast<char>(x >> 24);
    }
    std::string tar = make_tar({{.name = "big.bin", .data = big}}, Filter::gzip);
    expect_failure(f, tar.substr(0, tar.size() / 2), "big.bin");
  }

  SECTION("a size over the limit fails before the file is written") {
    ExtractOptions opts;
    opts.max_bytes = 1000;
    std::string tar =
        make_tar({{.name = "small", .data = std::string(600, 'a')}, {.name = "second", .data = std::string(600, 'b')}});
    expect_failure(f, tar, "second", Errc::too_large, opts);
    CHECK(exists(f.at("small")));
    CHECK_FALSE(exists(f.at("second")));
  }

  SECTION("a huge size claim fails before anything is written") {
    ExtractOptions opts;
    opts.max_bytes = 1 << 20;
    expect_failure(f, lying_header("bomb", "77777777777"), "bomb", Errc::too_large, opts);
    CHECK_FALSE(exists(f.at("bomb")));
  }

  SECTION("a whiteout of .. is refused") { expect_failure(f, make_tar({{.name = "a/.wh..", .data = ""}}), "a/.wh.."); }
}

TEST_CASE("safe_path resolves everything inside the root", "[layers]") {
  using namespace berth::core::sys;
  TempDir box("berth-safe-path");
  std::string root_dir = box.sub("root");
  fs::create_directory(root_dir);
  Fd root = open_root(root_dir);
  fs::create_directory_symlink("/", root_dir + "/host");

  // "/etc/passwd" and "../../etc/passwd" both mean <root>/etc/passwd, which does not exist.
  CHECK_FALSE(try_open_in_root(root.get(), "host/etc/passwd", O_RDONLY));
  CHECK_FALSE(try_open_in_root(root.get(), "../../etc/passwd", O_RDONLY));
  CHECK_THROWS_AS(split_rel("a/../b"), Error);
  CHECK(join_rel(split_rel("/a//./b/")) == "a/b");

  mkdir_in_root(root.get(), "host/new/dir");
  CHECK(fs::is_directory(root_dir + "/new/dir"));
  CHECK_FALSE(exists("/new"));

  ParentRef ref = open_parent_in_root(root.get(), "host/new/dir/file", false);
  CHECK(ref.name == "file");
  CHECK(set_xattr_at(ref.dir.get(), "", "user.k", "v", 1) == 0);
  CHECK(get_xattr(root_dir + "/new/dir", "user.k") == "v");
  CHECK(remove_all_at(root.get(), "new"));
  CHECK_FALSE(remove_all_at(root.get(), "new"));
  CHECK(exists(root_dir + "/host"));
}
