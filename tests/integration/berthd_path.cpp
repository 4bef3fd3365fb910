// Tells the test support library which berthd to run: the one this build made.
#include "tests/support/berthd.hpp"

namespace berth::test {

std::string default_berthd_path() { return BERTHD_PATH; }

}  // namespace berth::test
