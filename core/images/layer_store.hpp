// LayerStore: extracted layers at $ROOT/layers/<dir_id>/diff, one per chain ID, with crash-safe commit and removal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/db.hpp"
#include "core/store/store.hpp"

namespace berth::core::images {

class LayerStore;

// A layer extracted into $ROOT/layers/tmp-<random>/diff and not yet committed. Dropping it removes the directory,
// so only a crash leaves tmp-* debris, which the startup sweep removes.
class StagedLayer {
 public:
  StagedLayer(StagedLayer&& other) noexcept;
  StagedLayer& operator=(StagedLayer&& other) noexcept;  // drops (removes) what this one held
  StagedLayer(const StagedLayer&) = delete;
  StagedLayer& operator=(const StagedLayer&) = delete;
  ~StagedLayer();

  std::uint64_t size() const { return size_; }  // regular-file bytes extracted

 private:
  friend class LayerStore;
  StagedLayer(const LayerStore* store, std::string tmp, std::uint64_t size) : store_(store), tmp_(tmp), size_(size) {}

  const LayerStore* store_ = nullptr;
  std::string tmp_;  // name under layers/; "" once moved into place
  std::uint64_t size_ = 0;
};

struct LayerRow {
  std::string chain_id;
  std::string diff_id;
  std::string parent_chain_id;  // "" for a bottom layer
  std::uint64_t dir_id = 0;
  std::uint64_t size = 0;
};

// chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)), as the OCI image spec defines it.
std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids);

class LayerStore {
 public:
  // Creates $root/layers if missing.
  explicit LayerStore(std::string root);

  // At start, before the store is shared: removes tmp-* dirs, layer rows no image references, and numeric dirs
  // without a row (a crash between rename and commit). Returns how many directories were removed.
  std::size_t sweep(store::Store& store) const;

  // Extracts a (plain/gzip/zstd) tar from fd (a file or a pipe) into a fresh tmp dir. Failures remove the tmp dir
  // and propagate. Call sync() once after staging and before commit().
  StagedLayer stage(int fd) const;

  // syncfs on the layers' filesystem, so a committed row never points at data still in the page cache. One call
  // covers every layer staged before it.
  void sync() const;

  // Inside the caller's write transaction: when chain_id already has a row it is reused (the staged dir stays with
  // `staged` and goes when it is dropped); else the next dir_id is allocated, the tmp dir renamed to it and the row
  // inserted. New dir ids are appended to `fresh` so the caller can remove_dirs() them if the transaction fails.
  LayerRow commit(store::Db& db, StagedLayer& staged, const std::string& chain_id, const std::string& diff_id,
                  const std::string& parent_chain_id, const std::string& blob_digest,
                  std::vector<std::uint64_t>& fresh) const;

  std::optional<LayerRow> find(store::Db& db, const std::string& chain_id) const;

  // Inside the caller's write transaction: deletes the rows of layers no image references (children first, so
  // parent references never dangle) and returns them. Call remove_dirs() after the commit.
  std::vector<LayerRow> delete_unreferenced(store::Db& db) const;

  // Renames each layers/<id> to tmp-trash-<random> and removes it (never following symlinks). Best effort: a
  // leftover is a tmp-* dir the next start sweeps.
  void remove_dirs(const std::vector<std::uint64_t>& dir_ids) const noexcept;

  std::string layers_dir() const { return root_ + "/layers"; }
  std::string diff_path(std::uint64_t dir_id) const { return layers_dir() + "/" + std::to_string(dir_id) + "/diff"; }

 private:
  friend class StagedLayer;
  void discard(const std::string& name) const noexcept;

  std::string root_;
};

}  // namespace berth::core::images
