// Registry instances for a manifest list: one manifest GET (and a config GET for a single image).
#include "core/manifests/remote.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/images/manifest.hpp"
#include "core/images/reference.hpp"
#include "core/registry/client.hpp"
#include "core/registry/endpoints.hpp"

namespace berth::core::manifests {

namespace {

ListEntry entry_of(const images::Descriptor& d, const std::string& source) {
  return ListEntry{.digest = d.digest.str(),
                   .media_type = d.media_type,
                   .size = d.size,
                   .os = d.platform.os,
                   .architecture = d.platform.architecture,
                   .variant = d.platform.variant,
                   .source = source};
}

}  // namespace

std::vector<ListEntry> registry_entries(const Config& config, const std::string& reference, const AddOptions& opts) {
  images::Reference ref = images::parse_reference(reference).normalized();
  registry::Source src = registry::push_target(config.registries, ref, opts.tls_verify);
  registry::RegistryClient client(src.endpoint, registry::find_credentials(src.registry, opts.credentials));
  std::string tag = ref.digest ? ref.digest->str() : ref.tag.empty() ? "latest" : ref.tag;
  registry::Manifest m = client.get_manifest(src.repo, tag);
  images::ParsedManifest parsed = images::parse_manifest(m.bytes, m.media_type);
  std::string source = ref.name();
  std::vector<ListEntry> out;
  if (parsed.is_list) {
    if (opts.all) {
      for (const auto& d : parsed.manifests) out.push_back(entry_of(d, source));
    } else {
      auto wanted = images::wanted_platform({opts.os, opts.architecture, opts.variant});
      out.push_back(entry_of(images::select_platform(parsed, wanted), source));
    }
    return out;
  }
  // A single image: its platform is in the config blob.
  std::string config_bytes;
  client.get_blob(src.repo, parsed.config.digest, [&](std::string_view chunk) { config_bytes.append(chunk); });
  auto cfg = nlohmann::json::parse(config_bytes, nullptr, false);
  ListEntry e{.digest = m.digest.str(), .media_type = parsed.media_type, .size = m.bytes.size(), .source = source};
  if (cfg.is_object()) {
    e.os = cfg.value("os", "");
    e.architecture = cfg.value("architecture", "");
    e.variant = cfg.value("variant", "");
    e.os_version = cfg.value("os.version", "");
  }
  out.push_back(std::move(e));
  return out;
}

}  // namespace berth::core::manifests
