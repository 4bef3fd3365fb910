// Exec documents shared by both trees (podman serves them with one set of handlers): the create and start bodies
// → core exec types, the create reply and the inspect document (podman's define.InspectExecSession).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/exec/service.hpp"

namespace berth::compat::shapes {

// docker's ExecConfig (POST /containers/{name}/exec): AttachStdin/AttachStdout/AttachStderr, DetachKeys, Tty,
// Env, Cmd (a list or one string), Privileged, User, WorkingDir, ConsoleSize [h, w]. Keys match without case;
// unknown keys are ignored; an empty body reads as {}. Malformed JSON, a value of the wrong type, or an Env entry
// without "=" (podman's check) → invalid_argument. DetachKeys "" means the default, as in podman.
core::exec::ExecConfig exec_config_from_json(std::string_view body);

// The exec start body as the docker tree reads it: Detach, Tty (docker lets start override the session's TTY, so
// it is set when given), and the initial size from ConsoleSize [h, w] (docker 1.42) or podman's "h"/"w".
core::exec::ExecStartOptions exec_start_from_json(std::string_view body);

// 201 {"Id": "..."} (podman's entities.IDResponse).
nlohmann::json exec_create_reply_json(const std::string& id);

// podman's define.InspectExecSession, which podman 4.3.1 sends on both trees: CanRemove, ContainerID, DetachKeys,
// ExitCode (0 until it exited), ID, OpenStderr, OpenStdin, OpenStdout, Running, Pid (0 unless running),
// ProcessConfig {arguments (null without any), entrypoint, privileged, tty, user}.
nlohmann::json exec_inspect_json(const core::exec::ExecSession& session);

}  // namespace berth::compat::shapes
