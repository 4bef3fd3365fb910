// write_image_archive: docker-archive, oci-archive/oci-dir and docker-dir as one tar stream, the small JSON files
// built up front where the format allows and blob bytes copied straight from the blob store.
#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/images/archive_codec.hpp"
#include "core/images/archive_io.hpp"
#include "core/images/media_types.hpp"
#include "core/images/reference.hpp"
#include "core/images/tar_writer.hpp"

namespace berth::core::images {
namespace {

using namespace media_types;

using ojson = nlohmann::ordered_json;

constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";

// Which encodings of a layer a format accepts.
struct LayerPolicy {
  bool plain = false;       // uncompressed only (docker-archive)
  bool no_zstd = false;     // docker v2s2 has no zstd media type
  bool gzip_plain = false;  // `compress`: gzip what is not compressed yet
};

struct LayerBlob {
  sys::Fd fd;
  Digest digest;
  std::uint64_t size = 0;
  Compression compression = Compression::none;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;

  ojson json() const { return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}}; }
};

Digest stored_digest(const std::string& text, const Image& img) {
  if (!Digest::valid(text)) fail(Errc::internal, "image " + img.id + ": bad digest \"" + text + "\" in its record");
  return Digest::parse(text);
}

// The config bytes and their digest, which must be the image ID.
Digest config_digest(const Image& img) {
  Digest d = Sha256::of(img.config_json);
  if (d.hex() != img.id) fail(Errc::internal, "image " + img.id + ": stored config does not match the image ID");
  return d;
}

// RepoTags as podman writes them: full names ("docker.io/library/busybox:latest"). docker load normalises those
// the same as familiar ones, while podman 4 load reads a familiar "busybox:latest" as localhost/busybox:latest.
// Digest references have no place there.
std::vector<std::string> repo_tags(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    try {
      Reference r = parse_reference(n);
      if (r.digest) continue;
      out.push_back(r.normalized().str());
    } catch (const Error&) {
      out.push_back(n);
    }
  }
  return out;
}

class Saver {
 public:
  Saver(const BlobStore& blobs, int out_fd) : blobs_(blobs), temp_dir_(blobs.root() + "/ingest"), tar_(out_fd) {}

  void docker_archive(const std::vector<ImageToSave>& images) {
    // manifest.json first: every name in it comes from the records, so nothing has to be buffered.
    ojson manifest = ojson::array();
    for (const auto& s : images) {
      ojson layers = ojson::array();
      for (const auto& l : s.image->layers) layers.push_back(stored_digest(l.diff_id, *s.image).hex() + ".tar");
      manifest.push_back({{"Config", s.image->id + ".json"}, {"RepoTags", repo_tags(s.names)}, {"Layers", layers}});
    }
    tar_.add_bytes("manifest.json", manifest.dump());
    for (const auto& s : images) {
      const Image& img = *s.image;
      config_digest(img);
      if (written_.insert(img.id + ".json").second) tar_.add_bytes(img.id + ".json", img.config_json);
      for (const auto& l : img.layers) {
        std::string name = stored_digest(l.diff_id, img).hex() + ".tar";
        if (!written_.insert(name).second) continue;
        LayerBlob b = open_layer(l, img, {.plain = true});
        if (b.digest != stored_digest(l.diff_id, img))
          fail(Errc::internal, "image " + img.id + ": layer " + l.blob_digest + " does not match its diff_id");
        tar_.add_file(name, b.fd.get(), b.size);
      }
    }
    tar_.finish();
  }

  void oci(const std::vector<ImageToSave>& images, bool compress) {
    tar_.add_bytes("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    tar_.add_dir("blobs");
    tar_.add_dir("blobs/sha256");
    ojson index = ojson::array();
    for (const auto& s : images) {
      std::string manifest = image_manifest(*s.image, {.gzip_plain = compress}, kOciManifest, kOciConfig, true);
      Digest md = Sha256::of(manifest);
      put_blob("blobs/sha256/", md, manifest);
      ojson desc = {{"mediaType", kOciManifest}, {"digest", md.str()}, {"size", manifest.size()}};
      // One descriptor per image, named by its first name: podman's oci-archive reader refuses an index with
      // several manifests ("more than one image in oci, choose an image"), so more names would make it unloadable.
      if (!s.names.empty()) desc["annotations"] = {{kRefName, s.names.front()}};
      index.push_back(desc);
    }
    ojson doc = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", index}};
    tar_.add_bytes("index.json", doc.dump());
    tar_.finish();
  }

  // containers/image's "dir" transport: one image, blobs named by bare hex, a docker v2s2 manifest.
  void docker_dir(const std::vector<ImageToSave>& images, bool compress) {
    if (images.size() != 1) fail(Errc::invalid_argument, "docker-dir format holds exactly one image");
    tar_.add_bytes("version", "Directory Transport Version: 1.1\n");
    std::string manifest = image_manifest(*images[0].image, {.no_zstd = true, .gzip_plain = compress}, kDockerManifest,
                                          kDockerConfig, false);
    tar_.add_bytes("manifest.json", manifest);
    tar_.finish();
  }

 private:
  // Writes the image's layers and config as blobs under `dir`-style names and returns its manifest.
  std::string image_manifest(const Image& img, LayerPolicy policy, std::string_view manifest_type,
                             std::string_view config_type, bool oci) {
    std::string prefix = oci ? "blobs/sha256/" : "";
    ojson layers = ojson::array();
    for (const auto& l : img.layers) {
      std::string key = l.blob_digest + (policy.gzip_plain ? "+gz" : "") + (policy.no_zstd ? "-zstd" : "");
      auto done = converted_.find(key);
      if (done == converted_.end()) {
        LayerBlob b = open_layer(l, img, policy);
        std::string type(oci ? oci_layer_media_type(b.compression) : docker_layer_media_type(b.compression));
        if (written_.insert(prefix + b.digest.hex()).second) tar_.add_file(prefix + b.digest.hex(), b.fd.get(), b.size);
        done = converted_.emplace(key, Descriptor{type, b.digest, b.size}).first;
      }
      layers.push_back(done->second.json());
    }
    Digest cd = config_digest(img);
    put_blob(prefix, cd, img.config_json);
    Descriptor config{std::string(config_type), cd, img.config_json.size()};
    ojson m = {{"schemaVersion", 2}, {"mediaType", manifest_type}, {"config", config.json()}, {"layers", layers}};
    return m.dump();
  }

  void put_blob(const std::string& prefix, const Digest& d, std::string_view bytes) {
    if (written_.insert(prefix + d.hex()).second) tar_.add_bytes(prefix + d.hex(), bytes);
  }

  // The layer's kept blob, converted into a temp file when the format needs another encoding.
  LayerBlob open_layer(const ImageLayer& l, const Image& img, LayerPolicy policy) {
    Digest d = stored_digest(l.blob_digest, img);
    LayerBlob b{blobs_.open(d), d, 0, Compression::none};
    b.compression = sniff_compression(b.fd.get());
    bool decompress = b.compression != Compression::none && (policy.plain || b.compression == Compression::other ||
                                                             (policy.no_zstd && b.compression == Compression::zstd));
    if (decompress) {
      TempBlob t = decompress_to_temp(b.fd.get(), temp_dir_);
      b = LayerBlob{std::move(t.fd), t.digest, t.size, Compression::none};
    }
    if (policy.gzip_plain && b.compression == Compression::none) {
      TempBlob t = gzip_to_temp(b.fd.get(), temp_dir_);
      return LayerBlob{std::move(t.fd), t.digest, t.size, Compression::gzip};
    }
    if (!decompress) {
      struct stat st {};
      if (::fstat(b.fd.get(), &st) != 0) fail(Errc::internal, "stat blob " + d.str());
      b.size = static_cast<std::uint64_t>(st.st_size);
    }
    return b;
  }

  const BlobStore& blobs_;
  std::string temp_dir_;
  TarWriter tar_;
  std::set<std::string> written_;                // member names already in the stream
  std::map<std::string, Descriptor> converted_;  // layer (and encoding) → what was written for it
};

}  // namespace

void write_image_archive(const std::vector<ImageToSave>& images, ArchiveFormat format, bool compress,
                         const BlobStore& blobs, int out_fd) {
  if (images.empty()) fail(Errc::invalid_argument, "no images to save");
  for (const auto& s : images) {
    if (s.image == nullptr) fail(Errc::internal, "save: null image");
  }
  // Bigger pipe, fewer and larger splices; best effort (not a pipe, or over the user's limit, is fine).
  ::fcntl(out_fd, F_SETPIPE_SZ, 1 << 20);
  Saver saver(blobs, out_fd);
  switch (format) {
    case ArchiveFormat::docker_archive:
      saver.docker_archive(images);
      break;
    case ArchiveFormat::oci_archive:
    case ArchiveFormat::oci_dir:
      // podman's oci-dir is the same layout sent as a tar of the directory.
      saver.oci(images, compress);
      break;
    case ArchiveFormat::docker_dir:
      saver.docker_dir(images, compress);
      break;
  }
}

}  // namespace berth::core::images
