// Reading the daemon's own environment.
#pragma once

#include <cstdlib>
#include <string>

namespace berth::core::sys {

// The value of the environment variable `name`, "" when it is unset.
inline std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace berth::core::sys
