// The real nats-server (Debian 2.9.10, JetStream, file storage) as a test fixture, the
// reference that mqsim's natsmq store is compared with in differential tests.
//
// NatsServer runs nats-server as a child process on a free 127.0.0.1 port with a fresh store
// directory; it can be stopped cleanly, crashed and restarted on the same port and store,
// and its destructor always kills and reaps the process. NatsClient drives it through
// libnats's JetStream API with typed helpers returning plain structs. A JetStream API error
// comes back as an absl::Status whose message is the server's description followed by its
// numeric code, "maximum messages exceeded (JetStream error 10077)" (the format of
// storage/natsmq/js_error.h); JsErrorCode() and JsErrorText() take it apart again.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

// libnats's opaque handles (nats/nats.h), so that users of the fixture need not include it.
typedef struct __natsConnection natsConnection;
typedef struct __jsCtx jsCtx;

namespace mqsim::testing {

// The JetStream error code carried by a status from NatsClient, or 0 (success, or an error
// that did not come from the JetStream API, such as a timeout or a client-side check).
int JsErrorCode(const absl::Status& status);
// The server's description of a JetStream error, without the code ("no message found").
std::string JsErrorText(const absl::Status& status);

struct NatsServerOptions {
  // nats-server's jetstream.max_file_store in bytes; -1 keeps the server's default (a share
  // of the disk).
  int64_t max_file_store = -1;
  // nats-server's max_payload in bytes (largest headers + payload a client may publish);
  // -1 keeps the server's default (1 MiB).
  int64_t max_payload = -1;
  // How long start-up may take until the server accepts connections.
  std::chrono::milliseconds start_timeout{15000};
  // How long a clean stop (SIGTERM) may take before the process is killed (SIGKILL).
  std::chrono::milliseconds stop_timeout{10000};
  // The executable; empty: $MQSIM_NATS_SERVER if set, else /usr/sbin/nats-server.
  std::string binary = {};
  // Keeps the temporary directory (store, config, log) after destruction.
  bool keep_dir = false;
};

// One nats-server process with JetStream on 127.0.0.1. Its directory (under $TEST_TMPDIR,
// else /tmp) holds nats-server.conf, nats-server.log (stdout and stderr of every run,
// appended) and store/ (the JetStream store directory). The child is also killed when the
// thread that started it ends (PR_SET_PDEATHSIG), so even a test killed by a signal leaves
// no server behind; call Start and Restart from a thread that outlives the server.
class NatsServer {
 public:
  // Creates the directory, picks a free port and starts the server; returns once it accepts
  // connections, or an error naming the log file (and quoting its end).
  static absl::StatusOr<std::unique_ptr<NatsServer>> Start(NatsServerOptions options = {});
  // Stops the server if it runs (SIGTERM, then SIGKILL after stop_timeout), always reaps
  // it, and removes the directory unless keep_dir.
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Clean stop: SIGTERM and wait for the exit (nats-server flushes its store and exits with
  // status 1). Error if the process had to be killed or was not running.
  absl::Status Stop();
  // Process crash: SIGKILL and reap. Nothing is flushed.
  absl::Status Kill();
  // Starts the server again on the same port, store directory and configuration (stopping
  // it cleanly first if it runs).
  absl::Status Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // nats://127.0.0.1:<port>
  std::string url() const;
  const std::string& dir() const { return dir_; }
  const std::string& store_dir() const { return store_dir_; }
  const std::string& log_path() const { return log_path_; }
  // The last max_bytes of the log, for test diagnostics.
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  explicit NatsServer(NatsServerOptions options);
  // Creates the directory and checks the executable.
  absl::Status Prepare();
  // Writes the configuration, starts the process and waits until it accepts connections.
  absl::Status Launch();
  // Sends signal, waits up to timeout for the exit, then SIGKILLs; reaps in every case.
  // Sets *clean to whether the process exited on its own after the signal.
  void Terminate(int signal, std::chrono::milliseconds timeout, bool* clean);

  NatsServerOptions options_;
  std::string binary_;
  std::string dir_;
  std::string store_dir_;
  std::string config_path_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A stream as natsmq creates them: subject = name, limits retention, file storage.
struct StreamSpec {
  std::string name = {};
  int64_t max_msgs = -1;      // -1: unlimited
  int64_t max_bytes = -1;     // -1: unlimited
  int64_t max_age_ns = 0;     // 0: unlimited
  int32_t max_msg_size = -1;  // headers + payload; -1: unlimited
  bool discard_new = false;   // reject new messages at the limits instead of evicting old ones
};

struct StreamState {
  uint64_t msgs = 0;
  uint64_t bytes = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t num_deleted = 0;  // deleted sequences between first_seq and last_seq
  int64_t consumers = 0;

  friend bool operator==(const StreamState&, const StreamState&) = default;
};

struct StoredMessage {
  uint64_t seq = 0;
  std::string subject = {};
  std::string payload = {};
  std::map<std::string, std::string> headers = {};  // the first value of every key

  friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

// A durable consumer's progress (stream sequences).
struct ConsumerState {
  uint64_t delivered_seq = 0;   // last delivered
  uint64_t ack_floor_seq = 0;   // every message up to here is acknowledged
  uint64_t num_pending = 0;     // not yet delivered
  int64_t num_ack_pending = 0;  // delivered, not yet acknowledged
  int64_t num_redelivered = 0;  // messages delivered more than once and not yet acknowledged

  friend bool operator==(const ConsumerState&, const ConsumerState&) = default;
};

// A message fetched for a durable consumer and not acknowledged: the message, how often the
// server has delivered it (1 the first time), and the subject its ack goes to (AckSync).
struct FetchedMessage {
  StoredMessage message = {};
  uint64_t num_delivered = 0;
  std::string ack_subject = {};
};

// For test failure messages: "{msgs=5 bytes=165 first_seq=4 ...}".
std::ostream& operator<<(std::ostream& out, const StreamState& state);
std::ostream& operator<<(std::ostream& out, const StoredMessage& message);
std::ostream& operator<<(std::ostream& out, const ConsumerState& state);
std::ostream& operator<<(std::ostream& out, const FetchedMessage& message);

// One connection to a NatsServer with a JetStream context. No reconnection: after the
// server restarts, connect a new client. Not thread-safe; one test thread uses it.
class NatsClient {
 public:
  static absl::StatusOr<std::unique_ptr<NatsClient>> Connect(const std::string& url,
                                                             int64_t timeout_ms = 5000);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  absl::Status AddStream(const StreamSpec& spec);
  absl::Status UpdateStream(const StreamSpec& spec);
  absl::Status DeleteStream(const std::string& name);
  absl::Status PurgeStream(const std::string& name);
  absl::StatusOr<StreamState> GetStreamState(const std::string& name);

  // Publishes and waits for the stream's ack; returns the message's sequence.
  absl::StatusOr<uint64_t> Publish(const std::string& subject, const std::string& payload,
                                   const std::map<std::string, std::string>& headers = {});
  // libnats refuses seq 0 without asking the server; for it, the raw API request is sent so
  // that the server's own answer comes back.
  absl::StatusOr<StoredMessage> GetMsg(const std::string& stream, uint64_t seq);
  absl::Status DeleteMsg(const std::string& stream, uint64_t seq);

  // Creates an ephemeral pull consumer delivering from start_seq (DeliverByStartSequence,
  // explicit acks), fetches messages, acknowledging each, until max arrived or timeout_ms
  // passed in total (asking for more than there is costs timeout_ms); deletes the consumer.
  // The error of the consumer's creation (start_seq 0: 10094) is returned as is.
  absl::StatusOr<std::vector<StoredMessage>> ConsumeFromSequence(const std::string& stream,
                                                                 uint64_t start_seq, int max,
                                                                 int64_t timeout_ms = 1000);

  // Durable pull consumer (DeliverByStartSequence, explicit acks), kept by the server
  // across restarts.
  absl::Status AddDurableConsumer(const std::string& stream, const std::string& durable,
                                  uint64_t start_seq);
  // Fetches up to max messages for the durable consumer within timeout_ms, acknowledging
  // each synchronously (the ack is applied when this returns). Empty if none came.
  absl::StatusOr<std::vector<StoredMessage>> FetchDurable(const std::string& stream,
                                                          const std::string& durable, int max,
                                                          int64_t timeout_ms = 1000);
  // As AddDurableConsumer, with the consumer's AckWait: how long after a delivery an
  // unacknowledged message is redelivered (0: the server's default, 30 s).
  absl::Status AddDurableConsumer(const std::string& stream, const std::string& durable,
                                  uint64_t start_seq, std::chrono::milliseconds ack_wait);
  // Fetches up to max messages for the durable consumer within timeout_ms (in total) and
  // acknowledges none of them: they stay ack-pending until AckSync or the AckWait.
  // Redelivered messages come first, with num_delivered above 1. Empty if none came.
  absl::StatusOr<std::vector<FetchedMessage>> FetchDurableNoAck(const std::string& stream,
                                                                const std::string& durable, int max,
                                                                int64_t timeout_ms = 1000);
  // Acknowledges one fetched message (any order) and waits for the server's confirmation,
  // so the ack is applied when this returns.
  absl::Status AckSync(const FetchedMessage& message);
  absl::StatusOr<ConsumerState> GetConsumerState(const std::string& stream,
                                                 const std::string& durable);
  absl::Status DeleteConsumer(const std::string& stream, const std::string& durable);

 private:
  NatsClient(natsConnection* connection, jsCtx* js, int64_t timeout_ms)
      : connection_(connection), js_(js), timeout_ms_(timeout_ms) {}
  // Sends a raw JetStream API request; returns the error of the server's response, if any.
  absl::Status ApiRequestError(const std::string& subject, const std::string& body);

  natsConnection* connection_;
  jsCtx* js_;
  int64_t timeout_ms_;
};

}  // namespace mqsim::testing
