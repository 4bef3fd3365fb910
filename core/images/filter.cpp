// Image filter compilation: one closure per key, combined with AND.
#include "core/images/filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "core/images/resolve.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

[[noreturn]] void bad_value(std::string_view key, std::string_view value) {
  fail(Errc::invalid_argument, "invalid filter '" + std::string(key) + "=" + std::string(value) + "'");
}

bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME) == 0;
}

bool label_matches(const Image& image, const std::string& spec) {
  const auto& labels = image.config.labels;
  auto eq = spec.find('=');
  if (eq == std::string::npos) return labels.contains(spec);
  auto it = labels.find(spec.substr(0, eq));
  return it != labels.end() && it->second == spec.substr(eq + 1);
}

std::int64_t created_of(const FilterContext& ctx, const std::string& name) {
  return resolve_image(ctx.index, name, ctx.policy, ctx.search_registries).image->created_ns;
}

ImagePredicate compile_key(const std::string& key, const std::vector<std::string>& values, const FilterContext& ctx) {
  if (values.empty()) return nullptr;
  if (key == "reference") {
    return [values, policy = ctx.policy](const Image& img) {
      return std::any_of(values.begin(), values.end(),
                         [&](const std::string& p) { return matches_reference(img, p, policy); });
    };
  }
  if (key == "dangling") {
    bool want = parse_filter_bool(key, values.back());
    return [want](const Image& img) { return img.tags.empty() == want; };
  }
  if (key == "label" || key == "label!") {
    bool negate = key == "label!";
    return [values, negate](const Image& img) {
      return std::all_of(values.begin(), values.end(),
                         [&](const std::string& v) { return label_matches(img, v) != negate; });
    };
  }
  if (key == "before") {
    std::int64_t t = created_of(ctx, values.back());
    return [t](const Image& img) { return img.created_ns < t; };
  }
  if (key == "since" || key == "after") {
    std::int64_t t = created_of(ctx, values.back());
    return [t](const Image& img) { return img.created_ns > t; };
  }
  if (key == "until") {
    std::int64_t t = parse_filter_time(values.back(), ctx.now_ns);
    return [t](const Image& img) { return img.created_ns < t; };
  }
  if (key == "id") {
    std::vector<std::string> prefixes;
    for (auto v : values) prefixes.push_back(v.starts_with("sha256:") ? v.substr(7) : v);
    return [prefixes](const Image& img) {
      return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return img.id.starts_with(p); });
    };
  }
  if (key == "digest") {
    return [values](const Image& img) {
      return std::any_of(values.begin(), values.end(), [&](const std::string& d) {
        if (img.manifest_digest == d) return true;
        return std::any_of(img.digests.begin(), img.digests.end(),
                           [&](const std::string& n) { return n.ends_with("@" + d); });
      });
    };
  }
  if (key == "readonly" || key == "intermediate") {
    // Every image here is writable and tagged-or-dangling, never a build's intermediate.
    bool want = parse_filter_bool(key, values.back());
    return [want](const Image&) { return !want; };
  }
  fail(Errc::invalid_argument, "invalid filter '" + key + "'");
}

}  // namespace

const std::set<std::string, std::less<>>& list_filter_keys() {
  static const std::set<std::string, std::less<>> keys = {"reference", "dangling", "label",    "label!",
                                                          "before",    "since",    "after",    "id",
                                                          "digest",    "until",    "readonly", "intermediate"};
  return keys;
}

const std::set<std::string, std::less<>>& prune_filter_keys() {
  static const std::set<std::string, std::less<>> keys = {"until", "label", "label!", "dangling"};
  return keys;
}

bool parse_filter_bool(std::string_view key, std::string_view value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  bad_value(key, value);
}

bool matches_reference(const Image& image, std::string_view pattern_view, ShortNamePolicy policy) {
  std::string pattern(pattern_view);
  for (const auto& name : image.tags) {
    std::vector<std::string> forms = {name, repository_of_name(name)};
    try {
      std::string familiar = parse_reference(name).familiar();
      forms.push_back(familiar);
      forms.push_back(repository_of_name(familiar));
    } catch (const Error&) {
    }
    if (policy == ShortNamePolicy::podman) {
      // libimage also matches the trailing path components: "busybox" finds quay.io/x/busybox.
      std::string repo = repository_of_name(name);
      for (auto pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos + 1)) {
        forms.push_back(name.substr(pos + 1));
        if (pos + 1 < repo.size()) forms.push_back(repo.substr(pos + 1));
      }
    }
    for (const auto& f : forms)
      if (glob(pattern, f)) return true;
  }
  return false;
}

ImagePredicate compile_image_filters(const Filters& filters, const std::set<std::string, std::less<>>& accepted,
                                     const FilterContext& ctx) {
  std::vector<ImagePredicate> preds;
  for (const auto& [key, values] : filters) {
    if (!accepted.contains(key)) fail(Errc::invalid_argument, "invalid filter '" + key + "'");
    if (auto p = compile_key(key, values, ctx)) preds.push_back(std::move(p));
  }
  return [preds = std::move(preds)](const Image& img) {
    return std::all_of(preds.begin(), preds.end(), [&](const ImagePredicate& p) { return p(img); });
  };
}

}  // namespace berth::core::images
