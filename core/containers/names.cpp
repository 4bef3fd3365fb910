// generate_name and checked_name.
#include "core/containers/names.hpp"

#include <sys/random.h>

#include <array>
#include <cctype>

#include "core/error.hpp"

namespace berth::core::containers {

namespace {

// A subset of docker's lists (pkg/namesgenerator): familiar to users, plenty of combinations.
constexpr std::array<std::string_view, 48> kLeft = {
    "admiring",   "adoring", "affectionate", "agitated",   "amazing",    "angry",    "awesome",       "blissful",
    "bold",       "boring",  "brave",        "busy",       "charming",   "clever",   "compassionate", "competent",
    "cool",       "cranky",  "dazzling",     "determined", "distracted", "dreamy",   "eager",         "ecstatic",
    "elastic",    "elated",  "elegant",      "eloquent",   "epic",       "exciting", "fervent",       "festive",
    "flamboyant", "focused", "friendly",     "frosty",     "funny",      "gallant",  "gifted",        "goofy",
    "gracious",   "happy",   "hardcore",     "heuristic",  "hopeful",    "hungry",   "infallible",    "inspiring"};
constexpr std::array<std::string_view, 48> kRight = {
    "albattani",     "allen",     "almeida",  "archimedes",  "ardinghelli", "aryabhata", "austin",   "babbage",
    "banach",        "bardeen",   "bartik",   "bassi",       "bell",        "bhabha",    "bohr",     "booth",
    "borg",          "bose",      "boyd",     "brahmagupta", "brattain",    "brown",     "carson",   "cerf",
    "chandrasekhar", "chaplygin", "chatelet", "chatterjee",  "chebyshev",   "clarke",    "colden",   "cori",
    "curie",         "darwin",    "davinci",  "dewdney",     "dijkstra",    "dirac",     "driscoll", "dubinsky",
    "easley",        "edison",    "einstein", "elbakyan",    "elgamal",     "elion",     "euclid",   "euler"};

unsigned random_below(unsigned n) {
  unsigned v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) fail(Errc::internal, "getrandom failed");
  return v % n;
}

}  // namespace

std::string generate_name(const std::function<bool(const std::string&)>& taken) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name =
        std::string(kLeft[random_below(kLeft.size())]) + "_" + std::string(kRight[random_below(kRight.size())]);
    if (attempt >= 3) name += std::to_string(random_below(10));
    if (!taken(name)) return name;
  }
  fail(Errc::internal, "could not generate a free container name");
}

std::string checked_name(std::string_view name) {
  if (name.starts_with('/')) name.remove_prefix(1);
  auto ok = [](char c, bool first) {
    return std::isalnum(static_cast<unsigned char>(c)) || (!first && (c == '_' || c == '.' || c == '-'));
  };
  bool valid = !name.empty();
  for (std::size_t i = 0; valid && i < name.size(); ++i) valid = ok(name[i], i == 0);
  if (!valid) {
    fail(Errc::invalid_argument,
         "Invalid container name (" + std::string(name) + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  return std::string(name);
}

}  // namespace berth::core::containers
