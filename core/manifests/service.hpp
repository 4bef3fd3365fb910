// ManifestService: podman's manifest lists (create, add, annotate, remove, inspect, delete, push). A list is kept
// in its own table (manifest_lists), not as an image: its instances point at local images by ID and carry the
// digest a push of that image produces, so a pushed list and its pushed images agree.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/images/service.hpp"
#include "core/manifests/list.hpp"
#include "core/registry/credentials.hpp"
#include "core/store/store.hpp"
#include "core/sys/cancel.hpp"

namespace berth::core::manifests {

struct CreateOptions {
  bool all = false;    // a reference naming a list adds all its instances, not only the host's platform
  bool amend = false;  // an existing list of that name is reused instead of refused
};

// What add sets on each new instance, and what annotate changes; empty fields keep what the image says.
struct AddOptions {
  bool all = false;
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;
  std::vector<std::string> features;
  std::vector<std::string> annotations;  // "key=value"
  std::optional<bool> tls_verify;
  registry::CredentialMap credentials;
};

struct PushOptions {
  bool all = true;     // push the list's local images (by digest) before the list itself
  std::string format;  // "" → the list's own (docker), "oci", "v2s2"
  std::optional<bool> tls_verify;
  registry::CredentialMap credentials;
};

struct DeleteReport {
  std::vector<std::string> deleted;   // list IDs
  std::vector<std::string> untagged;  // list names
};

class ManifestService {
 public:
  ManifestService(const Config& config, store::Store& store, images::ImageService& images);

  // A new list named `name` (normalised as podman does: "abc" → localhost/abc:latest), seeded with `refs`.
  // Returns its ID. A name in use → conflict (unless amend). A bad name → invalid_argument.
  std::string create(std::string_view name, const std::vector<std::string>& refs, const CreateOptions& opts);
  // Lookup by name, full ID, "sha256:"+ID or a unique ID prefix: not_found when none.
  ManifestList get(std::string_view name) const;
  bool exists(std::string_view name) const;
  // The list as podman's inspect shows it (a docker manifest list, annotations included when set).
  std::string inspect(std::string_view name) const;
  // Adds each reference: a local image ("containers-storage:" prefix optional) first, else a registry reference
  // ("docker://" optional) whose manifest is fetched. Returns the list ID.
  std::string add(std::string_view name, const std::vector<std::string>& refs, const AddOptions& opts);
  // Sets platform fields and annotations of the instance `digest`.
  std::string annotate(std::string_view name, std::string_view digest, const AddOptions& opts);
  // Removes the instance `digest`; not in the list → not_found. Returns the list ID.
  std::string remove(std::string_view name, std::string_view digest);
  DeleteReport remove_list(std::string_view name);
  // Pushes the list (and with all, its local images by digest) to `destination`; returns the list's digest.
  std::string push(std::string_view name, std::string_view destination, const PushOptions& opts,
                   const images::TransferEmit& emit, const sys::CancelToken& cancel);

 private:
  std::optional<ManifestList> find(std::string_view name) const;
  void save(const ManifestList& list);
  std::vector<ListEntry> entries_for(const std::string& ref, const AddOptions& opts) const;

  const Config& config_;
  store::Store& store_;
  images::ImageService& images_;
  std::mutex mutex_;  // serializes read-modify-write of a list
};

}  // namespace berth::core::manifests
