// The OpenAPI 3 documents of what berthd serves (openapi/libpod.json and compat.json, embedded at build time).
#pragma once

#include <string_view>

namespace berth::openapi {

std::string_view libpod_json();
std::string_view compat_json();

}  // namespace berth::openapi
