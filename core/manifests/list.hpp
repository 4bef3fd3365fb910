// A manifest list as the store keeps it, and its two JSON forms: the stored entries and the registry document
// (docker manifest list or OCI index) that inspect shows and push uploads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace berth::core::manifests {

// One instance of a list: an image manifest, with the platform it serves.
struct ListEntry {
  std::string digest;  // "sha256:..." of the image manifest
  std::string media_type;
  std::uint64_t size = 0;
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;
  std::vector<std::string> features;
  std::map<std::string, std::string> annotations;
  std::string image_id;  // the local image it was built from (hex), "" when it came from a registry
  std::string source;    // registry reference it came from ("" for local images): where push finds it
};

struct ManifestList {
  std::string id;    // 64 hex, podman's "image" ID of the list
  std::string name;  // full normalised name ("localhost/abc:latest")
  std::int64_t created_ns = 0;
  std::vector<ListEntry> entries;
};

// The stored form (entries_json column) and back; bad JSON → internal.
std::string entries_to_json(const std::vector<ListEntry>& entries);
std::vector<ListEntry> entries_from_json(const std::string& text);

// The registry document's bytes: docker manifest list (platform only) or OCI index (platform and annotations).
// `annotations` keeps them in a docker list too (inspect shows what was set; a push leaves them out).
enum class ListFormat { docker, oci };
std::string list_document(const ManifestList& list, ListFormat format, bool annotations = false);

}  // namespace berth::core::manifests
