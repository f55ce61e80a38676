// The NatsServer/NatsClient fixture against the real nats-server, asserting the behaviour
// docs/natsmq.md lists under "Observable behaviour to match".
//
// Measured on this machine: nats-server v2.9.10 (Debian), libnats 3.4.1, file storage.
// JetStream errors seen (err_code, description exactly as the server sends it):
//   10003 "bad request"                        get message with seq 0
//   10012 "start sequence can not be updated"  re-adding a durable with another start seq
//   10014 "consumer not found"                 consumer info / bind to a missing durable
//   10023 "insufficient resources"             publish once the store is over max_file_store
//   10037 "no message found"                   get a missing, deleted or evicted sequence
//   10043 "sequence N not found"               delete an already deleted sequence N
//   10047 "insufficient storage resources available"  MaxBytes > max_file_store
//   10052 "max age needs to be >= 100ms"       MaxAge of 50 ms or 99.999999 ms
//   10054 "message size exceeds maximum allowed"  headers + payload > MaxMsgSize
//   10057 "no message found"                   delete seq 0 or a sequence below FirstSeq
//   10057 "stream store EOF"                   delete a sequence beyond LastSeq
//   10058 "stream name already in use with a different configuration"  AddStream again
//   10059 "stream not found"                   info, get, purge, delete of a missing stream
//   10077 "maximum messages exceeded"          DiscardNew, count limit
//   10077 "maximum bytes exceeded"             DiscardNew, bytes limit
//   10094 "consumer delivery policy is deliver by start sequence, but optional start
//          sequence is not set"                consumer with start sequence 0
// Not JetStream errors (no err_code):
//   - Publishing to a subject no stream listens on: NATS "no responders" (libnats reports
//     JSNotEnabledErr 10076 for it by itself; the fixture returns code 0, kUnavailable).
//   - headers + payload above the server's max_payload: libnats refuses it before sending,
//     "Payload 5000 greater than maximum allowed: 4096" (NATS_MAX_PAYLOAD); nothing stored.
//
// Where the server differs from, or adds detail to, natsmq.md:
//   - Get with seq 0: the server answers 10003 "bad request" as documented, but libnats's
//     js_GetMsg refuses seq 0 itself (NATS_INVALID_ARG, nothing sent); the fixture sends the
//     raw $JS.API.STREAM.MSG.GET request for seq 0 to get the server's answer.
//   - DiscardNew by bytes in 2.9.10: a message is refused when Bytes + len(headers) +
//     len(payload) >= MaxBytes (the record overhead is ignored, and the bound is >=, not >);
//     a message that passes is stored and then the oldest messages are evicted while Bytes >
//     MaxBytes, exactly as with DiscardOld. Not to be matched by differential tests.
//   - DiscardOld by bytes: a message of exactly MaxBytes stays (eviction while Bytes >
//     MaxBytes); MaxMsgSize rejects above the limit (a message of exactly MaxMsgSize passes).
//   - DeleteMsg (not in natsmq.md): 10057 "no message found" for seq 0 or below FirstSeq,
//     10043 "sequence N not found" for an already deleted one, 10057 "stream store EOF" beyond
//     LastSeq. Deleting LastSeq keeps LastSeq; num_deleted counts it.
//   - UpdateStream with a lower MaxMsgs evicts at once.
//   - Store limit: a publish is refused with 10023 once the stored bytes exceed
//     max_file_store; the publish that crosses the limit is accepted.
//   - A clean stop is SIGTERM; nats-server then exits with status 1 (not 0).
//   - MaxAge: a message expired about 201 ms after its publish with MaxAge 200 ms.
#include "tests/nats/nats_server_fixture.h"

#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mqsim::testing {
namespace {

using std::chrono::milliseconds;

#define REQUIRE_OK(expr)                 \
  do {                                   \
    const absl::Status status_ = (expr); \
    INFO(status_.ToString());            \
    REQUIRE(status_.ok());               \
  } while (false)

template <typename T>
T ValueOrFail(absl::StatusOr<T> result) {
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return *std::move(result);
}

// Requires a JetStream error with this code and description.
void RequireJsError(const absl::Status& status, int code, const std::string& text) {
  INFO(status.ToString());
  REQUIRE(JsErrorCode(status) == code);
  REQUIRE(JsErrorText(status) == text);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

constexpr int64_t kMs = 1'000'000;  // nanoseconds

// A server and a client connected to it.
struct Nats {
  explicit Nats(NatsServerOptions options = {})
      : server(ValueOrFail(NatsServer::Start(std::move(options)))),
        client(ValueOrFail(NatsClient::Connect(server->url()))) {}

  // After a restart: the old connection is gone (clients do not reconnect).
  void Reconnect() {
    client.reset();
    client = ValueOrFail(NatsClient::Connect(server->url()));
  }
  NatsClient& operator*() { return *client; }
  NatsClient* operator->() { return client.get(); }

  std::unique_ptr<NatsServer> server;
  std::unique_ptr<NatsClient> client;
};

std::vector<uint64_t> Seqs(const std::vector<StoredMessage>& messages) {
  std::vector<uint64_t> seqs;
  for (const StoredMessage& m : messages) seqs.push_back(m.seq);
  return seqs;
}

TEST_CASE("NatsServer runs nats-server on a free port and always reaps it") {
  auto server = ValueOrFail(NatsServer::Start());
  const pid_t pid = server->pid();
  const int port = server->port();
  const std::string dir = server->dir();
  REQUIRE(server->running());
  REQUIRE(port > 0);
  REQUIRE(server->url() == "nats://127.0.0.1:" + std::to_string(port));
  if (const char* tmp = getenv("TEST_TMPDIR"); tmp != nullptr && *tmp != '\0') {
    REQUIRE(dir.rfind(std::string(tmp) + "/", 0) == 0);
  }
  REQUIRE(std::filesystem::is_directory(server->store_dir()));
  REQUIRE(ReadAll(server->log_path()).find("Server is ready") != std::string::npos);

  SECTION("a second server gets another port and directory") {
    auto other = ValueOrFail(NatsServer::Start());
    REQUIRE(other->port() != port);
    REQUIRE(other->dir() != dir);
  }
  SECTION("Stop is clean, Restart reuses the port and the store") {
    REQUIRE_OK(server->Stop());
    REQUIRE_FALSE(server->running());
    REQUIRE_FALSE(ProcessExists(pid));
    REQUIRE(server->Stop().code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE_OK(server->Restart());
    REQUIRE(server->running());
    REQUIRE(server->port() == port);
    REQUIRE(server->pid() != pid);
    REQUIRE_OK(server->Restart());  // stops the running server first
    REQUIRE(server->port() == port);
  }
  SECTION("Kill crashes the server") {
    REQUIRE_OK(server->Kill());
    REQUIRE_FALSE(server->running());
    REQUIRE_FALSE(ProcessExists(pid));
  }
  SECTION("the destructor stops the server and removes its directory") {
    const pid_t running_pid = server->pid();
    server.reset();
    REQUIRE_FALSE(ProcessExists(running_pid));
    REQUIRE_FALSE(std::filesystem::exists(dir));
  }
}

TEST_CASE("NatsServer start-up failures name the log file") {
  NatsServerOptions options;
  SECTION("the server exits at once") {
    options.binary = "/bin/false";
    const absl::Status status = NatsServer::Start(options).status();
    INFO(status.ToString());
    REQUIRE(status.code() == absl::StatusCode::kFailedPrecondition);
    REQUIRE(std::string(status.message()).find("exit status 1") != std::string::npos);
    REQUIRE(std::string(status.message()).find("nats-server.log") != std::string::npos);
  }
  SECTION("the server never becomes ready") {
    const char* tmp = getenv("TEST_TMPDIR");
    const std::string script = std::string(tmp != nullptr ? tmp : "/tmp") + "/silent-server";
    std::ofstream(script) << "#!/bin/sh\nexec sleep 60\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    options.binary = script;
    options.start_timeout = milliseconds(300);
    const absl::Status status = NatsServer::Start(options).status();
    std::filesystem::remove(script);
    INFO(status.ToString());
    REQUIRE(status.code() == absl::StatusCode::kDeadlineExceeded);
    REQUIRE(std::string(status.message()).find("nats-server.log") != std::string::npos);
  }
  SECTION("no executable") {
    options.binary = "/nonexistent/nats-server";
    REQUIRE(NatsServer::Start(options).status().code() == absl::StatusCode::kFailedPrecondition);
  }
}

TEST_CASE("MaxMsgs with DiscardOld keeps the newest messages") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "a", .max_msgs = 5}));
  for (uint64_t i = 1; i <= 8; ++i) {
    REQUIRE(ValueOrFail(nats->Publish("a", "m" + std::to_string(i))) == i);
  }
  // Each record is 30 + len("a") + len("mN") = 33 bytes.
  REQUIRE(ValueOrFail(nats->GetStreamState("a")) ==
          StreamState{.msgs = 5, .bytes = 165, .first_seq = 4, .last_seq = 8});
  REQUIRE(ValueOrFail(nats->GetMsg("a", 4)) ==
          StoredMessage{.seq = 4, .subject = "a", .payload = "m4"});
  REQUIRE(ValueOrFail(nats->GetMsg("a", 8)).payload == "m8");
  RequireJsError(nats->GetMsg("a", 3).status(), 10037, "no message found");
}

TEST_CASE("Bytes accounting per message") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "r"}));
  REQUIRE(ValueOrFail(nats->Publish("r", std::string(1024, 'x'))) == 1);
  REQUIRE(ValueOrFail(nats->GetStreamState("r")).bytes == 30 + 1 + 1024);  // 1055

  REQUIRE_OK(nats->AddStream({.name = "h"}));
  REQUIRE(ValueOrFail(nats->Publish("h", "p", {{"k", "v"}})) == 1);
  // "NATS/1.0\r\nk: v\r\n\r\n" is 18 bytes: 34 + 1 + 18 + 1.
  REQUIRE(ValueOrFail(nats->GetStreamState("h")).bytes == 54);
  REQUIRE(ValueOrFail(nats->Publish("h", "p")) == 2);
  REQUIRE(ValueOrFail(nats->GetStreamState("h")).bytes == 54 + 32);
  REQUIRE(ValueOrFail(nats->GetMsg("h", 1)) ==
          StoredMessage{.seq = 1, .subject = "h", .payload = "p", .headers = {{"k", "v"}}});
  REQUIRE(ValueOrFail(nats->GetMsg("h", 2)).headers.empty());
}

TEST_CASE("A message larger than MaxBytes is acked, then evicted with everything else") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "b", .max_bytes = 72}));
  // Exactly MaxBytes (30 + 1 + 41) stays.
  REQUIRE(ValueOrFail(nats->Publish("b", std::string(41, 'x'))) == 1);
  REQUIRE(ValueOrFail(nats->GetStreamState("b")) ==
          StreamState{.msgs = 1, .bytes = 72, .first_seq = 1, .last_seq = 1});
  // One byte more: acked, then the stream evicts it and everything before it.
  REQUIRE(ValueOrFail(nats->Publish("b", std::string(42, 'x'))) == 2);
  REQUIRE(ValueOrFail(nats->GetStreamState("b")) ==
          StreamState{.msgs = 0, .bytes = 0, .first_seq = 3, .last_seq = 2});
  RequireJsError(nats->GetMsg("b", 2).status(), 10037, "no message found");
  REQUIRE(ValueOrFail(nats->Publish("b", "small")) == 3);
}

TEST_CASE("DiscardNew rejects new messages at the limits") {
  Nats nats;
  SECTION("by count: 10077, and a failed publish uses no sequence") {
    REQUIRE_OK(nats->AddStream({.name = "n", .max_msgs = 2, .discard_new = true}));
    REQUIRE(ValueOrFail(nats->Publish("n", "1")) == 1);
    REQUIRE(ValueOrFail(nats->Publish("n", "2")) == 2);
    RequireJsError(nats->Publish("n", "3").status(), 10077, "maximum messages exceeded");
    REQUIRE(ValueOrFail(nats->GetStreamState("n")) ==
            StreamState{.msgs = 2, .bytes = 64, .first_seq = 1, .last_seq = 2});
    REQUIRE_OK(nats->DeleteMsg("n", 1));
    REQUIRE(ValueOrFail(nats->Publish("n", "3")) == 3);
  }
  SECTION("by bytes (2.9.10: headers + payload only, bound >=, then evicts old)") {
    REQUIRE_OK(nats->AddStream({.name = "d", .max_bytes = 100, .discard_new = true}));
    REQUIRE(ValueOrFail(nats->Publish("d", std::string(40, 'x'))) == 1);  // 71 bytes
    // 71 + 29 >= 100: refused.
    RequireJsError(nats->Publish("d", std::string(29, 'x')).status(), 10077,
                   "maximum bytes exceeded");
    // 71 + 28 < 100: stored (59 bytes), then seq 1 is evicted as with DiscardOld.
    REQUIRE(ValueOrFail(nats->Publish("d", std::string(28, 'x'))) == 2);
    REQUIRE(ValueOrFail(nats->GetStreamState("d")) ==
            StreamState{.msgs = 1, .bytes = 59, .first_seq = 2, .last_seq = 2});
    // Headers count in the check: 59 + 18 + 23 >= 100.
    RequireJsError(nats->Publish("d", std::string(23, 'x'), {{"k", "v"}}).status(), 10077,
                   "maximum bytes exceeded");
  }
}

TEST_CASE("Stream configuration errors and updates") {
  Nats nats;
  RequireJsError(nats->AddStream({.name = "t", .max_age_ns = 50 * kMs}), 10052,
                 "max age needs to be >= 100ms");
  RequireJsError(nats->AddStream({.name = "t", .max_age_ns = 100 * kMs - 1}), 10052,
                 "max age needs to be >= 100ms");
  REQUIRE_OK(nats->AddStream({.name = "t", .max_age_ns = 100 * kMs}));
  REQUIRE_OK(nats->AddStream({.name = "t", .max_age_ns = 100 * kMs}));  // same config: no-op
  RequireJsError(nats->AddStream({.name = "t", .max_msgs = 3}), 10058,
                 "stream name already in use with a different configuration");

  REQUIRE_OK(nats->AddStream({.name = "u"}));
  for (int i = 0; i < 5; ++i) ValueOrFail(nats->Publish("u", "x"));
  REQUIRE_OK(nats->UpdateStream({.name = "u", .max_msgs = 3}));  // evicts at once
  REQUIRE(ValueOrFail(nats->GetStreamState("u")) ==
          StreamState{.msgs = 3, .bytes = 96, .first_seq = 3, .last_seq = 5});
  RequireJsError(nats->UpdateStream({.name = "u", .max_age_ns = kMs}), 10052,
                 "max age needs to be >= 100ms");

  REQUIRE_OK(nats->DeleteStream("u"));
  RequireJsError(nats->GetStreamState("u").status(), 10059, "stream not found");
  RequireJsError(nats->GetMsg("u", 1).status(), 10059, "stream not found");
  RequireJsError(nats->PurgeStream("u"), 10059, "stream not found");
  RequireJsError(nats->DeleteStream("u"), 10059, "stream not found");
  const absl::Status no_stream = nats->Publish("u", "x").status();
  INFO(no_stream.ToString());
  REQUIRE(no_stream.code() == absl::StatusCode::kUnavailable);
  REQUIRE(JsErrorCode(no_stream) == 0);
}

TEST_CASE("MaxMsgSize counts headers and payload") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "s", .max_msg_size = 10}));
  REQUIRE(ValueOrFail(nats->Publish("s", std::string(10, 'x'))) == 1);
  RequireJsError(nats->Publish("s", std::string(11, 'x')).status(), 10054,
                 "message size exceeds maximum allowed");
  RequireJsError(nats->Publish("s", std::string(5, 'x'), {{"k", "v"}}).status(), 10054,
                 "message size exceeds maximum allowed");
  REQUIRE(ValueOrFail(nats->Publish("s", "y")) == 2);
}

TEST_CASE("MaxAge expires messages without further publishes") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "t", .max_age_ns = 200 * kMs}));
  const auto published = std::chrono::steady_clock::now();
  REQUIRE(ValueOrFail(nats->Publish("t", "x")) == 1);
  REQUIRE(ValueOrFail(nats->Publish("t", "y")) == 2);
  milliseconds waited{0};
  while (ValueOrFail(nats->GetStreamState("t")).msgs != 0) {
    waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - published);
    REQUIRE(waited < milliseconds(2000));
    std::this_thread::sleep_for(milliseconds(1));
  }
  waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - published);
  INFO("expired after " << waited.count() << " ms");
  REQUIRE(waited >= milliseconds(190));
  REQUIRE(ValueOrFail(nats->GetStreamState("t")) ==
          StreamState{.msgs = 0, .bytes = 0, .first_seq = 3, .last_seq = 2});
}

TEST_CASE("Get and delete by sequence") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "g"}));
  for (int i = 1; i <= 8; ++i) ValueOrFail(nats->Publish("g", "m" + std::to_string(i)));
  RequireJsError(nats->GetMsg("g", 0).status(), 10003, "bad request");
  RequireJsError(nats->GetMsg("g", 9).status(), 10037, "no message found");

  REQUIRE_OK(nats->DeleteMsg("g", 5));
  RequireJsError(nats->GetMsg("g", 5).status(), 10037, "no message found");
  RequireJsError(nats->DeleteMsg("g", 5), 10043, "sequence 5 not found");
  RequireJsError(nats->DeleteMsg("g", 9), 10057, "stream store EOF");
  RequireJsError(nats->DeleteMsg("g", 0), 10057, "no message found");
  REQUIRE(ValueOrFail(nats->GetStreamState("g")) ==
          StreamState{.msgs = 7, .bytes = 7 * 33, .first_seq = 1, .last_seq = 8, .num_deleted = 1});
  REQUIRE_OK(nats->DeleteMsg("g", 8));  // the last one: LastSeq stays
  REQUIRE_OK(nats->DeleteMsg("g", 1));  // the first one: FirstSeq moves
  REQUIRE(ValueOrFail(nats->GetStreamState("g")) ==
          StreamState{.msgs = 5, .bytes = 5 * 33, .first_seq = 2, .last_seq = 8, .num_deleted = 2});
  RequireJsError(nats->DeleteMsg("g", 1), 10057, "no message found");
  REQUIRE(ValueOrFail(nats->Publish("g", "m9")) == 9);
}

TEST_CASE("Consumers that start by sequence") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "a", .max_msgs = 5}));
  for (int i = 1; i <= 8; ++i) ValueOrFail(nats->Publish("a", "m" + std::to_string(i)));
  REQUIRE_OK(nats->DeleteMsg("a", 6));  // stream: 4 5 7 8

  REQUIRE(Seqs(ValueOrFail(nats->ConsumeFromSequence("a", 1, 4))) ==
          std::vector<uint64_t>{4, 5, 7, 8});  // below FirstSeq: from FirstSeq
  const auto from_first = ValueOrFail(nats->ConsumeFromSequence("a", 4, 4));
  REQUIRE(Seqs(from_first) == std::vector<uint64_t>{4, 5, 7, 8});
  REQUIRE(from_first[0] == StoredMessage{.seq = 4, .subject = "a", .payload = "m4"});
  REQUIRE(Seqs(ValueOrFail(nats->ConsumeFromSequence("a", 6, 2))) ==
          std::vector<uint64_t>{7, 8});  // a deleted sequence: the next one
  REQUIRE(Seqs(ValueOrFail(nats->ConsumeFromSequence("a", 8, 1))) == std::vector<uint64_t>{8});
  REQUIRE(ValueOrFail(nats->ConsumeFromSequence("a", 9, 5, 300)).empty());
  REQUIRE(ValueOrFail(nats->ConsumeFromSequence("a", 1000, 5, 300)).empty());
  RequireJsError(nats->ConsumeFromSequence("a", 0, 5).status(), 10094,
                 "consumer delivery policy is deliver by start sequence, but optional start "
                 "sequence is not set");
  // The ephemeral consumers are gone.
  REQUIRE(ValueOrFail(nats->GetStreamState("a")).consumers == 0);

  SECTION("beyond LastSeq: starts at LastSeq + 1 and gets new messages") {
    REQUIRE_OK(nats->AddDurableConsumer("a", "late", 1000));
    REQUIRE(ValueOrFail(nats->FetchDurable("a", "late", 5, 300)).empty());
    REQUIRE(ValueOrFail(nats->GetConsumerState("a", "late")) ==
            ConsumerState{.delivered_seq = 8, .ack_floor_seq = 0});
    REQUIRE(ValueOrFail(nats->Publish("a", "m9")) == 9);
    REQUIRE(Seqs(ValueOrFail(nats->FetchDurable("a", "late", 5, 300))) == std::vector<uint64_t>{9});
    REQUIRE(ValueOrFail(nats->GetConsumerState("a", "late")) ==
            ConsumerState{.delivered_seq = 9, .ack_floor_seq = 9});
  }
  SECTION("durable consumer errors") {
    REQUIRE_OK(nats->AddDurableConsumer("a", "c", 5));
    REQUIRE_OK(nats->AddDurableConsumer("a", "c", 5));  // same config: no-op
    RequireJsError(nats->AddDurableConsumer("a", "c", 4), 10012,
                   "start sequence can not be updated");
    RequireJsError(nats->AddDurableConsumer("a", "zero", 0), 10094,
                   "consumer delivery policy is deliver by start sequence, but optional "
                   "start sequence is not set");
    RequireJsError(nats->GetConsumerState("a", "missing").status(), 10014, "consumer not found");
    RequireJsError(nats->FetchDurable("a", "missing", 1).status(), 10014, "consumer not found");
    REQUIRE_OK(nats->DeleteConsumer("a", "c"));
    RequireJsError(nats->DeleteConsumer("a", "c"), 10014, "consumer not found");
  }
}

TEST_CASE("Purge empties the stream and sequences continue") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "p"}));
  for (int i = 1; i <= 8; ++i) ValueOrFail(nats->Publish("p", "m" + std::to_string(i)));
  REQUIRE_OK(nats->PurgeStream("p"));
  REQUIRE(ValueOrFail(nats->GetStreamState("p")) ==
          StreamState{.msgs = 0, .bytes = 0, .first_seq = 9, .last_seq = 8});
  RequireJsError(nats->GetMsg("p", 8).status(), 10037, "no message found");
  REQUIRE(ValueOrFail(nats->Publish("p", "m9")) == 9);
  REQUIRE(ValueOrFail(nats->GetStreamState("p")) ==
          StreamState{.msgs = 1, .bytes = 33, .first_seq = 9, .last_seq = 9});
  REQUIRE(Seqs(ValueOrFail(nats->ConsumeFromSequence("p", 1, 1))) == std::vector<uint64_t>{9});
}

TEST_CASE("Server limits: max_file_store and max_payload") {
  constexpr int64_t kStoreLimit = 64 * 1024;
  Nats nats({.max_file_store = kStoreLimit, .max_payload = 4096});
  RequireJsError(nats->AddStream({.name = "big", .max_bytes = 2 * kStoreLimit}), 10047,
                 "insufficient storage resources available");

  REQUIRE_OK(nats->AddStream({.name = "u"}));
  const std::string payload(1000, 'q');  // 1031 bytes stored
  uint64_t bytes = 0;
  int published = 0;
  while (true) {
    const absl::StatusOr<uint64_t> seq = nats->Publish("u", payload);
    if (!seq.ok()) {
      RequireJsError(seq.status(), 10023, "insufficient resources");
      break;
    }
    ++published;
    bytes += 1031;
    REQUIRE(published < 1000);
  }
  // The publish that crossed the limit was accepted; the next one was refused.
  REQUIRE(bytes > static_cast<uint64_t>(kStoreLimit));
  REQUIRE(bytes - 1031 <= static_cast<uint64_t>(kStoreLimit));
  REQUIRE(ValueOrFail(nats->GetStreamState("u")).bytes == bytes);

  REQUIRE_OK(nats->AddStream({.name = "m"}));
  const absl::Status too_big = nats->Publish("m", std::string(5000, 'x')).status();
  INFO(too_big.ToString());
  REQUIRE(too_big.code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(JsErrorCode(too_big) == 0);
  REQUIRE(std::string(too_big.message()).find("greater than maximum allowed: 4096") !=
          std::string::npos);
  REQUIRE(ValueOrFail(nats->GetStreamState("m")).msgs == 0);
}

TEST_CASE("Restart after a clean stop keeps everything") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "k", .max_msgs = 100}));
  for (int i = 1; i <= 10; ++i) {
    ValueOrFail(nats->Publish("k", "m" + std::to_string(i), {{"i", std::to_string(i)}}));
  }
  REQUIRE_OK(nats->DeleteMsg("k", 5));
  REQUIRE_OK(nats->AddDurableConsumer("k", "c", 1));
  REQUIRE(Seqs(ValueOrFail(nats->FetchDurable("k", "c", 4))) == std::vector<uint64_t>{1, 2, 3, 4});
  const StreamState state = ValueOrFail(nats->GetStreamState("k"));
  const ConsumerState consumer = ValueOrFail(nats->GetConsumerState("k", "c"));
  REQUIRE(consumer.ack_floor_seq == 4);
  std::vector<StoredMessage> messages;
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    if (seq != 5) messages.push_back(ValueOrFail(nats->GetMsg("k", seq)));
  }

  const int port = nats.server->port();
  REQUIRE_OK(nats.server->Stop());
  REQUIRE(ReadAll(nats.server->log_path()).find("Server Exiting..") != std::string::npos);
  REQUIRE_OK(nats.server->Restart());
  REQUIRE(nats.server->port() == port);
  nats.Reconnect();

  REQUIRE(ValueOrFail(nats->GetStreamState("k")) == state);
  for (const StoredMessage& message : messages) {
    REQUIRE(ValueOrFail(nats->GetMsg("k", message.seq)) == message);
  }
  RequireJsError(nats->GetMsg("k", 5).status(), 10037, "no message found");
  REQUIRE(ValueOrFail(nats->GetConsumerState("k", "c")) == consumer);
  REQUIRE(Seqs(ValueOrFail(nats->FetchDurable("k", "c", 3))) == std::vector<uint64_t>{6, 7, 8});
  REQUIRE(ValueOrFail(nats->Publish("k", "m11")) == 11);
}

TEST_CASE("Expired messages are dropped at recovery") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "t", .max_age_ns = 300 * kMs}));
  const auto published = std::chrono::steady_clock::now();
  REQUIRE(ValueOrFail(nats->Publish("t", "x")) == 1);
  REQUIRE(ValueOrFail(nats->GetStreamState("t")).msgs == 1);
  REQUIRE_OK(nats.server->Stop());
  std::this_thread::sleep_until(published + milliseconds(500));
  REQUIRE_OK(nats.server->Restart());
  nats.Reconnect();
  REQUIRE(ValueOrFail(nats->GetStreamState("t")) ==
          StreamState{.msgs = 0, .bytes = 0, .first_seq = 2, .last_seq = 1});
  REQUIRE(ValueOrFail(nats->Publish("t", "y")) == 2);
}

TEST_CASE("After a process crash every acknowledged message is present") {
  Nats nats;
  REQUIRE_OK(nats->AddStream({.name = "c"}));
  for (uint64_t i = 1; i <= 50; ++i) {
    REQUIRE(ValueOrFail(nats->Publish("c", "m" + std::to_string(i))) == i);
  }
  REQUIRE_OK(nats.server->Kill());
  REQUIRE_OK(nats.server->Restart());
  nats.Reconnect();
  const StreamState state = ValueOrFail(nats->GetStreamState("c"));
  REQUIRE(state.first_seq == 1);
  REQUIRE(state.last_seq == 50);
  REQUIRE(state.msgs == 50);
  for (uint64_t i = 1; i <= 50; ++i) {
    REQUIRE(ValueOrFail(nats->GetMsg("c", i)).payload == "m" + std::to_string(i));
  }
}

}  // namespace
}  // namespace mqsim::testing
