// PowerLossAudit: what a power loss would leave, recovered and judged at many moments of a
// run without cutting the power (faults.power_loss.audit_every).
//
// A real power loss happens a few times per run, and a sync the engine forgot is caught
// only when one lands in the window that sync should have closed. An audit looks at every
// moment it is given: at seeded moments (exponential arrivals of mean audit_every, from the
// run's "audit" stream) it takes what a power loss would leave of the store's disk now:
// always the durable image ("nothing unsynced survived", SimFileSystem::DurableImage), and
// at one audit in four also one drawn from the other images a power loss could leave
// (SimFileSystem::EnumeratePowerLossImages). For each image it
//   1. builds a machine of its own (its own Simulation, its clock at the same instant, a
//      plain disk holding the image) with a store of the run's type and configuration;
//   2. opens it (recovery), re-creates the workload's topics as a restart does, reads each
//      in full and then produces one message to each (its id must exceed every id
//      acknowledged before: ids never repeat across a power loss);
//   3. judges the run's history so far, followed by that power loss, the recovery and the
//      reads, by the properties a real power loss is judged by: ordering,
//      no_resurrection, durability and page_accounting (those the scenario checks). A
//      recovery that fails or panics fails recovery or no_panic.
// The first failure ends the audits; the harness reports it when the faults end.
//
// The run goes on exactly as without audits (a test compares the two histories event for
// event): the auditor is a scheduler observer (sim::Scheduler::AddObserver), not a task, so
// it takes no part in the scheduler's draws; the store's disk is only read; the run's fault
// points and BUGGIFY sites are paused during an audit (no draw from their streams); and
// RocksDB's process-wide generators are put back after each audit
// (sim::ScopedRocksDbInternals). Each audit is a trace event (its moment, each image's
// fingerprint, its verdict) and draws from the "audit" stream, so the hash of a run with
// audits is its own, as reproducible as any.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "properties/checkers.h"
#include "sim/disk_image.h"
#include "sim/random.h"
#include "sim/scheduler.h"
#include "sim/time.h"

namespace mqsim::scenarios {

class Harness;

class PowerLossAudit {
 public:
  // pause(true) stops the run's fault points and BUGGIFY sites; pause(false) resumes them.
  // REQUIRES: the harness's plan has power_loss_audits() and its store keeps files
  // (rocksmq or natsmq); harness outlives this object.
  PowerLossAudit(Harness& harness, std::function<void(bool)> pause);
  ~PowerLossAudit();
  PowerLossAudit(const PowerLossAudit&) = delete;
  PowerLossAudit& operator=(const PowerLossAudit&) = delete;

  // The first failure, with the history's events in it (indexes into the run's history).
  const std::optional<properties::Violation>& violation() const { return violation_; }
  uint64_t audits() const { return audits_; }
  uint64_t images() const { return images_; }

  // One audit now (the observer calls it when an audit is due).
  void AuditNow();

 private:
  void Observe(sim::Time now);
  sim::Duration NextGap();
  // `topics`: every topic the run created, read back from the image.
  std::optional<properties::Violation> AuditImage(const sim::DiskImage& image,
                                                  const std::string& label,
                                                  const std::vector<std::string>& topics);

  Harness& h_;
  std::function<void(bool)> pause_;
  sim::Random rng_;
  sim::Scheduler::ObserverId observer_ = 0;
  sim::Time next_;  // the next audit
  std::optional<properties::Violation> violation_;
  uint64_t audits_ = 0;
  uint64_t images_ = 0;
};

}  // namespace mqsim::scenarios
