// The /etc/hosts, /etc/hostname and /etc/resolv.conf a container gets, written into its directory at create.
#pragma once

#include <string>

#include "core/model/container.hpp"

namespace berth::core::containers {

struct EtcFiles {
  std::string hostname;  // content of /etc/hostname (with newline)
  std::string hosts;
  std::string resolv;
};

// Host network mode reuses the host's hosts and resolv.conf; otherwise: localhost entries, the container's own
// name on 127.0.1.1, extra hosts; resolv.conf from the spec's DNS settings, else the host's without loopback
// nameservers (they are unreachable from another network namespace).
EtcFiles etc_files(const ContainerSpec& spec, const std::string& name, const std::string& hostname);

// Writes content to path atomically (temp + rename), mode 0644.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace berth::core::containers
