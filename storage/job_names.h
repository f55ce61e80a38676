// The names of the engines' periodic jobs (PeriodicJob::name), defined once: the engines
// register their jobs under them, and faults (starvation) and checks (retention passes)
// refer to them.
#pragma once

namespace mqsim::storage::jobs {

inline constexpr char kRocksMqRetention[] = "rocksmq.retention";    // every tickerTimeInterval
inline constexpr char kRocksMqCompaction[] = "rocksmq.compaction";  // every compactionInterval
inline constexpr char kNatsExpire[] = "natsmq.expire";              // at the next MaxAge deadline
inline constexpr char kNatsSync[] = "natsmq.sync";  // every syncInterval (not with `always`)

}  // namespace mqsim::storage::jobs
