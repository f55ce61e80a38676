// HelmChart: what the milvus-helm chart makes of a values file for the message store, as
// its templates do it (chart 4.2, the line that ships Milvus 2.5, the last with natsmq).
//
// The chart renders a default.yaml that Milvus reads over its own milvus.yaml, and mounts
// extraConfigFiles' user.yaml over that. For the message store its templates render, in
// this order (a later mq.type wins, as Milvus keeps the last of repeated keys):
//   1. Pulsar: externalPulsar.enabled (its host, port, maxMessageSize, tenant, namespace,
//      authPlugin, authParams), else pulsar.enabled (the bundled Pulsar v2's proxy), else
//      pulsarv3.enabled (the bundled Pulsar v3's proxy): mq.type pulsar;
//   2. Kafka: externalKafka.enabled (brokerList, securityProtocol, SASL), else kafka.enabled
//      (the bundled Kafka): mq.type kafka;
//   3. standalone (cluster.enabled false) with standalone.messageQueue rocksmq or natsmq:
//      that mq.type.
// Absent values take the chart's defaults: cluster.enabled true, standalone.messageQueue
// rocksmq, pulsarv3.enabled true, every other queue off.
//
// The chart itself refuses nothing. mqsim refuses what would deploy something other than
// what the values say, each error at the values file's line: a second queue switched on by
// the values (not left on as in the chart's defaults) where one is used;
// standalone.messageQueue pulsar or kafka without that queue
// enabled (the chart renders no mq.type and Milvus falls back to rocksmq); woodpecker;
// cluster mode with no queue (Milvus would look for Pulsar at localhost). A queue left on
// as in the chart's defaults and unused (Pulsar v3 beside a standalone rocksmq) is a note.
#pragma once

#include <absl/status/statusor.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqsim::scenarios {

struct HelmRender {
  bool cluster = true;  // cluster.enabled
  // The chart's default.yaml, its message-store part; values copied from the values file
  // keep their nodes (and so their lines there).
  YAML::Node rendered;
  std::string choice;              // how the chart chose, e.g. "standalone.messageQueue natsmq"
  std::vector<std::string> notes;  // what is deployed but unused
};

// The message-store part of what the chart renders from `values` (extraConfigFiles is the
// caller's: it is a milvus.yaml layer of its own).
// REQUIRES: values is the values document (null or a mapping); path names it in messages.
absl::StatusOr<HelmRender> RenderHelmChart(const YAML::Node& values, const std::string& path);

// Applies one `helm --set` argument to a values document: "a.b=v" (several separated by
// commas; "\." and "\," escape), with helm's typing: true/false and integers as such, null
// removes the key, anything else a string. Index syntax (a[0]) is refused.
absl::Status ApplyHelmSet(YAML::Node& values, std::string_view assignment);

// A --set argument fit to print: the value of a credential (a key naming a password,
// username, secret, token, access key or authParams) shown as "<redacted>". Setting the
// printed form reproduces the run: a credential's content never changes a simulation.
std::string RedactHelmSet(std::string_view assignment);

}  // namespace mqsim::scenarios
