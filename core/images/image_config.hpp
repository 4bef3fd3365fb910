// Image configs: parsing an OCI/docker config blob into Image fields, and building one for import with `changes`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/image.hpp"

namespace berth::core::images {

// Everything an image config says that the store keeps.
struct ImageConfigFacts {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string author;
  std::string comment;
  std::string docker_version;
  std::string parent_id;        // hex, "sha256:" dropped
  std::int64_t created_ns = 0;  // 0 when absent or unparsable
  ImageRunConfig config;
  std::vector<ImageHistoryEntry> history;
  std::vector<std::string> diff_ids;  // rootfs.diff_ids as written ("sha256:...")
};

// Parses a config blob. Not JSON, or not an object → invalid_argument ("invalid image config: ...").
// Wrongly typed optional fields are ignored rather than failing: old docker configs carry oddities.
ImageConfigFacts parse_image_config(std::string_view json);

// Copies the facts into the matching Image fields (not id, names, layers or config_json).
void apply_config_facts(const ImageConfigFacts& facts, Image& image);

// Applies docker/podman import `changes` ("CMD [\"sh\"]", "ENV A=b", "EXPOSE 80/udp", ...; "INSTR=value" is also
// accepted, as podman does). An unknown instruction or a malformed value → invalid_argument naming the change.
void apply_changes(const std::vector<std::string>& changes, ImageRunConfig& config);

struct ImportConfigInput {
  std::string architecture;  // "" → the host's
  std::string os = "linux";
  std::string variant;
  std::string message;  // top-level comment and the history entry's comment
  std::vector<std::string> changes;
  std::string diff_id;  // "sha256:..." of the one layer
  std::int64_t created_ns = 0;
};

// The config JSON of an imported image: one layer, one history entry (created_by "", comment = message), the
// changes applied. Bad changes → invalid_argument.
std::string build_import_config(const ImportConfigInput& input);

// The host's architecture in OCI terms (amd64, arm64, ...) and its variant ("" or "v7"...).
std::string host_architecture();

}  // namespace berth::core::images
