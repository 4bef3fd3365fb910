// Registry transfers of the docker tree: pull (POST /images/create?fromImage=) and push (POST /images/{name}/push),
// plus the stream plumbing the libpod tree shares.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/sys/cancel.hpp"
#include "server/http/router.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::compat {

using LineEmit = std::function<void(std::string)>;
using TransferTask = std::function<void(const LineEmit& emit, const core::sys::CancelToken& cancel)>;
using ErrorLine = std::string (*)(std::string_view message);

// 200 and a json-lines stream of what `task` emits (already shaped lines) from a thread of its own; what it throws
// becomes its last line through `error_line`. The client leaving cancels the task.
http::Reply transfer_reply(TransferTask task, ErrorLine error_line);

// POST /images/create?fromImage=&tag=&platform= (fromSrc imports stay in images.cpp, which calls this).
http::Reply pull_image(const http::Request& req, core::Engine& engine);
// POST /images/{name}/push?tag=
http::Reply push_image(const http::Request& req, core::Engine& engine);

}  // namespace berth::compat
