#include "tests/nats/nats_server_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>

namespace mqsim::testing {

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kJsErrorMarker[] = " (JetStream error ";
constexpr jsErrCode kNoJsError = static_cast<jsErrCode>(0);
constexpr char kDefaultBinary[] = "/usr/sbin/nats-server";
constexpr char kReadyLine[] = "Server is ready";
constexpr auto kPollInterval = std::chrono::milliseconds(10);

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

absl::Status JsError(int js_code, const std::string& description) {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  switch (js_code) {
    case JSNoMessageFoundErr:
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
      code = absl::StatusCode::kNotFound;
      break;
    case JSInsufficientResourcesErr:
    case JSStorageResourcesExceededErr:
    case JSStreamMessageExceedsMaximumErr:
    case JSStreamStoreFailedErr:
      code = absl::StatusCode::kResourceExhausted;
      break;
    default:
      break;
  }
  return absl::Status(code, description + kJsErrorMarker + std::to_string(js_code) + ")");
}

// libnats reports a JetStream API error as NATS_ERR with the server's description as the
// thread's last error, prefixed with the library's source location ("(jsm.c:1033): max age
// needs to be >= 100ms"). The text is only this call's if the last error's status is s.
std::string LastErrorText(natsStatus s) {
  natsStatus last_status = NATS_OK;
  const char* last = nats_GetLastError(&last_status);
  if (last == nullptr || last_status != s) return "";
  std::string text = last;
  const size_t location_end = text.find("): ");
  if (!text.empty() && text[0] == '(' && location_end != std::string::npos) {
    text.erase(0, location_end + 3);
  }
  return text;
}

// For these codes libnats returns NATS_NOT_FOUND and drops the server's description; these
// are nats-server 2.9.10's descriptions (checked with raw API requests).
const char* NotFoundDescription(int js_code) {
  switch (js_code) {
    case JSNoMessageFoundErr:
      return "no message found";
    case JSStreamNotFoundErr:
      return "stream not found";
    case JSConsumerNotFoundErr:
      return "consumer not found";
    default:
      return nullptr;
  }
}

// The result of a libnats call: a JetStream error (error_code != 0) with the server's
// description, else the library's own status and text.
absl::Status FromNats(natsStatus s, int error_code, const std::string& what) {
  if (s == NATS_OK) return absl::OkStatus();
  std::string text = LastErrorText(s);
  // No stream listens on the subject: libnats sets JSNotEnabledErr (10076) itself, the
  // server sent no JetStream error.
  if (s == NATS_NO_RESPONDERS) error_code = 0;
  if (error_code != 0) {
    if (text.empty() && s == NATS_NOT_FOUND && NotFoundDescription(error_code) != nullptr) {
      text = NotFoundDescription(error_code);
    }
    return JsError(error_code, text.empty() ? natsStatus_GetText(s) : text);
  }
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (s) {
    case NATS_TIMEOUT:
      code = absl::StatusCode::kDeadlineExceeded;
      break;
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_IO_ERROR:
      code = absl::StatusCode::kUnavailable;
      break;
    case NATS_MAX_PAYLOAD:
    case NATS_INVALID_ARG:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case NATS_NOT_FOUND:
      code = absl::StatusCode::kNotFound;
      break;
    default:
      break;
  }
  std::string message = what + ": " + natsStatus_GetText(s);
  if (!text.empty()) message += ": " + text;
  return absl::Status(code, message);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

absl::StatusOr<int> PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(ErrnoText("socket"));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const absl::Status error = absl::InternalError(ErrnoText("bind 127.0.0.1:0"));
    close(fd);
    return error;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string ReadFileFrom(const std::string& path, uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

std::map<std::string, std::string> HeadersOf(natsMsg* msg) {
  std::map<std::string, std::string> headers;
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) != NATS_OK) return headers;
  for (int i = 0; i < count; ++i) {
    const char* value = nullptr;
    if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK) {
      headers[keys[i]] = value != nullptr ? value : "";
    }
  }
  free(static_cast<void*>(keys));
  return headers;
}

std::string PayloadOf(const natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  return data != nullptr ? std::string(data, natsMsg_GetDataLength(msg)) : std::string();
}

}  // namespace

int JsErrorCode(const absl::Status& status) {
  const std::string message(status.message());
  const size_t at = message.rfind(kJsErrorMarker);
  if (at == std::string::npos) return 0;
  return std::atoi(message.c_str() + at + sizeof(kJsErrorMarker) - 1);
}

std::string JsErrorText(const absl::Status& status) {
  const std::string message(status.message());
  return message.substr(0, message.rfind(kJsErrorMarker));
}

std::ostream& operator<<(std::ostream& out, const StreamState& state) {
  return out << "{msgs=" << state.msgs << " bytes=" << state.bytes
             << " first_seq=" << state.first_seq << " last_seq=" << state.last_seq
             << " num_deleted=" << state.num_deleted << " consumers=" << state.consumers << "}";
}

std::ostream& operator<<(std::ostream& out, const StoredMessage& message) {
  out << "{seq=" << message.seq << " subject=" << message.subject << " payload=";
  if (message.payload.size() <= 32) {
    out << '"' << message.payload << '"';
  } else {
    out << message.payload.size() << " bytes";
  }
  out << " headers={";
  const char* separator = "";
  for (const auto& [key, value] : message.headers) {
    out << separator << key << ": " << value;
    separator = ", ";
  }
  return out << "}}";
}

std::ostream& operator<<(std::ostream& out, const ConsumerState& state) {
  return out << "{delivered_seq=" << state.delivered_seq << " ack_floor_seq=" << state.ack_floor_seq
             << " num_pending=" << state.num_pending << " num_ack_pending=" << state.num_ack_pending
             << " num_redelivered=" << state.num_redelivered << "}";
}

std::ostream& operator<<(std::ostream& out, const FetchedMessage& message) {
  return out << "{" << message.message << " num_delivered=" << message.num_delivered << "}";
}

// ---------------------------------------------------------------------------------------
// NatsServer

NatsServer::NatsServer(NatsServerOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<NatsServer>> NatsServer::Start(NatsServerOptions options) {
  std::unique_ptr<NatsServer> server(new NatsServer(std::move(options)));
  if (absl::Status s = server->Prepare(); !s.ok()) return s;
  // Another process may take the free port between our probe and the server's bind.
  constexpr int kAttempts = 5;
  absl::Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    const uint64_t log_offset = FileSize(server->log_path_);
    last = server->Launch();
    if (last.ok()) return server;
    if (ReadFileFrom(server->log_path_, log_offset).find("address already in use") ==
        std::string::npos) {
      break;
    }
  }
  return last;
}

NatsServer::~NatsServer() {
  if (running()) {
    bool clean = false;
    Terminate(SIGTERM, options_.stop_timeout, &clean);
  }
  if (!options_.keep_dir && !dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::Status NatsServer::Prepare() {
  binary_ = options_.binary;
  if (binary_.empty()) {
    const char* env = getenv("MQSIM_NATS_SERVER");
    binary_ = env != nullptr && *env != '\0' ? env : kDefaultBinary;
  }
  if (access(binary_.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(ErrnoText(binary_) +
                                         " (install Debian's nats-server: tools/bootstrap.sh)");
  }
  const char* tmp = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/nats-server-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError(ErrnoText(pattern));
  dir_ = pattern;
  store_dir_ = dir_ + "/store";
  config_path_ = dir_ + "/nats-server.conf";
  log_path_ = dir_ + "/nats-server.log";
  if (mkdir(store_dir_.c_str(), 0755) != 0) return absl::InternalError(ErrnoText(store_dir_));
  return absl::OkStatus();
}

std::string NatsServer::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

std::string NatsServer::LogTail(size_t max_bytes) const {
  const uint64_t size = FileSize(log_path_);
  return ReadFileFrom(log_path_, size > max_bytes ? size - max_bytes : 0);
}

absl::Status NatsServer::Launch() {
  std::ostringstream config;
  config << "# Written by mqsim's NatsServer test fixture (tests/nats).\n"
         << "listen: \"127.0.0.1:" << port_ << "\"\n";
  if (options_.max_payload >= 0) config << "max_payload: " << options_.max_payload << "\n";
  config << "jetstream {\n"
         << "  store_dir: \"" << store_dir_ << "\"\n";
  if (options_.max_file_store >= 0) {
    config << "  max_file_store: " << options_.max_file_store << "\n";
  }
  config << "}\n";
  if (absl::Status s = WriteFile(config_path_, config.str()); !s.ok()) return s;

  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(ErrnoText(log_path_));
  const std::string banner =
      "=== mqsim NatsServer: " + binary_ + " -c " + config_path_ + "\n" + config.str();
  if (write(log_fd, banner.data(), banner.size()) < 0) {
    close(log_fd);
    return absl::InternalError(ErrnoText(log_path_));
  }
  const uint64_t log_offset = FileSize(log_path_);

  // Everything the child needs is prepared before fork: between fork and exec it may only
  // make async-signal-safe calls (libnats threads may hold locks).
  std::vector<std::string> args = {binary_, "-c", config_path_};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  static constexpr char kExecFailed[] = "mqsim NatsServer: exec failed\n";
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(ErrnoText("fork"));
  }
  if (pid == 0) {
    // Dies with the thread that started it, even if the test is killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);  // no inherited sockets or files (libnats's, Bazel's)
    execv(argv[0], argv.data());
    [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1);
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  const Clock::time_point deadline = Clock::now() + options_.start_timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError("nats-server exited during start-up (" +
                                           DescribeWaitStatus(status) + "); log " + log_path_ +
                                           ":\n" + LogTail());
    }
    if (ReadFileFrom(log_path_, log_offset).find(kReadyLine) != std::string::npos &&
        CanConnect(port_)) {
      return absl::OkStatus();
    }
    if (Clock::now() >= deadline) {
      bool clean = false;
      Terminate(SIGKILL, options_.stop_timeout, &clean);
      return absl::DeadlineExceededError(
          "nats-server did not accept connections on 127.0.0.1:" + std::to_string(port_) +
          " within " + std::to_string(options_.start_timeout.count()) + " ms (killed); log " +
          log_path_ + ":\n" + LogTail());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void NatsServer::Terminate(int signal, std::chrono::milliseconds timeout, bool* clean) {
  *clean = false;
  if (pid_ <= 0) return;
  kill(pid_, signal);
  const Clock::time_point deadline = Clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      *clean = signal != SIGKILL;
      pid_ = -1;
      return;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

absl::Status NatsServer::Stop() {
  if (!running()) return absl::FailedPreconditionError("nats-server is not running");
  bool clean = false;
  Terminate(SIGTERM, options_.stop_timeout, &clean);
  if (!clean) {
    return absl::DeadlineExceededError("nats-server did not exit within " +
                                       std::to_string(options_.stop_timeout.count()) +
                                       " ms of SIGTERM and was killed; log " + log_path_);
  }
  return absl::OkStatus();
}

absl::Status NatsServer::Kill() {
  if (!running()) return absl::FailedPreconditionError("nats-server is not running");
  bool clean = false;
  Terminate(SIGKILL, options_.stop_timeout, &clean);
  return absl::OkStatus();
}

absl::Status NatsServer::Restart() {
  if (running()) {
    if (absl::Status s = Stop(); !s.ok()) return s;
  }
  return Launch();
}

// ---------------------------------------------------------------------------------------
// NatsClient

absl::StatusOr<std::unique_ptr<NatsClient>> NatsClient::Connect(const std::string& url,
                                                                int64_t timeout_ms) {
  natsOptions* options = nullptr;
  natsStatus s = natsOptions_Create(&options);
  if (s == NATS_OK) s = natsOptions_SetURL(options, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(options, timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(options, false);
  natsConnection* connection = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&connection, options);
  natsOptions_Destroy(options);
  if (s != NATS_OK) return FromNats(s, 0, "connect to " + url);

  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = timeout_ms;
  jsCtx* js = nullptr;
  s = natsConnection_JetStream(&js, connection, &js_options);
  if (s != NATS_OK) {
    natsConnection_Destroy(connection);
    return FromNats(s, 0, "JetStream context on " + url);
  }
  return std::unique_ptr<NatsClient>(new NatsClient(connection, js, timeout_ms));
}

NatsClient::~NatsClient() {
  jsCtx_Destroy(js_);
  natsConnection_Destroy(connection_);
}

namespace {

// Fills a jsStreamConfig from spec; the config points into spec and subjects.
void ToStreamConfig(const StreamSpec& spec, const char** subjects, jsStreamConfig* config) {
  jsStreamConfig_Init(config);
  subjects[0] = spec.name.c_str();
  config->Name = spec.name.c_str();
  config->Subjects = subjects;
  config->SubjectsLen = 1;
  config->Retention = js_LimitsPolicy;
  config->Storage = js_FileStorage;
  config->MaxMsgs = spec.max_msgs;
  config->MaxBytes = spec.max_bytes;
  config->MaxAge = spec.max_age_ns;
  config->MaxMsgSize = spec.max_msg_size;
  config->Discard = spec.discard_new ? js_DiscardNew : js_DiscardOld;
}

// Takes one fetched message (converts it, acknowledges it or not).
using TakeMessage = std::function<absl::Status(natsMsg*)>;

// The message, its delivery count and its ack subject, from its JetStream metadata.
absl::StatusOr<FetchedMessage> ToFetched(natsMsg* msg) {
  jsMsgMetaData* meta = nullptr;
  const natsStatus s = natsMsg_GetMetaData(&meta, msg);
  if (s != NATS_OK) return FromNats(s, 0, "message metadata");
  const char* reply = natsMsg_GetReply(msg);
  FetchedMessage out{
      {meta->Sequence.Stream, natsMsg_GetSubject(msg), PayloadOf(msg), HeadersOf(msg)},
      meta->NumDelivered,
      reply != nullptr ? reply : ""};
  jsMsgMetaData_Destroy(meta);
  return out;
}

// Gives every fetched message to take, then frees the list; the first error is returned.
absl::Status TakeFetched(natsMsgList* list, const TakeMessage& take) {
  absl::Status result;
  for (int i = 0; i < list->Count; ++i) result.Update(take(list->Msgs[i]));
  natsMsgList_Destroy(list);
  return result;
}

// Fetches from a pull subscription until max messages or timeout_ms in total, giving each
// to take.
absl::Status FetchUpTo(natsSubscription* sub, int max, int64_t timeout_ms,
                       const TakeMessage& take) {
  int taken = 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (taken < max) {
    const int64_t remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) break;
    natsMsgList list = {};
    jsErrCode error_code = kNoJsError;
    const natsStatus s = natsSubscription_Fetch(&list, sub, max - taken, remaining, &error_code);
    taken += list.Count;
    if (absl::Status status = TakeFetched(&list, take); !status.ok()) return status;
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) return FromNats(s, error_code, "fetch");
  }
  return absl::OkStatus();
}

// Fetches, acknowledging each message synchronously (the ack is applied on return).
absl::StatusOr<std::vector<StoredMessage>> FetchAndAck(natsSubscription* sub, int max,
                                                       int64_t timeout_ms) {
  std::vector<StoredMessage> out;
  const absl::Status status = FetchUpTo(sub, max, timeout_ms, [&out](natsMsg* msg) {
    absl::StatusOr<FetchedMessage> fetched = ToFetched(msg);
    if (!fetched.ok()) return fetched.status();
    out.push_back(std::move(fetched->message));
    jsErrCode error_code = kNoJsError;
    const natsStatus s = natsMsg_AckSync(msg, nullptr, &error_code);
    return FromNats(s, error_code, "ack");
  });
  if (!status.ok()) return status;
  return out;
}

// A pull subscription bound to an existing durable consumer; destroying it keeps the
// consumer.
absl::StatusOr<natsSubscription*> BindDurable(jsCtx* js, const std::string& stream,
                                              const std::string& durable) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Consumer = durable.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s =
      js_PullSubscribe(&sub, js, stream.c_str(), durable.c_str(), nullptr, &options, &error_code);
  if (s != NATS_OK) return FromNats(s, error_code, "bind to consumer " + durable);
  return sub;
}

}  // namespace

absl::Status NatsClient::AddStream(const StreamSpec& spec) {
  const char* subjects[1];
  jsStreamConfig config;
  ToStreamConfig(spec, subjects, &config);
  jsStreamInfo* info = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_AddStream(&info, js_, &config, nullptr, &error_code);
  jsStreamInfo_Destroy(info);
  return FromNats(s, error_code, "add stream " + spec.name);
}

absl::Status NatsClient::UpdateStream(const StreamSpec& spec) {
  const char* subjects[1];
  jsStreamConfig config;
  ToStreamConfig(spec, subjects, &config);
  jsStreamInfo* info = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_UpdateStream(&info, js_, &config, nullptr, &error_code);
  jsStreamInfo_Destroy(info);
  return FromNats(s, error_code, "update stream " + spec.name);
}

absl::Status NatsClient::DeleteStream(const std::string& name) {
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_DeleteStream(js_, name.c_str(), nullptr, &error_code);
  return FromNats(s, error_code, "delete stream " + name);
}

absl::Status NatsClient::PurgeStream(const std::string& name) {
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_PurgeStream(js_, name.c_str(), nullptr, &error_code);
  return FromNats(s, error_code, "purge stream " + name);
}

absl::StatusOr<StreamState> NatsClient::GetStreamState(const std::string& name) {
  jsStreamInfo* info = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_GetStreamInfo(&info, js_, name.c_str(), nullptr, &error_code);
  if (s != NATS_OK) return FromNats(s, error_code, "stream info " + name);
  StreamState state;
  state.msgs = info->State.Msgs;
  state.bytes = info->State.Bytes;
  state.first_seq = info->State.FirstSeq;
  state.last_seq = info->State.LastSeq;
  state.num_deleted = info->State.NumDeleted;
  state.consumers = info->State.Consumers;
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<uint64_t> NatsClient::Publish(const std::string& subject, const std::string& payload,
                                             const std::map<std::string, std::string>& headers) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  for (const auto& [key, value] : headers) {
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, key.c_str(), value.c_str());
  }
  jsPubAck* ack = nullptr;
  jsErrCode error_code = kNoJsError;
  if (s == NATS_OK) s = js_PublishMsg(&ack, js_, msg, nullptr, &error_code);
  natsMsg_Destroy(msg);
  if (s != NATS_OK) return FromNats(s, error_code, "publish to " + subject);
  const uint64_t seq = ack->Sequence;
  jsPubAck_Destroy(ack);
  return seq;
}

absl::Status NatsClient::ApiRequestError(const std::string& subject, const std::string& body) {
  natsMsg* reply = nullptr;
  const natsStatus s = natsConnection_Request(&reply, connection_, subject.c_str(), body.data(),
                                              static_cast<int>(body.size()), timeout_ms_);
  if (s != NATS_OK) return FromNats(s, 0, "request " + subject);
  const nlohmann::json response = nlohmann::json::parse(PayloadOf(reply), nullptr, false);
  natsMsg_Destroy(reply);
  if (response.is_discarded() || !response.is_object()) {
    return absl::InternalError("request " + subject + ": reply is not a JSON object");
  }
  if (!response.contains("error")) return absl::OkStatus();
  const nlohmann::json& error = response["error"];
  return JsError(error.value("err_code", 0), error.value("description", std::string()));
}

absl::StatusOr<StoredMessage> NatsClient::GetMsg(const std::string& stream, uint64_t seq) {
  if (seq == 0) {
    absl::Status error = ApiRequestError("$JS.API.STREAM.MSG.GET." + stream, R"({"seq":0})");
    if (error.ok()) error = absl::InternalError("get message 0 of " + stream + " succeeded");
    return error;
  }
  natsMsg* msg = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_GetMsg(&msg, js_, stream.c_str(), seq, nullptr, &error_code);
  if (s != NATS_OK) {
    return FromNats(s, error_code, "get message " + std::to_string(seq) + " of " + stream);
  }
  StoredMessage out{natsMsg_GetSequence(msg), natsMsg_GetSubject(msg), PayloadOf(msg),
                    HeadersOf(msg)};
  natsMsg_Destroy(msg);
  return out;
}

absl::Status NatsClient::DeleteMsg(const std::string& stream, uint64_t seq) {
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_DeleteMsg(js_, stream.c_str(), seq, nullptr, &error_code);
  return FromNats(s, error_code, "delete message " + std::to_string(seq) + " of " + stream);
}

absl::StatusOr<std::vector<StoredMessage>> NatsClient::ConsumeFromSequence(
    const std::string& stream, uint64_t start_seq, int max, int64_t timeout_ms) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = start_seq;
  options.Config.AckPolicy = js_AckExplicit;
  natsSubscription* sub = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_PullSubscribe(&sub, js_, stream.c_str(), /*durable=*/nullptr, nullptr,
                                        &options, &error_code);
  if (s != NATS_OK) {
    return FromNats(s, error_code, "consumer on " + stream + " from " + std::to_string(start_seq));
  }
  absl::StatusOr<std::vector<StoredMessage>> out = FetchAndAck(sub, max, timeout_ms);
  // The consumer was created by this subscription: unsubscribing deletes it.
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  return out;
}

absl::Status NatsClient::AddDurableConsumer(const std::string& stream, const std::string& durable,
                                            uint64_t start_seq) {
  return AddDurableConsumer(stream, durable, start_seq, std::chrono::milliseconds(0));
}

absl::Status NatsClient::AddDurableConsumer(const std::string& stream, const std::string& durable,
                                            uint64_t start_seq,
                                            std::chrono::milliseconds ack_wait) {
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = durable.c_str();
  config.DeliverPolicy = js_DeliverByStartSequence;
  config.OptStartSeq = start_seq;
  config.AckPolicy = js_AckExplicit;
  config.AckWait = std::chrono::duration_cast<std::chrono::nanoseconds>(ack_wait).count();
  jsConsumerInfo* info = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s = js_AddConsumer(&info, js_, stream.c_str(), &config, nullptr, &error_code);
  jsConsumerInfo_Destroy(info);
  return FromNats(s, error_code, "add consumer " + durable + " on " + stream);
}

absl::StatusOr<std::vector<StoredMessage>> NatsClient::FetchDurable(const std::string& stream,
                                                                    const std::string& durable,
                                                                    int max, int64_t timeout_ms) {
  absl::StatusOr<natsSubscription*> sub = BindDurable(js_, stream, durable);
  if (!sub.ok()) return sub.status();
  absl::StatusOr<std::vector<StoredMessage>> out = FetchAndAck(*sub, max, timeout_ms);
  natsSubscription_Destroy(*sub);
  return out;
}

absl::StatusOr<std::vector<FetchedMessage>> NatsClient::FetchDurableNoAck(
    const std::string& stream, const std::string& durable, int max, int64_t timeout_ms) {
  absl::StatusOr<natsSubscription*> sub = BindDurable(js_, stream, durable);
  if (!sub.ok()) return sub.status();
  std::vector<FetchedMessage> out;
  const absl::Status status = FetchUpTo(*sub, max, timeout_ms, [&out](natsMsg* msg) {
    absl::StatusOr<FetchedMessage> fetched = ToFetched(msg);
    if (!fetched.ok()) return fetched.status();
    out.push_back(std::move(*fetched));
    return absl::OkStatus();
  });
  natsSubscription_Destroy(*sub);
  if (!status.ok()) return status;
  return out;
}

absl::Status NatsClient::AckSync(const FetchedMessage& message) {
  if (message.ack_subject.empty()) {
    return absl::InvalidArgumentError("ack of sequence " + std::to_string(message.message.seq) +
                                      ": the message has no ack subject");
  }
  static constexpr char kAck[] = "+ACK";
  natsMsg* reply = nullptr;
  const natsStatus s = natsConnection_Request(&reply, connection_, message.ack_subject.c_str(),
                                              kAck, sizeof(kAck) - 1, timeout_ms_);
  natsMsg_Destroy(reply);
  return FromNats(s, 0, "ack of sequence " + std::to_string(message.message.seq));
}

absl::StatusOr<ConsumerState> NatsClient::GetConsumerState(const std::string& stream,
                                                           const std::string& durable) {
  jsConsumerInfo* info = nullptr;
  jsErrCode error_code = kNoJsError;
  const natsStatus s =
      js_GetConsumerInfo(&info, js_, stream.c_str(), durable.c_str(), nullptr, &error_code);
  if (s != NATS_OK) return FromNats(s, error_code, "consumer info " + durable);
  ConsumerState state;
  state.delivered_seq = info->Delivered.Stream;
  state.ack_floor_seq = info->AckFloor.Stream;
  state.num_pending = info->NumPending;
  state.num_ack_pending = info->NumAckPending;
  state.num_redelivered = info->NumRedelivered;
  jsConsumerInfo_Destroy(info);
  return state;
}

absl::Status NatsClient::DeleteConsumer(const std::string& stream, const std::string& durable) {
  jsErrCode error_code = kNoJsError;
  const natsStatus s =
      js_DeleteConsumer(js_, stream.c_str(), durable.c_str(), nullptr, &error_code);
  return FromNats(s, error_code, "delete consumer " + durable);
}

}  // namespace mqsim::testing
