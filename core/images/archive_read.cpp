// read_image_archive: spool the tar stream, then interpret it as a docker-archive (manifest.json) or an oci-archive
// (index.json), checking every layer against its config's rootfs.diff_ids.
#include <sys/utsname.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/images/archive_io.hpp"
#include "core/images/archive_spool.hpp"
#include "core/images/media_types.hpp"

namespace berth::core::images {
namespace {

using namespace media_types;

using json = nlohmann::json;

constexpr int kMaxIndexDepth = 4;

[[noreturn]] void bad(std::string_view path, std::string_view what) {
  fail(Errc::invalid_argument, what, member_context(path));
}

json parse_json(const std::string& bytes, std::string_view path) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded()) bad(path, "invalid JSON");
  return j;
}

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The OCI architecture name of this machine, to pick a manifest out of a nested multi-platform index.
std::string host_arch() {
  utsname u{};
  ::uname(&u);
  std::string_view m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.starts_with("arm")) return "arm";
  if (m == "i686" || m == "i386") return "386";
  return std::string(m);
}

struct Config {
  Digest digest;
  std::string bytes;
  std::vector<Digest> diff_ids;
};

Config load_config(const ArchiveSpool& spool, const SpooledMember& m) {
  Config c{m.blob, spool.contents(m), {}};
  json j = parse_json(c.bytes, m.path);
  if (!j.is_object()) bad(m.path, "image config is not a JSON object");
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) bad(m.path, "image config has no rootfs");
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || !(ids->is_array() || ids->is_null())) bad(m.path, "image config has no rootfs.diff_ids");
  if (ids->is_array()) {
    for (const auto& d : *ids) {
      if (!d.is_string() || !Digest::valid(d.get<std::string>())) bad(m.path, "invalid digest in rootfs.diff_ids");
      c.diff_ids.push_back(Digest::parse(d.get<std::string>()));
    }
  }
  return c;
}

ArchivedLayer check_layer(const SpooledMember& m, const Digest& want) {
  if (m.compression == Compression::other) bad(m.path, "unsupported layer compression (only gzip and zstd are)");
  if (!m.diff_id) bad(m.path, "cannot decompress layer: " + m.decode_error);
  if (*m.diff_id != want)
    bad(m.path, "layer digest " + m.diff_id->str() + " does not match the config's diff_id " + want.str());
  return ArchivedLayer{m.blob, std::string(oci_layer_media_type(m.compression)), m.size, *m.diff_id};
}

ArchivedImage make_image(const ArchiveSpool& spool, const SpooledMember& config_member,
                         const std::vector<const SpooledMember*>& layers) {
  Config c = load_config(spool, config_member);
  if (c.diff_ids.size() != layers.size())
    bad(config_member.path,
        "config lists " + std::to_string(c.diff_ids.size()) + " layers, the manifest " + std::to_string(layers.size()));
  ArchivedImage img{c.digest, std::move(c.bytes), {}, {}, "", ""};
  for (std::size_t i = 0; i < layers.size(); ++i) img.layers.push_back(check_layer(*layers[i], c.diff_ids[i]));
  return img;
}

// docker save / podman save: manifest.json [{Config, RepoTags, Layers}], paths into the archive.
std::vector<ArchivedImage> read_docker(const ArchiveSpool& spool, const std::string& text) {
  constexpr std::string_view path = "manifest.json";
  json j = parse_json(text, path);
  if (!j.is_array()) bad(path, "not a JSON array");
  std::vector<ArchivedImage> out;
  for (const auto& entry : j) {
    if (!entry.is_object()) bad(path, "entry is not a JSON object");
    std::string config = string_field(entry, "Config");
    if (config.empty()) bad(path, "entry without Config");
    auto layers = entry.find("Layers");
    if (layers == entry.end() || !layers->is_array()) bad(path, "entry without Layers");
    std::vector<const SpooledMember*> members;
    for (const auto& l : *layers) {
      if (!l.is_string()) bad(path, "Layers holds a non-string");
      members.push_back(&spool.get(l.get<std::string>()));
    }
    ArchivedImage img = make_image(spool, spool.get(config), members);
    if (auto tags = entry.find("RepoTags"); tags != entry.end() && tags->is_array()) {
      for (const auto& t : *tags) {
        if (t.is_string()) img.names.push_back(t.get<std::string>());
      }
    }
    out.push_back(std::move(img));
  }
  return out;
}

// oci-archive: index.json → (nested indexes →) manifests → config and layers under blobs/sha256/.
class OciReader {
 public:
  explicit OciReader(const ArchiveSpool& spool) : spool_(spool) {}

  std::vector<ArchivedImage> run(const std::string& index_text) {
    walk_index(parse_json(index_text, "index.json"), "index.json", {}, 0);
    return std::move(out_);
  }

 private:
  const SpooledMember& blob(const json& desc, std::string_view from) {
    if (!desc.is_object()) bad(from, "descriptor is not a JSON object");
    std::string digest = string_field(desc, "digest");
    if (!Digest::valid(digest)) bad(from, "descriptor with an invalid digest \"" + digest + "\"");
    const SpooledMember& m = spool_.get("blobs/sha256/" + Digest::parse(digest).hex());
    if (auto size = desc.find("size");
        size != desc.end() && size->is_number_unsigned() && size->get<std::uint64_t>() != m.size)
      bad(m.path, "size " + std::to_string(m.size) + " does not match its descriptor's " +
                      std::to_string(size->get<std::uint64_t>()));
    return m;
  }

  // containerd (docker 25+) puts the full name in its own annotation and only the tag in the OCI one; podman
  // writes the full name as the OCI ref name; skopeo may write just a tag. Names are passed on as written.
  static std::vector<std::string> names_of(const json& desc) {
    auto ann = desc.find("annotations");
    if (ann == desc.end() || !ann->is_object()) return {};
    std::string name = string_field(*ann, "io.containerd.image.name");
    if (name.empty()) name = string_field(*ann, "org.opencontainers.image.ref.name");
    if (name.empty()) return {};
    return {name};
  }

  void walk_index(const json& index, std::string_view path, const std::vector<std::string>& names, int depth) {
    if (!index.is_object()) bad(path, "not a JSON object");
    auto list = index.find("manifests");
    if (list == index.end() || !list->is_array()) bad(path, "no manifests list");
    std::vector<const json*> chosen;
    for (const auto& d : *list) chosen.push_back(&d);
    // Nested indexes are multi-platform images: keep the host's platform (else the first manifest).
    if (depth > 0 && chosen.size() > 1) {
      std::string arch = host_arch();
      const json* pick = chosen.front();
      for (const json* d : chosen) {
        auto p = d->find("platform");
        if (p != d->end() && p->is_object() && string_field(*p, "architecture") == arch &&
            string_field(*p, "os") == "linux") {
          pick = d;
          break;
        }
      }
      chosen = {pick};
    }
    for (const json* d : chosen) {
      std::vector<std::string> n = depth == 0 ? names_of(*d) : names;
      const SpooledMember& m = blob(*d, path);
      std::string bytes = spool_.contents(m);
      json j = parse_json(bytes, m.path);
      if (!j.is_object()) bad(m.path, "not a JSON object");
      std::string type = string_field(*d, "mediaType");
      if (type.empty()) type = string_field(j, "mediaType");
      bool is_index = type == kOciIndex || type == kDockerList || (type.empty() && j.contains("manifests"));
      if (is_index) {
        if (depth >= kMaxIndexDepth) bad(m.path, "indexes nested too deeply");
        walk_index(j, m.path, n, depth + 1);
      } else {
        read_manifest(j, m.path, std::move(bytes), type.empty() ? std::string(kOciManifest) : type, std::move(n));
      }
    }
  }

  void read_manifest(const json& j, std::string_view path, std::string bytes, std::string type,
                     std::vector<std::string> names) {
    auto config = j.find("config");
    if (config == j.end()) bad(path, "manifest without config");
    auto layers = j.find("layers");
    if (layers == j.end() || !(layers->is_array() || layers->is_null())) bad(path, "manifest without layers");
    std::vector<const SpooledMember*> members;
    if (layers->is_array()) {
      for (const auto& l : *layers) members.push_back(&blob(l, path));
    }
    ArchivedImage img = make_image(spool_, blob(*config, path), members);
    img.names = std::move(names);
    img.manifest_json = std::move(bytes);
    img.manifest_media_type = std::move(type);
    out_.push_back(std::move(img));
  }

  const ArchiveSpool& spool_;
  std::vector<ArchivedImage> out_;
};

// One entry per config: several names (index descriptors, manifest.json entries) for one image are merged.
std::vector<ArchivedImage> merge(std::vector<ArchivedImage> images) {
  std::vector<ArchivedImage> out;
  for (auto& img : images) {
    auto same = std::find_if(out.begin(), out.end(), [&](const ArchivedImage& o) { return o.config == img.config; });
    if (same == out.end()) {
      out.push_back(std::move(img));
      continue;
    }
    for (auto& n : img.names) {
      if (std::find(same->names.begin(), same->names.end(), n) == same->names.end()) same->names.push_back(n);
    }
    if (same->manifest_json.empty()) {
      same->manifest_json = std::move(img.manifest_json);
      same->manifest_media_type = std::move(img.manifest_media_type);
    }
  }
  return out;
}

}  // namespace

std::vector<ArchivedImage> read_image_archive(int fd, const BlobStore& blobs, std::vector<Digest>* spooled) {
  ArchiveSpool spool = ArchiveSpool::read(fd, blobs, spooled);
  const std::string* manifest = spool.text("manifest.json");
  const std::string* index = spool.text("index.json");
  std::vector<ArchivedImage> images;
  if (manifest != nullptr) {
    images = read_docker(spool, *manifest);
    // docker 25+ archives are OCI layouts too: their index has the manifests that manifest.json lacks. Best effort,
    // since manifest.json alone is a complete docker-archive.
    if (index != nullptr) {
      try {
        std::vector<ArchivedImage> oci = OciReader(spool).run(*index);
        for (auto& img : images) {
          for (auto& o : oci) {
            if (o.config == img.config && img.manifest_json.empty()) {
              img.manifest_json = o.manifest_json;
              img.manifest_media_type = o.manifest_media_type;
            }
          }
        }
      } catch (const Error&) {
      }
    }
  } else if (index != nullptr) {
    images = OciReader(spool).run(*index);
  } else {
    fail(Errc::invalid_argument, "neither manifest.json nor index.json found", "image archive");
  }
  if (images.empty()) fail(Errc::invalid_argument, "no images in the archive", "image archive");
  return merge(std::move(images));
}

}  // namespace berth::core::images
