// Which events a subscriber wants: the `filters` of GET /events (docker) and GET /libpod/events (podman) evaluated
// on core::Event, following moby's daemon/events/filter.go and podman's libpod/events/filters.go.
#pragma once

#include <functional>
#include <string_view>

#include "core/model/event.hpp"
#include "core/model/filters.hpp"

namespace berth::core::events {

using EventPredicate = std::function<bool(const Event&)>;

// Values of one key are alternatives, different keys must all match. Accepted keys: type, event (podman also
// "status"), container, image, volume, network, pod, label, scope, and docker's swarm/daemon keys (daemon, plugin,
// node, service, secret, config), which no local event carries. An unknown key → Errc::invalid_argument
// "invalid filter 'k'", before any event is read.
EventPredicate compile_event_filters(const Filters& filters);

// docker's image filter strips a tag (and digest) from a name: "busybox:latest" → "busybox".
std::string_view strip_image_tag(std::string_view name);

}  // namespace berth::core::events
