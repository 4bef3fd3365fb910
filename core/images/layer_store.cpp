// LayerStore: tmp extraction, syncfs, transactional dir-id allocation and rename, sweep and removal.
#include "core/images/layer_store.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "core/images/layer_extract.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/safe_path.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

[[noreturn]] void fail_errno(std::string_view what, const std::string& path, int err) {
  fail(Errc::internal, std::string(what) + " " + path + ": " + ::strerror(err));
}

std::string random_hex() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    fail(Errc::internal, std::string("getrandom: ") + ::strerror(errno));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool is_number(std::string_view s) {
  return !s.empty() && s.size() < 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) fail_errno("open", dir, errno);
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") out.emplace_back(n);
  }
  ::closedir(d);
  return out;
}

sys::Fd open_dir(const std::string& dir) {
  sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail_errno("open", dir, errno);
  return fd;
}

LayerRow row_from(store::Stmt& st) {
  return LayerRow{.chain_id = st.column_text(0),
                  .diff_id = st.column_text(1),
                  .parent_chain_id = st.column_text(2),
                  .dir_id = static_cast<std::uint64_t>(st.column_int64(3)),
                  .size = static_cast<std::uint64_t>(st.column_int64(4))};
}

}  // namespace

std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> out;
  for (const auto& d : diff_ids) out.push_back(out.empty() ? d : Sha256::of(out.back() + " " + d).str());
  return out;
}

StagedLayer::StagedLayer(StagedLayer&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), tmp_(std::exchange(other.tmp_, {})), size_(other.size_) {}

StagedLayer& StagedLayer::operator=(StagedLayer&& other) noexcept {
  if (this != &other) {
    if (store_ != nullptr && !tmp_.empty()) store_->discard(tmp_);
    store_ = std::exchange(other.store_, nullptr);
    tmp_ = std::exchange(other.tmp_, {});
    size_ = other.size_;
  }
  return *this;
}

StagedLayer::~StagedLayer() {
  if (store_ != nullptr && !tmp_.empty()) store_->discard(tmp_);
}

LayerStore::LayerStore(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  std::filesystem::create_directories(layers_dir(), ec);
  if (ec) fail(Errc::internal, "create " + layers_dir() + ": " + ec.message());
}

void LayerStore::discard(const std::string& name) const noexcept {
  try {
    sys::Fd dir = open_dir(layers_dir());
    sys::remove_all_at(dir.get(), name);
  } catch (...) {
    // Left for the next start's sweep: the name starts with tmp-.
  }
}

std::size_t LayerStore::sweep(store::Store& store) const {
  // Rows no image references lose their dirs in the loop below, which removes every numeric dir without a row.
  store.write([&](store::Db& db) { delete_unreferenced(db); });
  std::set<std::uint64_t> known;
  store.read([&](store::Db& db) {
    auto st = db.prepare("SELECT dir_id FROM layers");
    while (st->step()) known.insert(static_cast<std::uint64_t>(st->column_int64(0)));
  });
  sys::Fd dir = open_dir(layers_dir());
  std::size_t removed = 0;
  for (const auto& name : list_dir(layers_dir())) {
    bool stale = name.rfind("tmp-", 0) == 0 || (is_number(name) && !known.contains(std::stoull(name)));
    if (stale && sys::remove_all_at(dir.get(), name)) ++removed;
  }
  return removed;
}

StagedLayer LayerStore::stage(int fd) const {
  std::string name = "tmp-" + random_hex();
  std::string path = layers_dir() + "/" + name;
  if (::mkdir(path.c_str(), 0700) != 0) fail_errno("mkdir", path, errno);
  StagedLayer staged(this, name, 0);
  if (::mkdir((path + "/diff").c_str(), 0755) != 0) fail_errno("mkdir", path + "/diff", errno);
  LayerStats stats = extract_layer(fd, path + "/diff");
  staged.size_ = stats.bytes;
  return staged;
}

void LayerStore::sync() const {
  sys::Fd dir = open_dir(layers_dir());
  if (::syncfs(dir.get()) != 0) fail_errno("syncfs", layers_dir(), errno);
}

std::optional<LayerRow> LayerStore::find(store::Db& db, const std::string& chain_id) const {
  auto st = db.prepare(
      "SELECT chain_id, diff_id, COALESCE(parent_chain_id, ''), dir_id, size FROM layers WHERE chain_id = ?1");
  st->bind_text(1, chain_id);
  if (!st->step()) return std::nullopt;
  return row_from(*st);
}

LayerRow LayerStore::commit(store::Db& db, StagedLayer& staged, const std::string& chain_id, const std::string& diff_id,
                            const std::string& parent_chain_id, const std::string& blob_digest,
                            std::vector<std::uint64_t>& fresh) const {
  if (auto existing = find(db, chain_id)) return *existing;
  if (staged.tmp_.empty()) fail(Errc::internal, "layer " + chain_id + " was already committed");
  std::uint64_t dir_id;
  {
    auto st = db.prepare("SELECT COALESCE(MAX(dir_id), 0) + 1 FROM layers");
    st->step();
    dir_id = static_cast<std::uint64_t>(st->column_int64(0));
  }
  sys::Fd dir = open_dir(layers_dir());
  std::string target = std::to_string(dir_id);
  // A dir with this number but no row is debris of a failed commit: it holds nothing anyone references.
  sys::remove_all_at(dir.get(), target);
  if (::renameat(dir.get(), staged.tmp_.c_str(), dir.get(), target.c_str()) != 0) {
    fail_errno("rename", layers_dir() + "/" + staged.tmp_, errno);
  }
  staged.tmp_.clear();
  fresh.push_back(dir_id);
  auto st = db.prepare(
      "INSERT INTO layers(chain_id, diff_id, dir_id, parent_chain_id, compressed_digest, size, created) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st->bind_text(1, chain_id).bind_text(2, diff_id).bind_int64(3, static_cast<std::int64_t>(dir_id));
  if (parent_chain_id.empty()) {
    st->bind_null(4);
  } else {
    st->bind_text(4, parent_chain_id);
  }
  st->bind_text(5, blob_digest).bind_int64(6, static_cast<std::int64_t>(staged.size_)).bind_int64(7, now_ns());
  st->run();
  return LayerRow{.chain_id = chain_id,
                  .diff_id = diff_id,
                  .parent_chain_id = parent_chain_id,
                  .dir_id = dir_id,
                  .size = staged.size_};
}

std::vector<LayerRow> LayerStore::delete_unreferenced(store::Db& db) const {
  std::vector<LayerRow> rows;
  {
    // A child is always allocated after its parent, so descending dir_id deletes children first.
    auto st = db.prepare(
        "SELECT chain_id, diff_id, COALESCE(parent_chain_id, ''), dir_id, size FROM layers "
        "WHERE chain_id NOT IN (SELECT chain_id FROM image_layers) ORDER BY dir_id DESC");
    while (st->step()) rows.push_back(row_from(*st));
  }
  auto del = db.prepare("DELETE FROM layers WHERE chain_id = ?1");
  for (const auto& r : rows) {
    del->bind_text(1, r.chain_id).run();
    del->reset();
  }
  return rows;
}

void LayerStore::remove_dirs(const std::vector<std::uint64_t>& dir_ids) const noexcept {
  try {
    sys::Fd dir = open_dir(layers_dir());
    for (auto id : dir_ids) {
      std::string name = std::to_string(id);
      std::string trash = "tmp-trash-" + random_hex();
      // The rename is atomic: the number is free at once, and an interrupted rm leaves only tmp-* debris.
      if (::renameat(dir.get(), name.c_str(), dir.get(), trash.c_str()) != 0) continue;
      try {
        sys::remove_all_at(dir.get(), trash);
      } catch (...) {
      }
    }
  } catch (...) {
  }
}

}  // namespace berth::core::images
