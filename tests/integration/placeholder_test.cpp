// placeholder replaced by integration tests
#include <catch2/catch.hpp>
