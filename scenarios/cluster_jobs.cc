#include "scenarios/cluster_jobs.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace mqsim::scenarios {

namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string YamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> TaskArgs(const ShardedSweep& s) {
  std::vector<std::string> args = {"sweep", s.scenario, "--seeds", s.seeds.ToString(), "--shard",
                                   "env",   "--out",    s.out_dir, "--jobs",           "1"};
  args.insert(args.end(), s.extra_args.begin(), s.extra_args.end());
  return args;
}

}  // namespace

std::string TaskCommand(const ShardedSweep& s) {
  std::string out = ShellQuote(s.mqsim);
  for (const std::string& a : TaskArgs(s)) out += " " + ShellQuote(a);
  return out;
}

std::string SbatchScript(const ShardedSweep& s, const std::string& partition) {
  std::string out = "#!/bin/sh\n";
  out += "#SBATCH --job-name=mqsim-sweep\n";
  out += "#SBATCH --array=0-" + std::to_string(s.shards - 1) + "\n";
  out += "#SBATCH --cpus-per-task=1\n";
  out += "#SBATCH --output=" + s.out_dir + "/slurm-%A_%a.out\n";
  if (!partition.empty()) out += "#SBATCH --partition=" + partition + "\n";
  out += "# One shard of the sweep per array task; merge with: mqsim collect " + s.out_dir + "\n";
  return out + "exec " + TaskCommand(s) + "\n";
}

std::string K8sIndexedJob(const ShardedSweep& s, const std::string& image, const std::string& claim,
                          uint64_t parallelism) {
  std::string args;
  for (const std::string& a : TaskArgs(s)) args += "            - " + YamlQuote(a) + "\n";
  return "# mqsim sweep as a Kubernetes Indexed Job: task i runs shard i of " +
         std::to_string(s.shards) + ".\n# Merge with: mqsim collect " + s.out_dir +
         " (on the volume)\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: mqsim-sweep\n"
         "spec:\n  completionMode: Indexed\n  completions: " +
         std::to_string(s.shards) + "\n  parallelism: " + std::to_string(parallelism) +
         "\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n"
         "      containers:\n        - name: mqsim\n          image: " +
         YamlQuote(image) + "\n          command: [" + YamlQuote(s.mqsim) + "]\n          args:\n" +
         args + "          env:\n            - name: MQSIM_SHARDS\n              value: " +
         YamlQuote(std::to_string(s.shards)) +
         "\n          resources:\n            requests: {cpu: \"1\"}\n"
         "          volumeMounts:\n            - name: results\n              mountPath: " +
         YamlQuote(s.out_dir) +
         "\n      volumes:\n        - name: results\n          persistentVolumeClaim:\n"
         "            claimName: " +
         YamlQuote(claim) + "\n";
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return absl::InternalError(std::string("pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return absl::NotFoundError(argv[0] + ": cannot run: " + strerror(rc));
  }
  CommandResult r;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace mqsim::scenarios
