// The libpod tree's reading of the exec start body; every other exec document is shared with the docker tree
// (compat/shapes/exec.hpp), as podman serves both trees with the same handlers.
#pragma once

#include <string_view>

#include "core/exec/service.hpp"

namespace berth::api::shapes {

// {Detach, Tty, h, w} as podman's ExecStartHandler reads it: Tty never changes the session's framing (podman-remote
// sends Tty=false for a TTY session when its stdin is not a terminal, and still reads raw output); it only gates
// the initial size, which is applied when Tty is true and h or w is given.
core::exec::ExecStartOptions libpod_exec_start_from_json(std::string_view body);

}  // namespace berth::api::shapes
