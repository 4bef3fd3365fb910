// ImageService: the local image store's operations, for both API trees.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/events/sink.hpp"
#include "core/model/filters.hpp"
#include "core/model/image.hpp"
#include "core/model/search.hpp"
#include "core/model/transfer.hpp"
#include "core/registry/credentials.hpp"
#include "core/store/store.hpp"
#include "core/sys/cancel.hpp"

namespace berth::core::images {

// How a short name ("busybox") becomes full names. The compat tree means docker.io/library/busybox; the libpod tree
// tries localhost/busybox, then each unqualified-search registry, then a unique image whose repository ends in
// "/busybox" (libimage's fallback).
enum class ShortNamePolicy { docker, podman };

struct ListImagesOptions {
  bool all = false;  // include intermediate images (no tags, parent of another): we have none, so no effect yet
  Filters filters;   // reference, dangling, label, before, since, id, until, readonly, intermediate (libpod)
  ShortNamePolicy policy = ShortNamePolicy::docker;
};

struct RemoveImageOptions {
  bool force = false;    // untag and remove even when tagged several times; containers: still 409 if running
  bool noprune = false;  // keep untagged parents (we keep no parents, so no effect)
  ShortNamePolicy policy = ShortNamePolicy::docker;
};

struct PruneImagesOptions {
  bool all = false;  // every image no container uses, not only dangling ones
  Filters filters;   // until, label, label!
};

// An image import (docker import / podman import): one layer from a tar stream plus a config built from `changes`.
struct ImportOptions {
  std::string reference;             // "" → untagged; else repo[:tag], normalised by `policy`
  std::string message;               // history comment
  std::vector<std::string> changes;  // "CMD [\"sh\"]", "ENV A=b", "EXPOSE 80", "LABEL a=b", "USER u",
                                     // "VOLUME /v", "WORKDIR /w", "ENTRYPOINT ...", "STOPSIGNAL x", "ONBUILD ..."
  std::string os = "linux";
  std::string architecture;  // "" → the host's (amd64, arm64, ...)
  std::string variant;
  ShortNamePolicy policy = ShortNamePolicy::docker;
};

enum class ArchiveFormat { docker_archive, oci_archive, oci_dir, docker_dir };

struct SaveOptions {
  ArchiveFormat format = ArchiveFormat::docker_archive;
  bool compress = false;  // gzip the layers (oci/docker dir formats; podman's `compress`)
  ShortNamePolicy policy = ShortNamePolicy::docker;
};

struct Platform {
  std::string os;            // "" → the host's (linux)
  std::string architecture;  // "" → the host's (amd64, arm64, ...)
  std::string variant;       // "" → the host's (arm: v7, ...) or any
};

// When pull fetches: "always" (default), "missing" (only when no local image has the name), "newer" (when the
// registry's manifest digest differs), "never" (local only: not_found otherwise).
enum class PullPolicy { always, missing, newer, never };

struct PullOptions {
  std::string reference;  // name[:tag][@digest]; short names per `policy` (docker: docker.io; podman: search list)
  ShortNamePolicy policy = ShortNamePolicy::docker;
  PullPolicy pull_policy = PullPolicy::always;
  Platform platform;
  bool all_tags = false;                // every tag of the repository (libpod allTags, docker fromImage without tag
                                        // when all-tags is asked)
  std::optional<bool> tls_verify;       // nullopt: registries.conf decides (insecure registries skip TLS checks)
  registry::CredentialMap credentials;  // the request's; auth files fill in what is missing
};

struct PushOptions {
  std::string destination;  // "" → the image's own name; else where to push (name[:tag], full or short per policy)
  ShortNamePolicy policy = ShortNamePolicy::docker;
  std::string format;    // "" / "v2s2" (docker schema2, default) / "oci"
  bool compress = true;  // gzip uncompressed layers on the way out (registries expect compressed layers)
  std::optional<bool> tls_verify;
  registry::CredentialMap credentials;
  bool by_digest = false;  // put the manifest under its digest, not a tag (a manifest list's instances)
};

// The image manifest a push in a given format would upload (layers gzipped as push gzips them), so a manifest list
// can name the digest its instances will have in the registry.
struct ImageManifest {
  std::string image_id;  // hex
  std::string media_type;
  std::string digest;  // "sha256:..."
  std::uint64_t size = 0;
  std::string os;
  std::string architecture;
  std::string variant;
};

// An image search (podman search / docker search): "registry/term" searches that registry, a bare term every
// unqualified-search registry.
struct SearchOptions {
  std::string term;
  int limit = 0;           // per registry; 0 → 25
  Filters filters;         // stars, is-official, is-automated (first value of each counts, as in podman)
  bool list_tags = false;  // term names one repository: list its tags instead
  std::optional<bool> tls_verify;
  registry::CredentialMap credentials;
};

using TransferEmit = std::function<void(TransferEvent)>;

// Progress of a load, for the docker CLI's message stream: a line per image as it is committed.
using LoadProgress = std::function<void(const LoadedImage&)>;

class ImageService {
 public:
  ImageService(const Config& config, store::Store& store, events::EventSink& events);
  ~ImageService();
  ImageService(const ImageService&) = delete;
  ImageService& operator=(const ImageService&) = delete;

  // Newest first (by created). Unknown filter key or bad value → invalid_argument.
  std::vector<std::shared_ptr<const Image>> list(const ListImagesOptions& opts) const;
  // Full ID, "sha256:"+ID, unique ID prefix (≥3 hex), name[:tag][@digest]. Not found → not_found
  // ("<name>: image not known"), ambiguous prefix → invalid_argument.
  std::shared_ptr<const Image> inspect(std::string_view name, ShortNamePolicy policy) const;
  bool exists(std::string_view name, ShortNamePolicy policy) const;
  std::vector<ImageHistoryItem> history(std::string_view name, ShortNamePolicy policy) const;

  // Adds repo:tag (tag "" → latest) to the image. An existing holder of that name loses it.
  void tag(std::string_view name, std::string_view repo, std::string_view tag, ShortNamePolicy policy);
  // Removes repo:tag from the image; repo "" → all its names. A name the image does not have → not_found.
  void untag(std::string_view name, std::string_view repo, std::string_view tag, ShortNamePolicy policy);

  // docker rmi semantics: a name with siblings is only untagged; the last name (or an ID) deletes the image and
  // its unused layers. An ID of an image with several names needs force (else conflict). An image a container
  // uses → conflict.
  ImageRemoveReport remove(std::string_view name, const RemoveImageOptions& opts);
  ImageRemoveReport prune(const PruneImagesOptions& opts);

  // Reads a (possibly gzip/zstd/xz compressed) tar from fd as the image's only layer.
  LoadedImage import(int fd, const ImportOptions& opts);
  // Reads a docker-archive or oci-archive (detected) from fd; every image in it is committed. `progress` is
  // called once per image after its commit.
  std::vector<LoadedImage> load(int fd, const LoadProgress& progress = {});
  // Writes `names` (one or more; all resolved before anything is written) as one archive of `format` to out_fd.
  // docker_archive and oci_archive are tar streams; oci_dir and docker_dir are written as a tar of the directory
  // (what podman's API sends).
  void save(const std::vector<std::string>& names, const SaveOptions& opts, int out_fd);

  // Pulls `opts.reference` from its registry (mirrors first, per registries.conf), reporting through `emit`: layer
  // events per blob, messages, then one `done` event. Layers are fetched up to 3 at a time, verified while they
  // stream, skipped when already here; the image becomes visible only once complete. Errors are thrown
  // (not_found: unknown repository or tag; unauthorized: bad credentials; invalid_argument: digest mismatch, bad
  // manifest; unavailable: registry unreachable, timeout, cancelled).
  void pull(const PullOptions& opts, const TransferEmit& emit, const sys::CancelToken& cancel);
  // Pushes the local image `name` to opts.destination (or its own name). Blobs the registry has are skipped
  // (HEAD), others mounted from a repository of the same registry when possible, else uploaded.
  void push(std::string_view name, const PushOptions& opts, const TransferEmit& emit, const sys::CancelToken& cancel);
  // The manifest push(name, {format}) would upload; format as PushOptions::format. Gzips uncompressed layers to
  // learn their digests (the copies are discarded).
  ImageManifest push_manifest(std::string_view name, const std::string& format, ShortNamePolicy policy);
  // Searches registries: the v1 search API where there is one, else the v2 catalog filtered by the term (as
  // c/image's SearchRegistry). Results of registries that answered win over errors of others; only when every
  // registry fails is the (first) error thrown, as "couldn't search registry \"R\": ..." with its kind (unavailable
  // when unreachable). A bad filter → invalid_argument.
  std::vector<SearchResult> search(const SearchOptions& opts) const;
  // Checks credentials against a registry (docker login through the daemon); unauthorized when refused.
  void login(const std::string& server, const registry::Credentials& credentials, std::optional<bool> tls_verify);

  ImageDiskUsage disk_usage() const;
  // How many images exist (for /info).
  std::size_t count() const;

  // Hooks for the container service (issue 5): how many containers use an image, and whether one is running.
  // The extracted layer dirs of an image, top layer first (a container's overlay lowerdirs).
  std::vector<std::string> layer_dirs(const Image& image) const;

  using UsageProvider = std::function<std::size_t(const std::string& image_id)>;
  void set_usage_provider(UsageProvider provider);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::core::images
