// What this binary is: its release version and the git revision it was built from, as
// `maestro --version` prints them ("maestro 0.2.0 (git 1a2b3c4d5e6f)"). Generated at build time
// by cmake/build_info.cmake.
#pragma once

namespace maestro {

const char* version();
// `git describe --always --dirty` of the source tree, or "unknown" outside a checkout.
const char* git_revision();

}  // namespace maestro
