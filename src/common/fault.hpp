// Crash points for testing recovery: the erasure executor and the file rewriter call
// crash_point() at every place where a crash would leave work half done. When the environment
// variable MAESTRO_CRASH_AT is N, the N-th crash point of the process kills it with SIGKILL,
// exactly as `kill -9` would. Unset (always, outside tests), crash_point() only counts.
//
//   crash_point();   // "if the process died here, a re-run must still complete the work"
#pragma once

namespace maestro {

void crash_point();

}  // namespace maestro
