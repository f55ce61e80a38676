// GenericWorkload: the scenario workload for any store (scenarios/workload.h, "generic").
//
// Topics carry Milvus's channel names (physical channels and virtual channels named after
// them, so one topic's name is a prefix of another's, as in production); groups are g0,
// g1, ...; the last push_groups groups read through push consumers. On every start the
// workload re-creates its topics and groups, seeks each group to just after what it read
// (every group first, then the seeks), re-subscribes its push consumers and spawns its
// producers, consumers and the periodic full reader in the store's process, so a crash
// kills them with it. After the faults it restarts the store cleanly (up to three tries),
// reads every topic in full, and hands the history to the judge (scenarios/judge.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/message_queue.h"
#include "properties/recording_queue.h"
#include "scenarios/harness.h"
#include "scenarios/workload.h"
#include "sim/sync.h"

namespace mqsim::scenarios {

class GenericWorkload : public Workload {
 public:
  explicit GenericWorkload(Harness& harness);
  ~GenericWorkload() override;

  std::optional<properties::Violation> Setup() override;
  std::optional<properties::Violation> Start() override;
  std::optional<properties::Violation> Check() override;
  void Crashed() override;
  void Started() override;

 private:
  using Key = std::pair<std::string, std::string>;  // (topic, group)

  bool IsPush(size_t group) const;
  void ResumeGroups();
  void SpawnTasks();
  void Subscribe(const std::string& topic, const std::string& group);
  sim::Task<void> Producer();
  void ProduceBatch();
  void Produce(const std::string& topic, const std::string& payload);
  void Acked(const std::string& topic, const std::vector<backends::MessageId>& ids);
  sim::Task<void> Consumer(size_t group);
  void ConsumeTopic(size_t group, const std::string& topic);
  void Seek(const std::string& topic, const std::string& group);
  void ChurnTopic();
  void ChurnGroup(size_t group);
  void DrainClosed(const std::string& topic, const std::string& group);
  void EngineCalls();
  sim::Task<void> Reader();
  void ReadAll(const std::string& topic);
  sim::Time NextAfter(sim::Duration mean);

  Harness& h_;
  const Scenario& sc_;
  sim::Random rng_;
  std::unique_ptr<properties::RecordingQueue> queue_;
  std::vector<std::string> topics_;
  std::vector<std::string> groups_;
  std::map<Key, backends::MessageId> next_;  // where each group resumes
  // Push consumers, and the conditions that wake their delivery tasks (kept for the whole
  // run: a cancelled task may still be registered as a waiter).
  std::map<Key, std::shared_ptr<backends::Subscriber>> subs_;
  std::map<Key, std::unique_ptr<sim::Condition>> wakes_;
  std::map<std::string, std::vector<backends::MessageId>> acked_ids_;
  // Topics that held nothing acknowledged since they were created, created again or purged:
  // their first acknowledged produce is followed by a full read and GetLatestMsg, so the
  // stores' bookkeeping is judged where first and last are one message.
  std::set<std::string> fresh_;
  // Topics whose payloads all take one length (ProducerSpec::aligned): that length, or 0
  // when the store has no boundary it divides.
  std::map<std::string, int64_t> aligned_bytes_;
  uint64_t produced_ = 0;
};

}  // namespace mqsim::scenarios
