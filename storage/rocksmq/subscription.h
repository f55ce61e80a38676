// Subscription: a push consumer on one consumer group, as Milvus's rocksmq client runs one
// for every msgstream consumer (its consumer with a MsgMutex channel and a receive task).
//
// The engine signals every subscription of a topic on each produce, through a one-slot
// notification: signals that arrive while one is pending coalesce. The client's receive
// task (Deliver; the host runs it whenever the subscription's wake callback fires) moves
// messages from the group into a bounded buffer, batch by batch, until the group has
// nothing more or the buffer is full; with a full buffer it waits for space, and Receive
// (the application taking messages) wakes it as soon as it frees some. So every message
// reaches an application that keeps reading, without another produce.
//
// Bug mode lost_wakeup (milvus#34045, #27801) puts back the hang: a receive task that finds
// the buffer full just returns, a signal that arrives meanwhile is dropped, and Receive
// never wakes it; once the buffer has filled up, messages wait in the store until a later
// produce signals again (forever, if producers have gone quiet).
#pragma once

#include <absl/status/statusor.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "storage/rocksmq/key_codec.h"

namespace mqsim::rocksmq {

class RocksMQ;
using MessageId = int64_t;

struct ConsumerMessage {
  MessageId id;
  std::string payload;
};

struct SubscriptionOptions {
  size_t buffer = 64;  // messages the client buffers for the application
  int batch = 16;      // messages per Consume of the receive task
  // Called (possibly under the engine's lock: do not call back into the engine) when the
  // receive task has work; the host then runs Deliver on its own task or thread.
  std::function<void()> wake;
  // Observes every fetch of the receive task: the batch it took from the group, empty ones
  // included (the group's consumption, for histories and metrics), or the engine's refusal
  // (the next run retries). Not under any lock.
  std::function<void(const absl::StatusOr<std::vector<ConsumerMessage>>&)> on_fetch;
};

class Subscription {
 public:
  Subscription(RocksMQ* mq, std::string topic, std::string group, SubscriptionOptions options);
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The client's receive task: one run after a wake-up. A failed engine call leaves the
  // work pending for the next run, so hosts also run it now and then.
  void Deliver();
  // The application: up to max buffered messages (empty when none). FailedPrecondition once
  // the subscription is closed (its topic or group destroyed, the engine closed or crashed).
  absl::StatusOr<std::vector<ConsumerMessage>> Receive(size_t max);
  size_t buffered() const;

  const std::string& topic() const { return topic_; }
  const std::string& group() const { return group_; }

 private:
  friend class RocksMQ;
  void Signal();  // a produce to the topic (from the engine, under its lock)
  void Close();   // the engine lets go of it (under its lock)

  mutable std::mutex mu_;  // the receive task, the application and the engine may race
  RocksMQ* mq_;
  const std::string topic_;
  const std::string group_;
  const SubscriptionOptions options_;
  bool pending_ = true;             // a signal is waiting (a new subscription looks once)
  bool waiting_for_space_ = false;  // the receive task stopped at a full buffer
  bool closed_ = false;
  std::deque<ConsumerMessage> buffer_;
};

}  // namespace mqsim::rocksmq
