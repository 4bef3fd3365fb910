// Gathering the host facts that stay fixed while the daemon runs: kernel, distribution, cgroups, tool versions and
// their Debian packages. Slow (it runs subprocesses), so the system service does it once, in the background.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/config/config.hpp"
#include "core/model/system.hpp"

namespace berth::core::system {

// Never throws: what cannot be learnt stays empty, "unknown" or "Unknown" (podman's words). The tools' --version
// runs and the two dpkg-query runs go concurrently, each bounded by a timeout.
HostFacts gather_host_facts(const ToolPaths& tools, std::string engine_id);

// The pieces, exposed for tests.
Distribution parse_os_release(std::string_view text);
// uname's machine ("x86_64") as Go's GOARCH ("amd64"), the spelling clients print and compare.
std::string go_arch(std::string_view machine);
// `dpkg-query -S` output ("runc: /usr/sbin/runc") as path -> package; diversion lines are skipped.
std::map<std::string, std::string> parse_dpkg_search(std::string_view out);
// `--version` output as podman shows it: trailing newlines trimmed; conmon's two lines joined with ", ".
std::string tool_version_text(std::string_view out, bool join_first_line);

}  // namespace berth::core::system
