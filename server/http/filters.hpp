// The `filters` query parameter: docker's JSON object of string lists ({"k":["v"]}) or its legacy form
// ({"k":{"v":true}}), parsed into core::Filters. Which keys a list accepts is the service's business.
#pragma once

#include <string_view>

#include "core/model/filters.hpp"
#include "server/http/query.hpp"

namespace berth::http {

// Parses one filters document; "" → no filters. Malformed JSON or a value of another shape → invalid_argument.
core::Filters parse_filters(std::string_view json);

// The request's `filters` parameter (absent → none).
core::Filters query_filters(const Query& query);

}  // namespace berth::http
