// BlobLocations: where registries hold blobs, per registry (mirror path included), newest first, bounded, and
// kept across a restart.
#include "core/images/blob_locations.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "core/images/digest.hpp"
#include "core/store/store.hpp"
#include "tests/support/temp_dir.hpp"

using berth::core::images::BlobLocations;
using berth::core::images::Sha256;
using berth::core::registry::Endpoint;
using berth::test::TempDir;

TEST_CASE("blob locations: newest first, per registry, at most eight kept, durable", "[images]") {
  TempDir tmp;
  std::optional<berth::core::store::Store> store;
  store.emplace(tmp.sub("root"));
  auto blob = Sha256::of("layer bytes");
  auto other = Sha256::of("other bytes");
  Endpoint reg{.host = "127.0.0.1:5000"};
  Endpoint mirror{.host = "127.0.0.1:5000", .path = "mirror"};
  {
    BlobLocations loc(*store);
    CHECK(loc.repos(blob, reg, 5).empty());
    loc.record(blob, reg, "team/a");
    loc.record(blob, reg, "team/b");
    loc.record(blob, mirror, "library/x");
    loc.record(other, reg, "team/c");
    CHECK(loc.repos(blob, reg, 5) == std::vector<std::string>{"team/b", "team/a"});
    CHECK(loc.repos(blob, mirror, 5) == std::vector<std::string>{"library/x"});
    CHECK(loc.repos(blob, Endpoint{.host = "127.0.0.1:5001"}, 5).empty());
    // Seen again: it moves to the front.
    loc.record(blob, reg, "team/a");
    CHECK(loc.repos(blob, reg, 1) == std::vector<std::string>{"team/a"});
    for (int i = 0; i < 20; ++i) loc.record(blob, reg, "many/r" + std::to_string(i));
    auto kept = loc.repos(blob, reg, 100);
    REQUIRE(kept.size() == 8);
    CHECK(kept.front() == "many/r19");
    CHECK(kept.back() == "many/r12");
  }
  store.reset();
  store.emplace(tmp.sub("root"));
  BlobLocations reopened(*store);
  CHECK(reopened.repos(blob, reg, 1) == std::vector<std::string>{"many/r19"});
  CHECK(reopened.repos(other, reg, 5) == std::vector<std::string>{"team/c"});
}
