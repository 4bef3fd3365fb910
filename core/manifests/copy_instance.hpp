// Copying a manifest list's registry instance (added by reference, not from a local image) to the list's push
// destination, as `podman manifest push --all` does: its blobs, then the image manifest under its digest.
#pragma once

#include "core/config/config.hpp"
#include "core/images/service.hpp"
#include "core/manifests/list.hpp"
#include "core/manifests/service.hpp"
#include "core/registry/client.hpp"
#include "core/registry/endpoints.hpp"
#include "core/sys/cancel.hpp"

namespace berth::core::manifests {

// Reads entry.source's manifest entry.digest and its config and layers from the source registry and puts them in
// target.repo through `dest`: blobs already there are skipped, blobs on the same registry are mounted, others
// stream through a temporary file under config.root. Emits podman's "Copying blob"/"Copying config" lines.
void copy_registry_instance(const Config& config, const ListEntry& entry, const registry::Source& target,
                            registry::RegistryClient& dest, const PushOptions& opts, const images::TransferEmit& emit,
                            const sys::CancelToken& cancel);

}  // namespace berth::core::manifests
