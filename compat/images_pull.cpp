// docker pull / docker push through the daemon: validate the reference (a bad one is still a plain 400), then one
// engine transfer whose events become docker's jsonmessage lines.
#include "compat/images_pull.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "compat/shapes/transfer.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "core/streams/task_source.hpp"
#include "server/http/registry_auth.hpp"

namespace berth::compat {
namespace {

using core::images::ShortNamePolicy;

// "os/arch[/variant]"; "" → the host's. Anything else → invalid_argument.
core::images::Platform parse_platform(std::string_view text) {
  core::images::Platform out;
  if (text.empty()) return out;
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = std::ranges::any_of(parts, [](const std::string& p) { return p.empty(); });
  if (parts.size() > 3 || empty_part)
    core::fail(core::Errc::invalid_argument, "\"" + std::string(text) + "\": unknown operating system or architecture",
               "invalid platform");
  out.os = parts[0];
  if (parts.size() > 1) out.architecture = parts[1];
  if (parts.size() > 2) out.variant = parts[2];
  return out;
}

// podman's mergeNameAndTagOrDigest: a tag that is a digest joins with '@'.
std::string merge_name_and_tag(const std::string& name, const std::string& tag) {
  if (tag.empty()) return name;
  return name + (tag.starts_with("sha256:") ? "@" : ":") + tag;
}

}  // namespace

http::Reply transfer_reply(TransferTask task, ErrorLine error_line) {
  auto on_error = [error_line](const std::exception& e) { return error_line(e.what()); };
  std::unique_ptr<core::streams::Source<std::string>> source =
      std::make_unique<core::streams::TaskSource<std::string>>(std::move(task), on_error);
  return http::Reply::stream(http::Framing::json_lines, std::move(source),
                             [](const std::string& line) { return line; });
}

http::Reply pull_image(const http::Request& req, core::Engine& engine) {
  auto ref = core::images::parse_reference(merge_name_and_tag(req.query.string("fromImage"), req.query.string("tag")))
                 .normalized();
  core::images::PullOptions opts{.reference = ref.str(),
                                 .policy = ShortNamePolicy::docker,
                                 .platform = parse_platform(req.query.string("platform")),
                                 .credentials = http::request_credentials(req.headers, ref.domain)};
  auto tag = ref.digest ? ref.digest->str() : ref.tag;
  auto stream = std::make_shared<shapes::DockerPullStream>(ref.path, tag, ref.familiar());
  return transfer_reply(
      [&engine, opts = std::move(opts), stream](const LineEmit& emit, const core::sys::CancelToken& cancel) {
        emit(stream->start());
        engine.images.pull(
            opts,
            [&](core::TransferEvent event) {
              for (auto& line : stream->lines(event)) emit(std::move(line));
            },
            cancel);
      },
      shapes::error_line);
}

http::Reply push_image(const http::Request& req, core::Engine& engine) {
  auto ref = core::images::parse_reference(merge_name_and_tag(req.param("name"), req.query.string("tag"))).normalized();
  core::images::PushOptions opts{.destination = ref.str(),
                                 .policy = ShortNamePolicy::docker,
                                 .credentials = http::request_credentials(req.headers, ref.domain)};
  auto stream = std::make_shared<shapes::DockerPushStream>(ref.name(), ref.tag);
  return transfer_reply(
      [&engine, opts = std::move(opts), stream](const LineEmit& emit, const core::sys::CancelToken& cancel) {
        emit(stream->start());
        engine.images.push(
            opts.destination, opts,
            [&](core::TransferEvent event) {
              for (auto& line : stream->lines(event)) emit(std::move(line));
            },
            cancel);
      },
      shapes::error_line);
}

}  // namespace berth::compat
