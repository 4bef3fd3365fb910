// core/images: sha256 vectors, Digest parsing, BlobStore put/read/remove, streaming writer, ingest hygiene.
#include "core/images/blob_store.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/temp_dir.hpp"

using berth::core::Errc;
using berth::core::Error;
using berth::core::images::BlobStore;
using berth::core::images::BlobWriter;
using berth::core::images::Digest;
using berth::core::images::Sha256;
using berth::test::TempDir;

using berth::test::code_of;
using berth::test::error_of;

namespace {

constexpr const char* kEmpty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::size_t count_files(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sha256 known vectors", "[blobs]") {
  CHECK(Sha256::of("").str() == kEmpty);
  CHECK(Sha256::of("abc").str() == kAbc);
  Sha256 h;
  h.update("a");
  h.update("");
  h.update("bc");
  CHECK(h.finish().str() == kAbc);
  // finish() resets, so the hasher can be reused.
  CHECK(h.finish().str() == kEmpty);
}

TEST_CASE("digest parsing", "[blobs]") {
  Digest d = Digest::parse(kAbc);
  CHECK(d.str() == kAbc);
  CHECK(d.hex() == std::string(kAbc).substr(7));
  CHECK(d.algorithm() == "sha256");
  CHECK(Digest::from_hex(d.hex()) == d);
  for (const char* bad :
       {"", "sha256:", "sha256:abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
        "sha256:../../../../etc/passwd00000000000000000000000000000000000000000",
        "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}) {
    INFO(bad);
    CHECK_FALSE(Digest::valid(bad));
    CHECK(code_of([&] { Digest::parse(bad); }) == Errc::invalid_argument);
  }
  CHECK(code_of([] { Digest::from_hex("xyz"); }) == Errc::invalid_argument);
}

TEST_CASE("put, has, read, size, open, remove", "[blobs]") {
  TempDir tmp;
  BlobStore store(tmp.path());
  Digest d = store.put("abc");
  CHECK(d.str() == kAbc);
  CHECK(store.has(d));
  CHECK(store.path(d) == tmp.path() + "/blobs/sha256/" + d.hex());
  CHECK(store.read(d) == std::optional<std::string>("abc"));
  CHECK(store.size(d) == 3);
  CHECK(store.open(d));

  // Re-putting existing content is idempotent and leaves no ingest debris.
  CHECK(store.put("abc") == d);
  CHECK(store.read(d) == std::optional<std::string>("abc"));
  CHECK(count_files(tmp.sub("ingest")) == 0);

  store.remove(d);
  CHECK_FALSE(store.has(d));
  CHECK(store.read(d) == std::nullopt);
  CHECK(code_of([&] { store.size(d); }) == Errc::not_found);
  CHECK(code_of([&] { store.open(d); }) == Errc::not_found);
  store.remove(d);  // removing an absent blob is fine

  Digest e = store.put("");
  CHECK(e.str() == kEmpty);
  CHECK(store.size(e) == 0);
  CHECK(store.read(e) == std::optional<std::string>(""));
}

TEST_CASE("streaming writer equals one-shot digest", "[blobs]") {
  TempDir tmp;
  BlobStore store(tmp.path());
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + i % 26);
  BlobWriter w = store.writer();
  for (std::size_t off = 0; off < data.size(); off += 7777) w.write(std::string_view(data).substr(off, 7777));
  CHECK(w.size() == data.size());
  Digest d = w.commit(Sha256::of(data));
  CHECK(d == Sha256::of(data));
  CHECK(store.read(d) == data);
  CHECK(count_files(tmp.sub("ingest")) == 0);
  CHECK(code_of([&] { w.write("x"); }) == Errc::internal);
}

TEST_CASE("digest mismatch leaves no blob and no ingest file", "[blobs]") {
  TempDir tmp;
  BlobStore store(tmp.path());
  BlobWriter w = store.writer();
  w.write("abc");
  try {
    w.commit(Digest::parse(kEmpty));
    FAIL("expected a mismatch");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.message() == std::string("digest mismatch: expected ") + kEmpty + ", got " + kAbc);
  }
  CHECK_FALSE(store.has(Digest::parse(kAbc)));
  CHECK(count_files(tmp.sub("ingest")) == 0);
  CHECK(count_files(tmp.sub("blobs/sha256")) == 0);
}

TEST_CASE("abandoned writer leaves nothing", "[blobs]") {
  TempDir tmp;
  BlobStore store(tmp.path());
  {
    BlobWriter w = store.writer();
    w.write("partial");
    CHECK(count_files(tmp.sub("ingest")) == 1);
    BlobWriter moved = std::move(w);  // the temp file follows the move and is removed once
    moved.write(" more");
  }
  CHECK(count_files(tmp.sub("ingest")) == 0);
  CHECK(count_files(tmp.sub("blobs/sha256")) == 0);
}

TEST_CASE("sweep removes stale ingest files", "[blobs]") {
  TempDir tmp;
  tmp.write("ingest/blob-stale1", "x");
  tmp.write("ingest/blob-stale2", "y");
  BlobStore store(tmp.path());
  Digest d = store.put("keep");
  CHECK(store.sweep_ingest() == 2);
  CHECK(count_files(tmp.sub("ingest")) == 0);
  CHECK(store.has(d));
  CHECK(store.sweep_ingest() == 0);
}
