// Request accessors.
#include "server/http/request.hpp"

#include "core/error.hpp"

namespace berth::http {

const std::string& Request::param(std::string_view name) const {
  auto it = params.find(name);
  if (it == params.end()) core::fail(core::Errc::internal, "route has no parameter " + std::string(name));
  return it->second;
}

}  // namespace berth::http
