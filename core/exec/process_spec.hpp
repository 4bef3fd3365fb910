// The OCI process object of an exec session: the container's own process (from its config.json) with the
// session's command, environment, directory, user, terminal and capabilities, as podman's prepareProcessExec does.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/containers/oci_spec.hpp"
#include "core/exec/service.hpp"

namespace berth::core::exec {

// `container_process` is config.json's "process"; `user` is the session's user resolved in the container's rootfs
// (nullopt: keep the container's); `capabilities` replaces every capability set when the session is privileged.
nlohmann::json exec_process(const nlohmann::json& container_process, const ExecConfig& config,
                            const std::optional<containers::ProcessUser>& user,
                            const std::vector<std::string>& capabilities, int height, int width);

}  // namespace berth::core::exec
