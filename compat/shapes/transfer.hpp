// Docker's jsonmessage streams for pull (POST /images/create?fromImage=) and push (POST /images/{name}/push), one
// JSON document per line, as the docker CLI renders them. Each stream object is stateful (one per request): it
// turns an engine TransferEvent into zero or more lines.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/transfer.hpp"

namespace berth::compat::shapes {

// go-units HumanSize (decimal, "%.4g"): "1.215MB", "527B".
std::string human_size(double size);
// jsonmessage.JSONProgress.String() as a daemon renders it (no terminal: width 200, so the 50-wide bar is shown;
// no time left): "[=========>                                         ]  1.215MB/5.8MB". "" when nothing is known.
std::string progress_text(std::uint64_t current, std::uint64_t total);

// {"errorDetail":{"message":m},"error":m}: an in-stream failure.
std::string error_line(std::string_view message);

// Whether an engine message is one of podman's copy lines ("Trying to pull …", "Getting image source signatures",
// "Copying blob …", "Writing manifest …", "Storing signatures"), which docker's stream does not have.
bool podman_only_message(std::string_view text);

class DockerPullStream {
 public:
  // path: "library/busybox"; tag_or_digest: "latest" or "sha256:…"; familiar: "busybox:latest".
  DockerPullStream(std::string path, std::string tag_or_digest, std::string familiar);
  // {"status":"Pulling from library/busybox","id":"latest"}
  std::string start() const;
  // layer: {"status","progressDetail",("progress"),"id"}; message: {"status"(,"id")}; done: "Digest: …" and
  // "Status: Downloaded newer image for …" ("Image is up to date for …" when every layer already existed), unless
  // the engine already said them; error: error_line.
  std::vector<std::string> lines(const core::TransferEvent& event);

 private:
  std::string path_, tag_, familiar_;
  bool said_digest_ = false, said_status_ = false, fetched_ = false;
};

class DockerPushStream {
 public:
  // repository: "docker.io/library/busybox"; tag: the tag pushed ("latest").
  DockerPushStream(std::string repository, std::string tag);
  // {"status":"The push refers to repository [docker.io/library/busybox]"}
  std::string start() const;
  // layer: as pull ("Preparing", "Waiting", "Pushing" with progress, "Pushed", "Layer already exists", "Mounted
  // from R"); done: {"status":"latest: digest: sha256:… size: 527"} then {"progressDetail":{},"aux":{"Tag",
  // "Digest","Size"}}; error: error_line.
  std::vector<std::string> lines(const core::TransferEvent& event);

 private:
  std::string repository_, tag_;
};

// POST /auth: {"IdentityToken":"","Status":"Login Succeeded"}.
nlohmann::json login_ok_json();

}  // namespace berth::compat::shapes
