// Ulimit: one resource limit as docker and containers.conf name it.
#pragma once

#include <cstdint>
#include <string>

namespace berth::core {

struct Ulimit {
  std::string name;  // "nofile", "nproc", ... (without RLIMIT_)
  std::int64_t soft = 0;
  std::int64_t hard = 0;
};

}  // namespace berth::core
