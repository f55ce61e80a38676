// mqsim's exit codes (README.md, "Exit codes"), shared by every command.
#pragma once

namespace mqsim::scenarios {

inline constexpr int kExitPass = 0;           // every outcome as expected
inline constexpr int kExitFail = 1;           // a property failed, or an unexpected outcome
inline constexpr int kExitBadInput = 2;       // bad input (and a scheduler that refused)
inline constexpr int kExitNotReproduced = 3;  // --expect-hash not reproduced

}  // namespace mqsim::scenarios
