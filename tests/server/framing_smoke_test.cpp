// placeholder replaced by server tests
#include <catch2/catch.hpp>
