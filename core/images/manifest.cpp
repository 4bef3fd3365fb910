// Manifest parsing, platform selection and push manifests (nlohmann; ordered output so pushed documents read like
// docker's and podman's).
#include "core/images/manifest.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/images/image_config.hpp"
#include "core/images/media_types.hpp"

namespace berth::core::images {

namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr std::string_view kSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
constexpr std::string_view kSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

[[noreturn]] void bad(std::string_view why) { fail(Errc::invalid_argument, why, "invalid manifest"); }

std::string str_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Descriptor descriptor_of(const json& j, std::string_view where) {
  if (!j.is_object()) bad(std::string(where) + " is not an object");
  Descriptor d;
  d.media_type = str_at(j, "mediaType");
  std::string digest = str_at(j, "digest");
  if (!Digest::valid(digest)) bad(std::string(where) + " has no valid sha256 digest");
  d.digest = Digest::parse(digest);
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_unsigned()) bad(std::string(where) + " has no valid size");
  d.size = size->get<std::uint64_t>();
  if (auto urls = j.find("urls"); urls != j.end() && urls->is_array()) {
    for (const auto& u : *urls)
      if (u.is_string()) d.urls.push_back(u.get<std::string>());
  }
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.has_platform = true;
    d.platform = {str_at(*p, "os"), str_at(*p, "architecture"), str_at(*p, "variant")};
  }
  return d;
}

// Content-Type may carry parameters ("; charset=utf-8").
std::string_view bare_type(std::string_view t) {
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

std::string kind_of(const json& doc, std::string_view content_type) {
  std::string declared = str_at(doc, "mediaType");
  if (!declared.empty()) return declared;
  std::string_view ct = bare_type(content_type);
  if (ct == media_types::kOciIndex || ct == media_types::kOciManifest || ct == media_types::kDockerList ||
      ct == media_types::kDockerManifest || ct == kSchema1 || ct == kSchema1Signed)
    return std::string(ct);
  // OCI made mediaType optional; its documents are recognised by shape.
  if (doc.contains("manifests")) return std::string(media_types::kOciIndex);
  if (doc.contains("config") && doc.contains("layers")) return std::string(media_types::kOciManifest);
  return std::string(ct);
}

std::string normalize_arch(std::string arch, std::string& variant) {
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "aarch64") {
    if (variant.empty()) variant = "v8";
    return "arm64";
  }
  if (arch == "armhf" || arch == "armel") {
    if (variant.empty()) variant = arch == "armhf" ? "v7" : "v6";
    return "arm";
  }
  if (arch == "i386" || arch == "i686") return "386";
  return arch;
}

// Variants an image for `wanted` may have, best first; empty means any variant will do.
std::vector<std::string> acceptable_variants(const ManifestPlatform& wanted) {
  if (wanted.architecture == "arm64") return {"v8", ""};
  if (wanted.architecture == "arm") {
    if (wanted.variant == "v8" || wanted.variant == "v7") {
      std::vector<std::string> out{wanted.variant};
      if (wanted.variant == "v8") out.push_back("v7");
      out.insert(out.end(), {"v6", "v5"});
      return out;
    }
    if (wanted.variant == "v6") return {"v6", "v5"};
  }
  if (wanted.variant.empty()) return {};
  return {wanted.variant};
}

}  // namespace

ParsedManifest parse_manifest(std::string_view bytes, std::string_view content_type) {
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) bad("not a JSON object");
  auto version = doc.find("schemaVersion");
  if (version != doc.end() && version->is_number_integer() && version->get<int>() == 1)
    fail(Errc::invalid_argument, "docker schema1 manifests are not supported", "invalid manifest");
  ParsedManifest out;
  out.media_type = kind_of(doc, content_type);
  if (out.media_type == kSchema1 || out.media_type == kSchema1Signed)
    fail(Errc::invalid_argument, "docker schema1 manifests are not supported", "invalid manifest");
  if (out.media_type == media_types::kOciIndex || out.media_type == media_types::kDockerList) {
    out.is_list = true;
    auto list = doc.find("manifests");
    if (list == doc.end() || !list->is_array()) bad("manifest list has no manifests array");
    for (const auto& m : *list) out.manifests.push_back(descriptor_of(m, "manifest list entry"));
    return out;
  }
  if (out.media_type != media_types::kOciManifest && out.media_type != media_types::kDockerManifest)
    bad("unsupported manifest media type \"" + out.media_type + "\"");
  auto config = doc.find("config");
  if (config == doc.end()) bad("manifest has no config");
  out.config = descriptor_of(*config, "config");
  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array()) bad("manifest has no layers array");
  for (const auto& l : *layers) out.layers.push_back(descriptor_of(l, "layer"));
  return out;
}

ManifestPlatform wanted_platform(const ManifestPlatform& requested) {
  ManifestPlatform out = requested;
  if (out.os.empty()) out.os = "linux";
  if (out.architecture.empty()) out.architecture = host_architecture();
  out.architecture = normalize_arch(out.architecture, out.variant);
  if (out.architecture == "arm" && out.variant.empty()) out.variant = "v7";
  return out;
}

const Descriptor& select_platform(const ParsedManifest& list, const ManifestPlatform& wanted) {
  std::vector<std::string> variants = acceptable_variants(wanted);
  const Descriptor* best = nullptr;
  std::size_t best_rank = variants.size() + 2;
  for (const auto& m : list.manifests) {
    if (!m.has_platform) continue;
    std::string variant = m.platform.variant;
    std::string arch = normalize_arch(m.platform.architecture, variant);
    if (m.platform.os != wanted.os || arch != wanted.architecture) continue;
    // With no variant asked for, one without a variant is the safest pick (amd64/v3 needs a newer CPU).
    std::size_t rank = variant.empty() ? 0 : 1;
    if (!variants.empty()) {
      rank = static_cast<std::size_t>(std::find(variants.begin(), variants.end(), variant) - variants.begin());
      if (rank == variants.size()) continue;
    }
    if (rank < best_rank) {
      best = &m;
      best_rank = rank;
    }
  }
  if (best == nullptr) {
    fail(Errc::not_found, "no image found in manifest list for architecture " + wanted.architecture + ", variant \"" +
                              wanted.variant + "\", OS " + wanted.os);
  }
  return *best;
}

BuiltManifest build_manifest(ManifestFormat format, const Digest& config, std::uint64_t config_size,
                             const std::vector<PushLayer>& layers) {
  bool oci = format == ManifestFormat::oci;
  ojson doc;
  doc["schemaVersion"] = 2;
  doc["mediaType"] = oci ? media_types::kOciManifest : media_types::kDockerManifest;
  doc["config"] = {{"mediaType", oci ? media_types::kOciConfig : media_types::kDockerConfig},
                   {"size", config_size},
                   {"digest", config.str()}};
  ojson list = ojson::array();
  for (const auto& l : layers)
    list.push_back({{"mediaType", l.media_type}, {"size", l.size}, {"digest", l.digest.str()}});
  doc["layers"] = std::move(list);
  std::string bytes = doc.dump(3);
  Digest digest = Sha256::of(bytes);
  return BuiltManifest{std::string(oci ? media_types::kOciManifest : media_types::kDockerManifest), std::move(bytes),
                       digest};
}

}  // namespace berth::core::images
