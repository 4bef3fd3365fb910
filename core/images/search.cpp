// ImageService::search: per registry the v1 search API, else the v2 catalog filtered by the term, or a
// repository's tags; the registries are asked in parallel and their rows kept in registries.conf order.
#include "core/images/search.hpp"

#include <charconv>
#include <future>
#include <optional>

#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"
#include "core/registry/client.hpp"
#include "core/registry/endpoints.hpp"

namespace berth::core::images {

SearchFilter parse_search_filter(const Filters& filters) {
  SearchFilter out;
  for (const auto& [key, values] : filters) {
    std::string value = values.empty() ? std::string() : values.front();
    if (key == "stars") {
      std::int64_t stars = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), stars);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        fail(Errc::invalid_argument, "strconv.Atoi: parsing \"" + value + "\": invalid syntax",
             "incorrect value type for stars filter");
      out.stars = stars;
    } else if (key == "is-official") {
      out.official = value != "false";
    } else if (key == "is-automated") {
      out.automated = value != "false";
    } else {
      fail(Errc::invalid_argument, "invalid filter type \"" + key + "=" + value + "\"");
    }
  }
  return out;
}

bool search_filter_matches(const SearchFilter& f, const SearchResult& r) {
  if (f.official && *f.official != r.official) return false;
  if (f.automated && *f.automated != r.automated) return false;
  return r.stars >= f.stars;
}

std::pair<std::string, std::string> split_search_term(std::string_view term) {
  auto slash = term.find('/');
  if (slash == std::string_view::npos) return {std::string(), std::string(term)};
  return {std::string(term.substr(0, slash)), std::string(term.substr(slash + 1))};
}

std::vector<std::string> catalog_matches(const std::vector<std::string>& repositories, std::string_view term,
                                         std::size_t limit) {
  std::vector<std::string> out;
  for (const auto& repo : repositories) {
    if (out.size() >= limit) break;
    if (repo.find(term) == std::string::npos) continue;
    // bugzilla 1976283: a full match comes first.
    if (repo == term)
      out.insert(out.begin(), repo);
    else
      out.push_back(repo);
  }
  return out;
}

std::string search_result_name(std::string_view registry, std::string_view repo) {
  // libimage compares the last two labels of the registry ("index.docker.io" → "docker.io").
  std::string index(registry);
  auto last = index.rfind('.');
  if (last != std::string::npos && last > 0) {
    auto second = index.rfind('.', last - 1);
    if (second != std::string::npos) index = index.substr(second + 1);
  }
  if (index == kDockerDomain && repo.find('/') == std::string_view::npos)
    return std::string(kDockerDomain) + "/library/" + std::string(repo);
  return std::string(registry) + "/" + std::string(repo);
}

namespace {

// As libimage: 0 means the default, a negative limit shows nothing.
std::size_t row_limit(int limit) {
  if (limit > 0) return static_cast<std::size_t>(limit);
  return limit == 0 ? kDefaultSearchLimit : 0;
}

std::optional<registry::Credentials> credentials_for(const std::string& registry,
                                                     const registry::CredentialMap& given) {
  if (auto c = registry::find_credentials(registry, given)) return c;
  // The single form of X-Registry-Auth with a bare term is keyed "": it is for whichever registry we ask.
  if (auto any = given.find(""); any != given.end() && !any->second.empty()) return any->second;
  return std::nullopt;
}

// podman's searchRepositoryTags: the tags of registry/term, one row each.
std::vector<SearchResult> list_tags(const RegistriesConfig& conf, const std::string& registry,
                                    const SearchOptions& opts, const std::string& term) {
  Reference ref;
  try {
    ref = parse_reference(registry + "/" + term).normalized();
  } catch (const Error&) {
    fail(Errc::invalid_argument, "reference \"" + term + "\" must be a docker reference");
  }
  registry::Source src = registry::push_target(conf, ref, opts.tls_verify);
  std::vector<std::string> tags;
  try {
    registry::RegistryClient client(src.endpoint, credentials_for(src.registry, opts.credentials));
    tags = client.tags(src.repo);
  } catch (const Error& e) {
    throw e.wrap("getting repository tags");
  }
  std::vector<SearchResult> out;
  for (std::size_t i = 0; i < tags.size() && i < row_limit(opts.limit); ++i)
    out.push_back(SearchResult{.name = ref.name(), .tag = tags[i]});
  return out;
}

// c/image's SearchRegistry: v1 search when the term is not empty and the registry has it, else the catalog.
std::vector<registry::SearchHit> query_registry(const RegistriesConfig& conf, const std::string& registry,
                                                const SearchOptions& opts, const std::string& term) {
  Reference ref;
  ref.domain = registry;
  ref.path = "library/search";  // only the registry matters; a path keeps prefix matching well-formed
  registry::Source src = registry::push_target(conf, ref, opts.tls_verify);
  // Docker hub answers v1 search on its index host and has no catalog.
  if (registry == kDockerDomain || registry == "index.docker.io") src.endpoint.host = "index.docker.io";
  int limit = opts.limit > 0 ? opts.limit : kDefaultSearchLimit;
  std::string context = "couldn't search registry \"" + registry + "\"";
  try {
    registry::RegistryClient client(src.endpoint, credentials_for(registry, opts.credentials));
    if (!term.empty()) {
      try {
        if (auto hits = client.search_v1(term, limit)) return *hits;
      } catch (const Error& e) {
        // c/image tries the catalog after any v1 failure; an unreachable registry would only fail twice.
        if (e.code() == Errc::unavailable) throw;
      }
    }
    std::vector<registry::SearchHit> out;
    for (auto& name : catalog_matches(client.catalog(), term, static_cast<std::size_t>(limit)))
      out.push_back(registry::SearchHit{.name = std::move(name)});
    return out;
  } catch (const Error& e) {
    throw e.wrap(context);
  }
}

// libimage's searchImageInRegistry: the hits cut to the limit, then filtered (in that order, as podman does).
std::vector<SearchResult> search_registry(const RegistriesConfig& conf, const std::string& registry,
                                          const SearchOptions& opts, const SearchFilter& filter,
                                          const std::string& term) {
  if (opts.list_tags) return list_tags(conf, registry, opts, term);
  auto hits = query_registry(conf, registry, opts, term);
  std::vector<SearchResult> out;
  for (std::size_t i = 0; i < hits.size() && i < row_limit(opts.limit); ++i) {
    const auto& h = hits[i];
    SearchResult r{.index = registry,
                   .name = search_result_name(registry, h.name),
                   .description = h.description,
                   .stars = h.stars,
                   .official = h.official,
                   .automated = h.automated};
    for (auto& c : r.description)
      if (c == '\n') c = ' ';
    if (search_filter_matches(filter, r)) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<SearchResult> ImageService::search(const SearchOptions& opts) const {
  SearchFilter filter = parse_search_filter(opts.filters);
  auto [registry, term] = split_search_term(opts.term);
  std::vector<std::string> registries;
  if (!registry.empty())
    registries.push_back(registry);
  else
    registries = impl_->config.registries.unqualified_search;
  if (registries.empty()) return {};

  const RegistriesConfig& conf = impl_->config.registries;
  std::vector<std::future<std::vector<SearchResult>>> pending;
  for (const auto& r : registries)
    pending.push_back(
        std::async(std::launch::async, [&, r, t = term] { return search_registry(conf, r, opts, filter, t); }));
  std::vector<SearchResult> out;
  std::optional<Error> first;
  std::string messages;
  for (auto& p : pending) {
    try {
      auto rows = p.get();
      out.insert(out.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    } catch (const Error& e) {
      if (!first) first = e;
      messages += (messages.empty() ? "" : "; ") + e.message();
    }
  }
  // As libimage: one registry that answered is assumed to hold what the user looks for.
  if (!out.empty() || !first) return out;
  throw Error(first->code(), first->cause(), messages);
}

}  // namespace berth::core::images
