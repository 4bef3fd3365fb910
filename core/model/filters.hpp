// Filters: a list/prune query's filters, parsed from either docker form into key → values.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace berth::core {

// "label" → {"a=b", "c"}: every value given for a key, in order. Keys are checked against each list's accepted set
// by the service that evaluates them (unknown → Errc::invalid_argument "invalid filter 'k'").
using Filters = std::map<std::string, std::vector<std::string>>;

}  // namespace berth::core
