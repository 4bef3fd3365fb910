// ArchiveSpool: streams tar members into the blob store, hashing them and, for gzip/zstd members, hashing their
// decompressed bytes too (decoded_digest fed from the outer reader), so layers are read exactly once.
#include "core/images/archive_spool.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <exception>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/images/libarchive_ptr.hpp"
#include "core/images/stream_digest.hpp"

namespace berth::core::images {
namespace {

constexpr std::size_t kReadBlock = 1 << 20;
constexpr std::uint64_t kTextCap = 16 << 20;  // metadata files and configs; far above any real one
constexpr int kMaxLinkHops = 40;

std::string message_of(archive* a, const char* fallback) {
  const char* m = archive_error_string(a);
  return m ? m : fallback;
}

std::vector<std::string_view> components(std::string_view p) {
  std::vector<std::string_view> out;
  while (!p.empty()) {
    std::size_t slash = p.find('/');
    std::string_view c = p.substr(0, slash);
    if (!c.empty() && c != ".") out.push_back(c);
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

// Appends `rel` to the component stack; false when ".." climbs above the archive root.
bool push_path(std::vector<std::string>& stack, std::string_view rel) {
  for (std::string_view c : components(rel)) {
    if (c == "..") {
      if (stack.empty()) return false;
      stack.pop_back();
    } else {
      stack.emplace_back(c);
    }
  }
  return true;
}

std::string join(const std::vector<std::string>& stack) {
  std::string out;
  for (const auto& c : stack) {
    if (!out.empty()) out += '/';
    out += c;
  }
  return out;
}

// "./a//b/" → "a/b"; absolute names and ".." are refused: archives written by docker, podman and skopeo have
// neither, so one is a sign of a hostile or broken archive. "" for the archive root itself.
std::string normalize_member(std::string_view raw) {
  if (raw.starts_with('/')) fail(Errc::invalid_argument, "absolute member name", member_context(raw));
  std::vector<std::string> parts;
  for (std::string_view c : components(raw)) {
    if (c == "..") fail(Errc::invalid_argument, "member name leaves the archive", member_context(raw));
    parts.emplace_back(c);
  }
  return join(parts);
}

bool is_metadata(std::string_view path) {
  return path == "manifest.json" || path == "index.json" || path == "oci-layout" || path == "repositories";
}

}  // namespace

// The bytes of the current member, pulled from the outer archive and written to the blob as they are handed out,
// so every byte reaches the blob exactly once whether or not a decoder consumed it. A chunk stays valid until the
// next call (libarchive's read-callback contract). Outside the anonymous namespace: SpoolReader, which is not in
// it, captures one in a lambda (GCC's -Wsubobject-linkage, once the file is part of a unity batch).
class MemberFeed {
 public:
  MemberFeed(archive* outer, BlobWriter& blob, std::string* keep, std::string_view path)
      : outer_(outer), blob_(blob), keep_(keep), path_(path) {}

  // The next chunk; empty at the end of the member. Outer stream errors → invalid_argument.
  std::string_view next() {
    if (gap_ > 0) return zeros();
    if (!pending_.empty()) return take(std::exchange(pending_, {}));
    if (done_) return {};
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(outer_, &buf, &len, &off);
    if (r == ARCHIVE_EOF) {
      done_ = true;
      return {};
    }
    if (r < ARCHIVE_WARN) fail(Errc::invalid_argument, message_of(outer_, "truncated archive"), member_context(path_));
    std::string_view block(static_cast<const char*>(buf), len);
    // Sparse members report holes as offset jumps: the hole reads as zeros, then the block.
    if (off >= 0 && static_cast<std::uint64_t>(off) > pos_) {
      gap_ = static_cast<std::uint64_t>(off) - pos_;
      pending_ = block;
      return zeros();
    }
    return take(block);
  }

 private:
  std::string_view zeros() {
    static const std::vector<char> z(1 << 16, '\0');
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(gap_, z.size()));
    gap_ -= n;
    return take(std::string_view(z.data(), n));
  }

  std::string_view take(std::string_view chunk) {
    blob_.write(chunk);
    pos_ += chunk.size();
    if (keep_ != nullptr) {
      if (keep_->size() + chunk.size() > kTextCap) fail(Errc::invalid_argument, "too large", member_context(path_));
      keep_->append(chunk);
    }
    return chunk;
  }

  archive* outer_;
  BlobWriter& blob_;
  std::string* keep_;
  std::string_view path_;
  std::uint64_t pos_ = 0;
  std::uint64_t gap_ = 0;
  std::string_view pending_;
  bool done_ = false;
};

std::string member_context(std::string_view path) { return "archive member \"" + std::string(path) + "\""; }

class SpoolReader {
 public:
  static ArchiveSpool run(int fd, const BlobStore& blobs, std::vector<Digest>* committed) {
    ArchiveSpool spool(blobs);
    spool.committed_ = committed;
    // A pipe's default 64 KiB would cap every read (and so every blob write and hash update) at 64 KiB; a bigger
    // pipe lets the big reads below fill. Best effort: not a pipe, or over the user's limit, is fine.
    ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(kReadBlock));
    ArchiveReadPtr a(archive_read_new());
    if (!a) fail(Errc::internal, "out of memory");
    // The whole archive may be compressed; in-process decoders only (see layer_extract.cpp).
    for (auto add : {archive_read_support_filter_gzip, archive_read_support_filter_zstd, archive_read_support_filter_xz,
                     archive_read_support_filter_bzip2})
      add(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    if (archive_read_open_fd(a.get(), fd, kReadBlock) != ARCHIVE_OK)
      fail(Errc::invalid_argument, message_of(a.get(), "unreadable archive"), "image archive");
    std::string last;
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      // A failure found while skipping to the next header usually belongs to the previous member.
      if (r < ARCHIVE_WARN)
        fail(Errc::invalid_argument, message_of(a.get(), "corrupt archive"),
             last.empty() ? std::string("image archive") : member_context(last));
      const char* raw = archive_entry_pathname(e);
      last = raw ? raw : "";
      std::string path = normalize_member(last);
      if (path.empty()) continue;
      if (const char* hard = archive_entry_hardlink(e)) {
        add_link(spool, path, {hard, true});
      } else if (archive_entry_filetype(e) == AE_IFLNK) {
        const char* target = archive_entry_symlink(e);
        add_link(spool, path, {target ? target : "", false});
      } else if (archive_entry_filetype(e) == AE_IFREG) {
        spool_member(spool, a.get(), path);
      }
      // Directories, devices and fifos carry nothing an image needs.
    }
    return spool;
  }

 private:
  static void add_link(ArchiveSpool& spool, const std::string& path, ArchiveSpool::Link link) {
    spool.members_.erase(path);
    spool.links_.insert_or_assign(path, std::move(link));
  }

  static void spool_member(ArchiveSpool& spool, archive* a, const std::string& path) {
    BlobWriter blob = spool.blobs_->writer();
    std::string text;
    bool keep = is_metadata(path);
    MemberFeed feed(a, blob, keep ? &text : nullptr, path);
    SpooledMember m{path, Digest::from_hex(std::string(64, '0'))};
    std::string_view first = feed.next();
    m.compression = sniff_compression(first);
    if (m.compression == Compression::gzip || m.compression == Compression::zstd) {
      m.diff_id =
          decoded_digest([&] { return first.empty() ? feed.next() : std::exchange(first, {}); }, &m.decode_error);
    }
    // Whatever the decoder left (or everything, for plain members).
    while (!feed.next().empty()) {
    }
    // Content-addressed members must hold what their name says; other files in blobs/ are only never looked up.
    std::optional<Digest> expected;
    if (std::string_view hex = std::string_view(path).substr(std::min<std::size_t>(path.size(), 13));
        path.starts_with("blobs/sha256/") && is_sha256_hex(hex))
      expected = Digest::from_hex(hex);
    m.size = blob.size();
    try {
      m.blob = blob.commit(expected);
    } catch (const Error& e) {
      if (e.code() != Errc::invalid_argument) throw;
      throw Error(Errc::invalid_argument, e.cause(), member_context(path) + ": " + e.message());
    }
    if (spool.committed_ != nullptr) spool.committed_->push_back(m.blob);
    if (m.compression == Compression::none) m.diff_id = m.blob;
    spool.links_.erase(path);
    spool.members_.insert_or_assign(path, std::move(m));
    if (keep) spool.texts_.insert_or_assign(path, std::move(text));
  }
};

ArchiveSpool ArchiveSpool::read(int fd, const BlobStore& blobs, std::vector<Digest>* committed) {
  return SpoolReader::run(fd, blobs, committed);
}

std::string ArchiveSpool::link_target(const std::string& path, const Link& link) const {
  std::vector<std::string> stack;
  if (!link.hard) {
    if (link.target.starts_with('/'))
      fail(Errc::invalid_argument, "link target leaves the archive", member_context(path));
    for (std::string_view c : components(path)) stack.emplace_back(c);
    stack.pop_back();  // the link's own name: symlink targets are relative to its directory
  }
  if (!push_path(stack, link.target) || (link.hard && link.target.starts_with('/')))
    fail(Errc::invalid_argument, "link target leaves the archive", member_context(path));
  return join(stack);
}

const SpooledMember* ArchiveSpool::find(std::string_view wanted) const {
  std::string p = normalize_member(wanted);
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    if (auto it = members_.find(p); it != members_.end()) return &it->second;
    if (auto it = links_.find(p); it != links_.end()) {
      p = link_target(p, it->second);
      continue;
    }
    // A symlinked directory on the way ("a/layer.tar" with "a" -> "b").
    bool replaced = false;
    for (std::size_t slash = p.find('/'); slash != std::string::npos; slash = p.find('/', slash + 1)) {
      if (auto it = links_.find(std::string_view(p).substr(0, slash)); it != links_.end()) {
        std::string base = link_target(it->first, it->second);
        p = base.empty() ? p.substr(slash + 1) : base + p.substr(slash);
        replaced = true;
        break;
      }
    }
    if (!replaced) return nullptr;
  }
  fail(Errc::invalid_argument, "too many levels of links", member_context(wanted));
}

const SpooledMember& ArchiveSpool::get(std::string_view path) const {
  const SpooledMember* m = find(path);
  if (m == nullptr) fail(Errc::invalid_argument, "missing", member_context(path));
  return *m;
}

const std::string* ArchiveSpool::text(std::string_view path) const {
  auto it = texts_.find(path);
  return it == texts_.end() ? nullptr : &it->second;
}

std::string ArchiveSpool::contents(const SpooledMember& m) const {
  if (m.size > kTextCap) fail(Errc::invalid_argument, "too large for a config or manifest", member_context(m.path));
  std::optional<std::string> bytes = blobs_->read(m.blob);
  if (!bytes) fail(Errc::internal, "blob vanished from the store", member_context(m.path));
  return *bytes;
}

}  // namespace berth::core::images
