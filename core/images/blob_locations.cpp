// BlobLocations on the blob_locations table (schema v4).
#include "core/images/blob_locations.hpp"

#include "core/log.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

constexpr int kKeptPerBlob = 8;

// A mirror's path prefix is part of where the repository lives.
std::string registry_key(const registry::Endpoint& e) { return e.path.empty() ? e.host : e.host + "/" + e.path; }

}  // namespace

void BlobLocations::record(const Digest& digest, const registry::Endpoint& registry,
                           const std::string& repo) const noexcept {
  try {
    std::string key = registry_key(registry);
    store_.write([&](store::Db& db) {
      auto up = db.prepare(
          "INSERT INTO blob_locations(digest, registry, repo, seen) VALUES(?1, ?2, ?3, ?4) "
          "ON CONFLICT(digest, registry, repo) DO UPDATE SET seen = excluded.seen");
      up->bind_text(1, digest.str()).bind_text(2, key).bind_text(3, repo).bind_int64(4, now_ns());
      up->run();
      auto trim = db.prepare(
          "DELETE FROM blob_locations WHERE digest = ?1 AND registry = ?2 AND repo NOT IN "
          "(SELECT repo FROM blob_locations WHERE digest = ?1 AND registry = ?2 ORDER BY seen DESC LIMIT ?3)");
      trim->bind_text(1, digest.str()).bind_text(2, key).bind_int64(3, kKeptPerBlob);
      trim->run();
    });
  } catch (const std::exception& e) {
    log::warn("blob locations: cannot record " + digest.str() + ": " + e.what());
  }
}

std::vector<std::string> BlobLocations::repos(const Digest& digest, const registry::Endpoint& registry,
                                              std::size_t limit) const {
  return store_.read([&](store::Db& db) {
    auto st =
        db.prepare("SELECT repo FROM blob_locations WHERE digest = ?1 AND registry = ?2 ORDER BY seen DESC LIMIT ?3");
    st->bind_text(1, digest.str()).bind_text(2, registry_key(registry)).bind_int64(3, static_cast<std::int64_t>(limit));
    std::vector<std::string> out;
    while (st->step()) out.push_back(st->column_text(0));
    return out;
  });
}

}  // namespace berth::core::images
