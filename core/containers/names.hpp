// Container names: docker's "adjective_surname" for containers created without one, and the name rules.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace berth::core::containers {

// A free "adjective_surname" (docker's namesgenerator style); `taken` says whether a candidate is in use. After
// a few collisions a random digit is appended, as docker does.
std::string generate_name(const std::function<bool(const std::string&)>& taken);

// docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* (a leading "/" is dropped first). Invalid → invalid_argument
// "Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed".
std::string checked_name(std::string_view name);

}  // namespace berth::core::containers
