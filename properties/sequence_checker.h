// Dense sequences: JetStream numbers a stream's messages one by one. Each message it
// stores takes the stream's last sequence + 1; purges, deletes, expiry and limits remove
// messages but never give back or skip a number, and a clean stop and start keeps the last
// sequence. So on natsmq an acknowledged publish takes exactly the sequence after the one
// the stream handed out last, unless something between the two may have taken numbers the
// history cannot see:
//   - a failed publish (it may have stored a message before failing, or been refused after
//     reserving its number);
//   - an unclean stop (a crash, a power loss, or a stop whose Close failed): natsmq then
//     continues after its durable reservation of sequences, deliberately past any number an
//     unsynced message may have taken;
//   - a failed DestroyTopic (the stream may be new and start again at 1).
// A clean stop is one whose Close answered ok: the history records it as a kCleanStopSync
// sync followed by the end of the process. Judged as `ordering`.
#pragma once

#include <optional>

#include "properties/checkers.h"

namespace mqsim::properties {

std::optional<Violation> CheckDenseSequences(const History& h);

}  // namespace mqsim::properties
