// ContainerFilter: the list and prune filters of both APIs, checked once and evaluated per container.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/containers/store.hpp"
#include "core/model/container.hpp"
#include "core/model/filters.hpp"

namespace berth::core::containers {

// Resolves an image reference to its ID ("" when unknown); for `ancestor`.
using ImageIdOf = std::function<std::string(const std::string& ref)>;
using ContainerRef = std::function<std::shared_ptr<const Container>(std::string_view ref)>;

class ContainerFilter {
 public:
  // Keys outside `accepted` → invalid_argument "invalid filter 'k'"; bad values (status, exited, times, a
  // before/since container that does not exist) → invalid_argument / not_found, before any container is matched.
  ContainerFilter(const Filters& filters, const std::set<std::string>& accepted, const ContainerIndex& index,
                  const ContainerRef& resolve, const ImageIdOf& image_id_of = {});

  bool operator()(const Container& c) const;

 private:
  Filters filters_;
  std::int64_t before_ns_ = 0;  // from "before": created strictly before this container
  std::int64_t since_ns_ = 0;   // from "since": created strictly after
  std::int64_t until_ns_ = 0;   // from "until"
  std::set<std::string> ancestor_ids_;
  std::vector<std::string> ancestor_refs_;
};

// The list keys of both trees.
const std::set<std::string>& list_filter_keys();

// docker's status word for a container ("created", "running", "paused", "exited", "removing").
const char* docker_status(ContainerStatus s);

}  // namespace berth::core::containers
