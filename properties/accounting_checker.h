// Page accounting (rocksmq.md, "Pages"): a store's own bookkeeping must describe exactly
// the messages it holds, after any crash. At every read-all with an accounting event
// (RecordFullRead takes both at one moment), for one topic:
//   - no surviving message lies before the first closed page's first id (a message no page
//     describes is never deleted by retention: it leaks forever);
//   - every closed page's byte count equals the payload bytes of the surviving messages in
//     its id range, and the page closed where the rule says: it is over the page size, and
//     was not before its last message;
//   - the open page's byte count equals the payload bytes after the last closed page, and
//     stays within the page size.
#pragma once

#include <optional>

#include "properties/checkers.h"

namespace mqsim::properties {

std::optional<Violation> CheckPageAccounting(const History& h);

}  // namespace mqsim::properties
