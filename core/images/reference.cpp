// Image reference parsing after distribution/reference (regexp.go, normalize.go) and podman's short-name
// candidates after containers/image pkg/shortnames.ResolveLocally.
#include "core/images/reference.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace berth::core::images {

namespace {

constexpr std::size_t kNameTotalLengthMax = 255;
constexpr std::string_view kInvalidFormat = "invalid reference format";

[[noreturn]] void invalid(std::string_view cause = {}) {
  if (cause.empty()) fail(Errc::invalid_argument, kInvalidFormat);
  fail(Errc::invalid_argument, cause, kInvalidFormat);
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// path-component: [a-z0-9]+ (separator [a-z0-9]+)*, separator: [._] | __ | -+
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    if (c[i] == '.') {
      j = i + 1;
    } else if (c[i] == '_') {
      j = (i + 1 < c.size() && c[i + 1] == '_') ? i + 2 : i + 1;
    } else if (c[i] == '-') {
      while (j < c.size() && c[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= c.size() || !is_lower_alnum(c[j])) return false;  // a separator sits between alphanumerics
    i = j;
  }
  return true;
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

// host (domain name, IPv4 or [IPv6]) with an optional numeric port.
bool valid_domain(std::string_view d) {
  std::string_view host = d;
  std::size_t port_at = std::string_view::npos;
  if (d.starts_with('[')) {
    std::size_t close = d.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view v6 = d.substr(1, close - 1);
    if (!std::all_of(v6.begin(), v6.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; }))
      return false;
    host = {};
    if (close + 1 < d.size()) {
      if (d[close + 1] != ':') return false;
      port_at = close + 1;
    }
  } else {
    port_at = d.find(':');
    host = d.substr(0, port_at);
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = host.find('.', start);
      if (!valid_domain_component(host.substr(start, dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (port_at == std::string_view::npos) return true;
  std::string_view port = d.substr(port_at + 1);
  return !port.empty() && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// tag: [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !is_word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

bool valid_path(std::string_view p) {
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = p.find('/', start);
    if (!valid_path_component(p.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// docker's splitDockerDomain: the first component is a registry only when it cannot be a path component.
void split_domain(std::string_view name, Reference& ref) {
  std::size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost" && !has_upper(first))) {
    ref.path = std::string(name);
    return;
  }
  ref.domain = std::string(first);
  ref.path = std::string(name.substr(slash + 1));
}

void parse_digest(std::string_view text, Reference& ref) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) invalid();
  std::string_view hex = text.substr(colon + 1);
  bool hex_ok = hex.size() >= 32 && std::all_of(hex.begin(), hex.end(), [](char c) {
                  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                });
  if (!hex_ok) invalid();
  if (text.substr(0, colon) != "sha256") fail(Errc::invalid_argument, "unsupported digest algorithm");
  if (!is_sha256_hex(hex)) fail(Errc::invalid_argument, "invalid checksum digest format");
  ref.digest = Digest::parse(text);
}

}  // namespace

Reference parse_reference(std::string_view text) {
  if (text.empty()) invalid();
  Reference ref;
  std::string_view name = text;
  if (std::size_t at = name.find('@'); at != std::string_view::npos) {
    parse_digest(name.substr(at + 1), ref);
    name = name.substr(0, at);
  }
  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  std::size_t colon = name.rfind(':');
  std::size_t slash = name.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = name.substr(colon + 1);
    if (!valid_tag(tag)) invalid();
    ref.tag = std::string(tag);
    name = name.substr(0, colon);
  }
  if (name.empty()) invalid();
  if (is_sha256_hex(name)) {
    fail(Errc::invalid_argument,
         "invalid repository name (" + std::string(name) + "), cannot specify 64-byte hexadecimal strings");
  }
  split_domain(name, ref);
  // As current distribution/reference: the limit is on the repository path as docker stores it, i.e. after the
  // library/ prefix is added, not on the domain.
  if (ref.normalized().path.size() > kNameTotalLengthMax) {
    fail(Errc::invalid_argument, "repository name must not be more than 255 characters");
  }
  if (!ref.domain.empty() && !valid_domain(ref.domain)) invalid();
  if (!valid_path(ref.path)) {
    // As docker: a name that would be valid in lowercase gets the more helpful message.
    if (has_upper(ref.path) && valid_path(lower(ref.path))) invalid("repository name must be lowercase");
    invalid();
  }
  return ref;
}

Reference Reference::normalized() const {
  Reference out = *this;
  if (out.domain.empty() || out.domain == "index.docker.io") out.domain = std::string(kDockerDomain);
  if (out.domain == kDockerDomain && out.path.find('/') == std::string::npos) out.path = "library/" + out.path;
  if (out.tag.empty() && !out.digest) out.tag = "latest";
  return out;
}

namespace {
std::string with_suffix(std::string name, const Reference& n) {
  if (!n.tag.empty()) name += ":" + n.tag;
  if (n.digest) name += "@" + n.digest->str();
  return name;
}
}  // namespace

std::string Reference::name() const {
  Reference n = normalized();
  return n.domain + "/" + n.path;
}

std::string Reference::str() const { return with_suffix(name(), normalized()); }

std::string Reference::familiar() const {
  Reference n = normalized();
  std::string name = n.domain + "/" + n.path;
  if (n.domain == kDockerDomain) {
    name = n.path;
    constexpr std::string_view kLibrary = "library/";
    if (name.starts_with(kLibrary) && name.find('/', kLibrary.size()) == std::string::npos) {
      name.erase(0, kLibrary.size());
    }
  }
  return with_suffix(std::move(name), n);
}

std::vector<Reference> candidates(const Reference& short_name,
                                  const std::vector<std::string>& unqualified_search_registries) {
  std::vector<std::string> registries{"localhost"};
  for (const auto& r : unqualified_search_registries) {
    if (std::find(registries.begin(), registries.end(), r) == registries.end()) registries.push_back(r);
  }
  std::vector<Reference> out;
  out.reserve(registries.size());
  for (const auto& registry : registries) {
    Reference c = short_name;
    c.domain = registry;
    out.push_back(c.normalized());
  }
  return out;
}

bool looks_like_id_prefix(std::string_view text) {
  std::size_t min = 3;
  if (text.starts_with("sha256:")) {
    text.remove_prefix(7);
    min = 1;
  }
  return text.size() >= min && text.size() <= 64 && std::all_of(text.begin(), text.end(), is_lower_hex);
}

}  // namespace berth::core::images
