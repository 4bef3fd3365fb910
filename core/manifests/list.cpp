// Manifest list JSON: the stored entries and the registry documents.
#include "core/manifests/list.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/images/media_types.hpp"

namespace berth::core::manifests {

std::string entries_to_json(const std::vector<ListEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries) {
    out.push_back({{"digest", e.digest},
                   {"mediaType", e.media_type},
                   {"size", e.size},
                   {"os", e.os},
                   {"architecture", e.architecture},
                   {"variant", e.variant},
                   {"osVersion", e.os_version},
                   {"osFeatures", e.os_features},
                   {"features", e.features},
                   {"annotations", e.annotations},
                   {"imageId", e.image_id},
                   {"source", e.source}});
  }
  return out.dump();
}

std::vector<ListEntry> entries_from_json(const std::string& text) {
  std::vector<ListEntry> out;
  try {
    for (const auto& j : nlohmann::json::parse(text)) {
      out.push_back(ListEntry{.digest = j.value("digest", ""),
                              .media_type = j.value("mediaType", ""),
                              .size = j.value("size", std::uint64_t{0}),
                              .os = j.value("os", ""),
                              .architecture = j.value("architecture", ""),
                              .variant = j.value("variant", ""),
                              .os_version = j.value("osVersion", ""),
                              .os_features = j.value("osFeatures", std::vector<std::string>{}),
                              .features = j.value("features", std::vector<std::string>{}),
                              .annotations = j.value("annotations", std::map<std::string, std::string>{}),
                              .image_id = j.value("imageId", ""),
                              .source = j.value("source", "")});
    }
  } catch (const nlohmann::json::exception& e) {
    fail(Errc::internal, std::string("stored manifest list: ") + e.what());
  }
  return out;
}

std::string list_document(const ManifestList& list, ListFormat format, bool annotations) {
  nlohmann::ordered_json manifests = nlohmann::ordered_json::array();
  for (const auto& e : list.entries) {
    // Field order and omissions as containers/image's Schema2PlatformSpec / imgspecv1.Platform write them.
    nlohmann::ordered_json platform = {{"architecture", e.architecture}, {"os", e.os}};
    if (!e.os_version.empty()) platform["os.version"] = e.os_version;
    if (!e.os_features.empty()) platform["os.features"] = e.os_features;
    if (!e.variant.empty()) platform["variant"] = e.variant;
    if (format == ListFormat::docker && !e.features.empty()) platform["features"] = e.features;
    nlohmann::ordered_json m = {{"mediaType", e.media_type}, {"size", e.size}, {"digest", e.digest}};
    m["platform"] = platform;
    if ((format == ListFormat::oci || annotations) && !e.annotations.empty()) m["annotations"] = e.annotations;
    manifests.push_back(std::move(m));
  }
  // Go's field order (schemaVersion, mediaType, manifests); the pushed digest is of exactly these bytes.
  nlohmann::ordered_json doc = {
      {"schemaVersion", 2},
      {"mediaType", format == ListFormat::oci ? images::media_types::kOciIndex : images::media_types::kDockerList},
      {"manifests", manifests}};
  return doc.dump(4);
}

}  // namespace berth::core::manifests
