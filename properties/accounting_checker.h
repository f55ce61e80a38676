// Store accounting (rocksmq.md, "Pages"; natsmq.md): a store's own bookkeeping must describe
// exactly the messages it holds, after any crash. At every read-all with an accounting event
// (RecordFullRead takes both at one moment), for one topic:
//   - the first id: where the store states it exactly, it is the first message read (none
//     when the read is empty); where it is a lower bound, it is at or below the first message
//     read, and no acknowledged message promised durable (TopicWalker::Promised) that the
//     read lacks lies at or after it (it stands above what the store deleted);
//   - an empty stream's first sequence (natsmq): 0 while its incarnation saw no produce,
//     purge or delete, and above every id it acknowledged once it did;
//   - the message count and byte count, where the store keeps them, equal the messages read
//     and their bytes as the store's rule counts them (JetStream's stored size);
//   - pages (RocksMQ): no surviving message lies before the first closed page's first id (a
//     message no page describes is never deleted by retention: it leaks forever); every
//     closed page's byte count equals the payload bytes of the surviving messages in its id
//     range, and the page closed where the rule says: it is over the page size, and was not
//     before its last message; the open page's byte count equals the payload bytes after the
//     last closed page, and stays within the page size.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "properties/checkers.h"

namespace mqsim::properties {

struct AccountingOptions {
  // What the store counts for one message of `topic` with `payload` bytes (the checker's own
  // copy of the store's rule); unset: byte counts are not judged.
  std::function<uint64_t(const std::string& topic, uint64_t payload)> stored_bytes;
};

std::optional<Violation> CheckPageAccounting(const History& h, const AccountingOptions& o = {});

}  // namespace mqsim::properties
