// Seccomp: containers-common's profile (archMap, includes/excludes) converted into the OCI form runc reads.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::core::containers {

// Keeps the rules whose includes match this machine (arch amd64/x86_64, every listed cap granted, minKernel at
// most `kernel_release`) and whose excludes don't; sets architectures to the native one and its subarchitectures.
// A profile already in OCI form (no archMap, no includes) passes through the same filter unchanged.
// Malformed text → invalid_argument.
nlohmann::json seccomp_to_oci(const std::string& profile_text, const std::vector<std::string>& caps,
                              std::string_view kernel_release);

// This machine's `uname -r`.
std::string kernel_release();

}  // namespace berth::core::containers
