// What pull and push report as they go: per-layer progress, messages, and the outcome.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::core {

struct TransferEvent {
  enum class Kind {
    layer,    // a layer's (or config's) status changed or progressed: id, status, current/total
    message,  // a line for the user: "Trying to pull docker.io/library/busybox:latest...", "Digest: sha256:...",
              // "Status: Downloaded newer image for busybox:latest"
    done,     // the outcome: image_ids (pulled, in order) or, for push, digest and size
    error,    // the transfer failed (in-stream: the reply status was already sent)
  };
  Kind kind = Kind::message;
  std::string id;      // layer: short digest hex (12 chars), as docker prints it
  std::string status;  // layer: "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum", "Download
                       // complete", "Extracting", "Pull complete", "Already exists"; push: "Preparing", "Pushing",
                       // "Pushed", "Layer already exists", "Mounted from R"; message / error: the text
  std::uint64_t current = 0;
  std::uint64_t total = 0;
  std::vector<std::string> image_ids;  // done (pull): hex IDs
  std::string digest;                  // done (push): manifest digest "sha256:..."; done (pull): manifest digest
  std::uint64_t size = 0;              // done (push): manifest size
  std::string tag;                     // done (push): the tag pushed
};

}  // namespace berth::core
