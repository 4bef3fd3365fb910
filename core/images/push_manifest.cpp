// ImageService::push_manifest: the manifest push.cpp would build for an image, computed without a registry, so a
// manifest list records the digests its instances get when pushed. Mirrors push.cpp's layer handling: a layer kept
// compressed goes as is, an uncompressed one is gzipped (deterministically: no timestamp).
#include <set>

#include "core/error.hpp"
#include "core/images/archive_codec.hpp"
#include "core/images/manifest.hpp"
#include "core/images/media_types.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"

namespace berth::core::images {

namespace {

struct LayerOut {
  Digest digest;
  std::uint64_t size = 0;
  Compression compression = Compression::none;
};

ManifestFormat format_for(const std::string& format, bool zstd) {
  if (format == "oci") return ManifestFormat::oci;
  if (format == "v2s2" && zstd)
    fail(Errc::invalid_argument, "zstd-compressed layers need the oci manifest format, not v2s2");
  if (format.empty() || format == "v2s2") return zstd ? ManifestFormat::oci : ManifestFormat::docker;
  fail(Errc::invalid_argument, "unsupported manifest format \"" + format + "\": use v2s2 or oci");
}

}  // namespace

ImageManifest ImageService::push_manifest(std::string_view name, const std::string& format, ShortNamePolicy policy) {
  ResolvedImage r = impl_->resolve(name, policy);
  const Image& image = *r.image;
  std::set<std::string> kept = blobs_of(image);
  PinGuard pin(impl_->pins, std::vector<std::string>(kept.begin(), kept.end()));

  std::map<std::string, LayerOut> out;  // by kept blob digest: a blob used twice is computed once
  bool zstd = false;
  std::string temp_dir = impl_->blobs.root() + "/ingest";
  for (const auto& l : image.layers) {
    if (out.count(l.blob_digest)) continue;
    sys::Fd fd = impl_->blobs.open(Digest::parse(l.blob_digest));
    LayerOut lo{
        .digest = Digest::parse(l.blob_digest), .size = l.blob_size, .compression = sniff_compression(fd.get())};
    if (lo.compression == Compression::none) {
      TempBlob gz = gzip_to_temp(fd.get(), temp_dir);
      lo = LayerOut{.digest = gz.digest, .size = gz.size, .compression = Compression::gzip};
    }
    zstd = zstd || lo.compression == Compression::zstd;
    out.emplace(l.blob_digest, lo);
  }
  ManifestFormat fmt = format_for(format, zstd);
  std::vector<PushLayer> layers;
  for (const auto& l : image.layers) {
    const LayerOut& lo = out.at(l.blob_digest);
    layers.push_back(
        PushLayer{.digest = lo.digest,
                  .size = lo.size,
                  .media_type = std::string(fmt == ManifestFormat::oci ? oci_layer_media_type(lo.compression)
                                                                       : docker_layer_media_type(lo.compression))});
  }
  BuiltManifest m = build_manifest(fmt, Digest::from_hex(image.id), image.config_json.size(), layers);
  return ImageManifest{.image_id = image.id,
                       .media_type = m.media_type,
                       .digest = m.digest.str(),
                       .size = m.bytes.size(),
                       .os = image.os.empty() ? "linux" : image.os,
                       .architecture = image.architecture,
                       .variant = image.variant};
}

}  // namespace berth::core::images
