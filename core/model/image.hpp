// Plain image types: what the image store keeps and what list/inspect/history/remove/prune/load return.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::core {

// The "config" section of an OCI/docker image config (what a container inherits).
struct ImageRunConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> env;
  std::optional<std::vector<std::string>> entrypoint;  // nullopt: not set (null in JSON)
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> volumes;  // sorted paths
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::vector<std::string> on_build;  // docker's OnBuild
  std::optional<std::vector<std::string>> healthcheck_test;
  std::vector<std::string> shell;
};

// One entry of the config's history, oldest first.
struct ImageHistoryEntry {
  std::int64_t created_ns = 0;  // 0 when absent
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

// One layer of an image, bottom (index 0) to top.
struct ImageLayer {
  std::string diff_id;          // "sha256:..." of the uncompressed tar
  std::string chain_id;         // "sha256:..." (OCI chain ID)
  std::string blob_digest;      // "sha256:..." of the blob kept for save (compressed or not)
  std::string blob_media_type;  // OCI media type of that blob
  std::uint64_t size = 0;       // uncompressed bytes
  std::uint64_t blob_size = 0;
  std::uint64_t dir_id = 0;  // $ROOT/layers/<dir_id>/diff
};

// An image as the store holds it. Immutable once published: updates swap in a new record.
struct Image {
  std::string id;                    // hex of the config digest (64 chars, no "sha256:")
  std::vector<std::string> tags;     // full normalised names "docker.io/library/busybox:latest", newest first
  std::vector<std::string> digests;  // "docker.io/library/busybox@sha256:<manifest>"
  std::string manifest_digest;       // "sha256:..." of the manifest we keep (or "" if none yet)
  std::string manifest_media_type;
  std::int64_t created_ns = 0;  // from the config
  std::int64_t added_ns = 0;    // when it arrived here
  std::uint64_t size = 0;       // sum of the layers' uncompressed sizes
  std::string architecture;
  std::string os;
  std::string variant;
  std::string author;
  std::string comment;  // docker config's top-level "comment" (import --message)
  std::string docker_version;
  std::string parent_id;  // docker config's "parent" when present; else ""
  ImageRunConfig config;
  std::vector<ImageHistoryEntry> history;
  std::vector<ImageLayer> layers;
  std::string config_json;  // the config blob, byte for byte
};

// A row of `docker history` / libpod history: one per history entry, newest first.
struct ImageHistoryItem {
  std::string id;  // image ID (hex) for the top entry that is an image, else "" (docker prints <missing>)
  std::int64_t created_ns = 0;
  std::string created_by;
  std::vector<std::string> tags;  // tags of the image with this ID
  std::uint64_t size = 0;         // the layer's size, 0 for empty layers
  std::string comment;
};

// What remove() and prune() did, in order.
struct ImageRemoveReport {
  std::vector<std::string> untagged;  // full names untagged
  std::vector<std::string> deleted;   // image IDs (hex) deleted
  std::uint64_t reclaimed = 0;        // bytes of layers removed
};

// What load() and import() added: one entry per image.
struct LoadedImage {
  std::string id;                  // hex
  std::vector<std::string> names;  // full normalised names given to it (may be empty: loaded by ID)
};

// The image part of /system/df.
struct ImageDiskUsage {
  std::uint64_t total_size = 0;   // all layers, each counted once
  std::uint64_t reclaimable = 0;  // layers of images no container uses
  std::uint64_t active = 0;       // images used by a container
};

}  // namespace berth::core
