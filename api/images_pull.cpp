// podman pull / podman push through the service: validate, then one engine transfer streamed as podman's report
// lines (a quiet push is one blocking call answering a text line, as podman 4.3.1 does by default).
#include "api/images_pull.hpp"

#include <algorithm>
#include <memory>

#include "api/shapes/transfer.hpp"
#include "compat/images_pull.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "server/http/registry_auth.hpp"

namespace berth::api {
namespace {

using core::images::ShortNamePolicy;

// Only registry references make sense remotely: none of containers/image's other transports, "docker://" is
// dropped. Parsed to validate (a bad one is a 400 before the stream starts); the text goes to the engine as given, so
// a short name is resolved by the podman policy.
std::string registry_reference(std::string_view text, core::images::Reference& parsed) {
  if (text.starts_with("docker://")) text.remove_prefix(9);
  for (std::string_view transport : {"containers-storage", "dir", "docker-archive", "docker-daemon", "oci",
                                     "oci-archive", "ostree", "sif", "tarball"})
    if (text.starts_with(transport) && text.substr(transport.size()).starts_with(':'))
      core::fail(core::Errc::invalid_argument, "unsupported transport " + std::string(transport) + " in \"" +
                                                   std::string(text) + "\": only docker transport is supported");
  parsed = core::images::parse_reference(text);
  return std::string(text);
}

core::images::PullPolicy pull_policy(std::string text) {
  std::ranges::transform(text, text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  using P = core::images::PullPolicy;
  if (text == "always") return P::always;
  if (text == "missing" || text == "ifmissing" || text == "ifnotpresent") return P::missing;
  if (text == "newer" || text == "ifnewer") return P::newer;
  if (text == "never") return P::never;
  core::fail(core::Errc::invalid_argument, "unsupported pull policy \"" + text + "\"");
}

// tlsVerify only counts when given (else registries.conf decides).
std::optional<bool> tls_verify(const http::Request& req) {
  if (!req.query.has("tlsVerify")) return std::nullopt;
  return req.query.flag("tlsVerify", true);
}

// The first of several spellings podman has used for a parameter (Arch, arch, overrideArch).
std::string first_of(const http::Query& query, std::initializer_list<std::string_view> keys) {
  for (auto key : keys)
    if (auto v = query.optional_string(key)) return *v;
  return {};
}

// X-Registry-Config / X-Registry-Auth, else the documented credentials=user:password.
core::registry::CredentialMap credentials(const http::Request& req, const std::string& registry) {
  auto out = http::request_credentials(req.headers, registry);
  auto given = req.query.string("credentials");
  if (out.empty() && !given.empty()) {
    auto colon = given.find(':');
    out[registry.empty() ? std::string() : core::registry::normalize_registry_host(registry)] = {
        .username = given.substr(0, colon), .password = colon == std::string::npos ? "" : given.substr(colon + 1)};
  }
  return out;
}

void run(core::Engine& engine, const core::images::PullOptions& opts, shapes::PodmanTransferStream& stream,
         const compat::LineEmit& emit, const core::sys::CancelToken& cancel) {
  engine.images.pull(
      opts,
      [&](core::TransferEvent event) {
        for (auto& line : stream.lines(event)) emit(std::move(line));
      },
      cancel);
}

}  // namespace

http::Reply pull_image(const http::Request& req, core::Engine& engine) {
  auto text = req.query.string("reference");
  if (text.empty()) core::fail(core::Errc::invalid_argument, "reference parameter cannot be empty");
  core::images::Reference ref;
  core::images::PullOptions opts{
      .reference = registry_reference(text, ref),
      .policy = ShortNamePolicy::podman,
      .pull_policy = pull_policy(req.query.string("policy", "always")),
      .platform = {.os = first_of(req.query, {"OS", "os", "overrideOS"}),
                   .architecture = first_of(req.query, {"Arch", "arch", "overrideArch"}),
                   .variant = first_of(req.query, {"Variant", "variant", "overrideVariant"})},
      .all_tags = req.query.flag("allTags"),
      .tls_verify = tls_verify(req),
      .credentials = credentials(req, ref.domain)};
  auto stream = std::make_shared<shapes::PodmanTransferStream>(req.query.flag("quiet"), false);
  return compat::transfer_reply(
      [&engine, opts = std::move(opts), stream](const compat::LineEmit& emit, const core::sys::CancelToken& cancel) {
        run(engine, opts, *stream, emit, cancel);
      },
      shapes::transfer_error_line);
}

http::Reply push_image(const http::Request& req, core::Engine& engine) {
  const auto& source = req.param("name");
  auto destination = req.query.string("destination", source);
  core::images::Reference ref;
  core::images::PushOptions opts{.destination = registry_reference(destination.empty() ? source : destination, ref),
                                 .policy = ShortNamePolicy::podman,
                                 .format = req.query.string("format"),
                                 .compress = req.query.flag("compress", true),
                                 .tls_verify = tls_verify(req),
                                 .credentials = credentials(req, ref.domain)};
  // podman 4.3.1: quiet unless told otherwise (older clients expect no stream).
  if (req.query.flag("quiet", true)) {
    core::sys::CancelToken never;
    engine.images.push(
        source, opts, [](core::TransferEvent) {}, never);
    return http::Reply::text("\n");
  }
  auto stream = std::make_shared<shapes::PodmanTransferStream>(false, true);
  return compat::transfer_reply(
      [&engine, source, opts = std::move(opts), stream](const compat::LineEmit& emit,
                                                        const core::sys::CancelToken& cancel) {
        engine.images.push(
            source, opts,
            [&](core::TransferEvent event) {
              for (auto& line : stream->lines(event)) emit(std::move(line));
            },
            cancel);
      },
      shapes::transfer_error_line);
}

}  // namespace berth::api
