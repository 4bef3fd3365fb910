// Registry manifests: parsing docker schema2 / manifest lists and OCI manifests / indexes, picking a platform's
// entry from a list, and building the manifest a push uploads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/digest.hpp"

namespace berth::core::images {

struct ManifestPlatform {
  std::string os;
  std::string architecture;
  std::string variant;
};

// A content descriptor: what a manifest says about a blob (or, in a list, about a manifest).
struct Descriptor {
  std::string media_type;
  Digest digest = Digest::from_hex(std::string(64, '0'));
  std::uint64_t size = 0;
  std::vector<std::string> urls;  // foreign layers only
  bool has_platform = false;      // list entries only
  ManifestPlatform platform;
};

struct ParsedManifest {
  std::string media_type;  // one of the four media_types::k*Manifest / k*List / kOciIndex
  bool is_list = false;    // docker manifest list or OCI index: `manifests` is set; else config and layers
  Descriptor config;
  std::vector<Descriptor> layers;
  std::vector<Descriptor> manifests;
};

// Parses a manifest as a registry served it. The document's mediaType wins over the Content-Type (registries
// answer some requests with application/json); without either, an OCI document is recognised by its fields.
// schema1, unknown media types, and malformed documents → invalid_argument.
ParsedManifest parse_manifest(std::string_view bytes, std::string_view content_type);

// The platform to pull: each field the caller left empty is the host's (linux, the host architecture, and for arm
// v7). Architecture aliases (x86_64, aarch64, armhf, ...) become their OCI spelling.
ManifestPlatform wanted_platform(const ManifestPlatform& requested);

// The list entry for `wanted`: os and architecture must match; the variant must match when one is wanted (an arm
// v7 host also runs v6 and v5, so those rank after v7; arm64's "v8" and "" are the same). The first best entry
// wins. None → not_found "no image found in manifest list for architecture X, variant "Y", OS Z" (podman's text).
const Descriptor& select_platform(const ParsedManifest& list, const ManifestPlatform& wanted);

enum class ManifestFormat { docker, oci };

// One layer as a pushed manifest lists it.
struct PushLayer {
  Digest digest;
  std::uint64_t size = 0;
  std::string media_type;
};

struct BuiltManifest {
  std::string media_type;
  std::string bytes;
  Digest digest;
};

// Builds the image manifest a push uploads: docker schema2 or OCI, with the config's media type of that format and
// the layers as given (their media types must belong to the format: archive_codec's oci_layer_media_type or
// docker_layer_media_type).
BuiltManifest build_manifest(ManifestFormat format, const Digest& config, std::uint64_t config_size,
                             const std::vector<PushLayer>& layers);

}  // namespace berth::core::images
