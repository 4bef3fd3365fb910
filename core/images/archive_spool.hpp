// ArchiveSpool: one pass over an image archive's tar stream, every regular member committed to the blob store as
// it streams by, indexed by its (normalised) path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/archive_codec.hpp"
#include "core/images/blob_store.hpp"

namespace berth::core::images {

struct SpooledMember {
  std::string path;  // normalised member path
  Digest blob;
  std::uint64_t size = 0;
  Compression compression = Compression::none;
  // The digest of the decompressed bytes, computed while spooling: the blob itself when uncompressed; nullopt when
  // the member looked compressed but did not decode (decode_error says why).
  std::optional<Digest> diff_id;
  std::string decode_error;
};

class ArchiveSpool {
 public:
  // Reads the whole stream (plain, or compressed as a whole). Hostile member names (absolute, "..") and corrupt or
  // truncated streams → Errc::invalid_argument naming the member. Members at blobs/sha256/<hex> are verified.
  // Every blob committed is also appended to *committed (when given), even when the read then fails, so the caller
  // can drop the ones no image ends up using.
  static ArchiveSpool read(int fd, const BlobStore& blobs, std::vector<Digest>* committed = nullptr);

  // The regular member at `path`, following symlinks and hardlinks inside the archive (never the filesystem);
  // nullptr when absent. A link leaving the archive or a loop → Errc::invalid_argument naming the link.
  const SpooledMember* find(std::string_view path) const;
  // Like find(), but absence → Errc::invalid_argument "archive member \"<path>\": missing".
  const SpooledMember& get(std::string_view path) const;
  // The bytes of a small top-level metadata file (manifest.json, index.json, oci-layout, repositories), if present.
  const std::string* text(std::string_view path) const;
  // The bytes of a member read back from the blob store; capped (configs and manifests, not layers).
  std::string contents(const SpooledMember& m) const;

 private:
  explicit ArchiveSpool(const BlobStore& blobs) : blobs_(&blobs) {}
  friend class SpoolReader;

  const BlobStore* blobs_;
  std::vector<Digest>* committed_ = nullptr;
  std::map<std::string, SpooledMember, std::less<>> members_;
  struct Link {
    std::string target;  // as the tar header gives it
    bool hard = false;   // hardlink targets are archive-relative, symlink targets relative to the link's directory
  };
  std::string link_target(const std::string& path, const Link& link) const;

  std::map<std::string, Link, std::less<>> links_;
  std::map<std::string, std::string, std::less<>> texts_;
};

// "archive member \"<path>\"": the context every archive error carries.
std::string member_context(std::string_view path);

}  // namespace berth::core::images
