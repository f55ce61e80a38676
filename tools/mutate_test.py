#!/usr/bin/env python3
"""Tests of the pure parts of tools/mutate.py and its mutate_*.py modules: masking, mutant
enumeration on small C++ snippets, ids and sampling, applying and restoring an edit,
process-group timeouts, the report, --resume and the command line. No Bazel:
`python3 tools/mutate_test.py` or `bazel test //tools:mutate_test`."""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate  # noqa: E402
import mutate_enum  # noqa: E402
import mutate_judge  # noqa: E402
import mutate_mask  # noqa: E402
import mutate_operators  # noqa: E402
import mutate_proc  # noqa: E402
import mutate_report  # noqa: E402
import mutate_scratch  # noqa: E402
import mutate_source  # noqa: E402


def mutants(text, path="storage/x/engine.cc", operators=mutate_operators.OPERATORS):
    return mutate_enum.mutants_of_source(path, text, operators)


def afters(text, operator, path="storage/x/engine.cc"):
    return [m.after for m in mutants(text, path, [operator])]


def in_function(body, name="Work"):
    return "namespace ns {\n\nint Engine::" + name + "(int a, int b) {\n" + body + \
        "\n  return 0;\n}\n\n}  // namespace ns\n"


class MaskTest(unittest.TestCase):

    def test_blanks_comments_literals_and_directives_keeping_offsets(self):
        text = ('#include <vector>\nint x = a < b; // a < b\n/* a < b */ s = "a < b";\n'
                "c = 'x'; n = 1'000 < 2;\nr = R\"(a < b)\";\n")
        masked = mutate_mask.mask_code(text)
        self.assertEqual(len(masked), len(text))
        self.assertEqual(masked.count("\n"), text.count("\n"))
        self.assertNotIn("include", masked)
        self.assertEqual(masked.count("<"), 2)  # a < b, 1'000 < 2
        self.assertIn("1'000 < 2", masked)  # a digit separator is not a char literal
        self.assertNotIn("'x'", masked)

    def test_escaped_quotes(self):
        masked = mutate_mask.mask_code('s = "a \\" < b"; t = a < b;')
        self.assertEqual(masked.count("<"), 1)


class StructureTest(unittest.TestCase):

    def test_kinds_and_function_names(self):
        text = ("namespace n {\nstruct S { int a; };\nabsl::Status R::LoadTopic(int x) const {\n"
                "  if (x) { y(); }\n  auto f = [&](int q) -> int { return q; };\n"
                "  std::vector<int> v = {1, 2};\n}\n}\n")
        src = mutate_source.Source("f.cc", text)
        kinds = [b.kind for b in src.blocks]
        self.assertEqual(kinds, ["namespace", "class", "function", "control", "lambda", "init"])
        self.assertEqual(src.function_name(text.index("y();")), "LoadTopic")


class RelopTest(unittest.TestCase):

    def test_mutates_only_real_comparisons(self):
        body = ("  std::vector<int> v;\n  auto p = q->next;\n  out << a << b >> c;\n"
                "  // if (a < b)\n  log(\"a < b\");\n  auto o = a <=> b;\n"
                "  auto n = static_cast<int>(a);\n  if (a < b) x();")
        text = "#include <vector>\n#include <map>\n" + in_function(body)
        self.assertEqual(afters(text, "relop"), ["if (a <= b) x();"])

    def test_every_swap(self):
        for before, after in (("<", "<="), ("<=", "<"), (">", ">="), (">=", ">"),
                              ("==", "!="), ("!=", "==")):
            got = afters(in_function(f"  if (a {before} b) x();"), "relop")
            self.assertEqual(got, [f"if (a {after} b) x();"], before)

    def test_outside_functions_left_alone(self):
        text = "template <typename T>\nconstexpr bool kBig = sizeof(T) > 8;\n"
        self.assertEqual(afters(text, "relop"), [])


class OffByOneTest(unittest.TestCase):

    def test_drop_and_flip(self):
        got = afters(in_function("  x = a + 1;\n  y = b - 10;\n  z = c + 1'000;"), "off_by_one")
        self.assertEqual(got, ["x = a;", "x = a - 1;"])

    def test_error_messages_left_alone(self):
        got = afters(in_function('  Fail("block " + std::to_string(a + 1));'), "off_by_one")
        self.assertEqual(got, [])


class DropSyncTest(unittest.TestCase):

    def test_removes_the_sync_statement(self):
        text = in_function("  Write(a);\n  MQSIM_RETURN_IF_ERROR(FromIo(f->Sync(IOOptions(), "
                           "nullptr), \"sync\"));\n  Close();")
        ms = mutants(text, operators=["drop_sync"])
        self.assertEqual(len(ms), 1)
        self.assertEqual(ms[0].after, "(deleted)")
        mutated = text[:ms[0].start] + ms[0].replacement + text[ms[0].end:]
        self.assertNotIn("Sync", mutated)
        self.assertIn("  Write(a);\n  Close();", mutated)

    def test_flags_and_used_results(self):
        text = in_function("  o.sync = true;\n  Save(c, /*sync=*/true);\n"
                           "  if (always) return Sync();\n  absl::Status s = SyncNow();\n"
                           "  d->FlushWAL(true);")
        got = afters(text, "drop_sync")
        self.assertEqual(got, ["o.sync = false;", "Save(c, /*sync=*/false);", "(deleted)",
                               "absl::Status s = absl::OkStatus();", "(deleted)"])

    def test_declaration_is_not_a_sync_call(self):
        text = "absl::Status Stream::Sync() {\n  return Flush();\n}\n"
        self.assertEqual(afters(text, "drop_sync"), [])


class DropStmtTest(unittest.TestCase):

    BODY = ("  int n = 0;\n  t.first = Seek(a);\n  Call(a,\n       b);\n  MQSIM_ASSERT(n == 0);\n"
            "  MQSIM_PROBE(kP);\n  if (x) return 1;\n  std::vector<int> v{1, 2};\n  ++n;")

    def test_in_matching_function(self):
        got = afters(in_function(self.BODY, name="LoadTopic"), "drop_stmt")
        self.assertEqual(len(got), 3, got)  # t.first = ...; Call(a, b); ++n;
        befores = [m.before for m in mutants(in_function(self.BODY, name="LoadTopic"),
                                             operators=["drop_stmt"])]
        self.assertEqual(befores, ["t.first = Seek(a);", "Call(a, b);", "++n;"])

    def test_function_or_file_name_must_match(self):
        self.assertEqual(afters(in_function(self.BODY, name="Produce"), "drop_stmt"), [])
        got = afters(in_function(self.BODY, name="Produce"), "drop_stmt",
                     path="storage/x/engine_retention.cc")
        self.assertEqual(len(got), 3)

    def test_unbraced_body_never_deleted_alone(self):
        # Deleting only `Purge(b);` would make `Purge(c);` the if's body.
        ms = mutants(in_function("  if (a)\n    Purge(b);\n  Purge(c);", name="Purge"),
                     operators=["drop_stmt"])
        self.assertEqual([m.before for m in ms], ["if (a) Purge(b);", "Purge(c);"])


class BoolFlipTest(unittest.TestCase):

    def test_flips(self):
        text = in_function("  done = true;\n  if (!ready) go();\n  if (!s.ok()) return 1;\n"
                           "  if (a != b) go();\n  bool f = x == false;")
        self.assertEqual(afters(text, "bool_flip"), ["done = false;", "if (ready) go();"])


class BugModeTest(unittest.TestCase):

    def test_bug_mode_blocks_skipped(self):
        body = ("  const bool reuse = MQSIM_BUG(kReuse);\n  if (MQSIM_BUG(kX)) {\n"
                "    if (a < b) x();\n  }\n  if (reuse) {\n    if (a < b) x();\n  }\n"
                "  if (MQSIM_BUGGIFY(kY)) {\n    if (a < b) x();\n  }")
        ms = mutants(in_function(body), operators=["relop"])
        self.assertEqual([m.line for m in ms], [12])  # the BUGGIFY block only


    def test_bug_mode_conditions_skipped(self):
        body = ("  const bool flag = MQSIM_BUG(kF);\n"
                "  if (MQSIM_BUG(kX) && a != b && a < b) x();\n"
                "  bool r = a < b || (flag && a == b);\n"
                "  bool q = flag && a > b || a == b;\n")
        lines = [(m.line, m.original) for m in mutants(in_function(body), operators=["relop"])]
        # Only the operands a bug mode does not guard: `a < b ||` and `|| a == b`.
        self.assertEqual(lines, [(6, "<"), (7, "==")])


class IdsAndSamplingTest(unittest.TestCase):

    TEXT = in_function("  if (a < b && c > d) x = a + 1;\n  done = true;\n  if (!y) z();")

    def test_ids_stable_unique_and_independent_of_the_operator_filter(self):
        first = mutants(self.TEXT)
        self.assertEqual([m.id for m in first], [m.id for m in mutants(self.TEXT)])
        self.assertEqual(len({m.id for m in first}), len(first))
        self.assertEqual(first[0].id, "storage/x/engine.cc:4:relop:1")
        self.assertEqual(first[1].id, "storage/x/engine.cc:4:relop:2")
        relops = mutants(self.TEXT, operators=["relop"])
        self.assertEqual([m.id for m in relops], [m.id for m in first if m.operator == "relop"])

    def test_sample_is_deterministic_and_in_enumeration_order(self):
        ms = [mutate_enum.Mutant(f"f:{i}:relop:1", "f", i, "relop", 0, 0, "", "", "", "")
              for i in range(100)]
        sample = mutate_enum.sample_mutants
        a = sample(ms, 10, 7)
        self.assertEqual([m.id for m in a], [m.id for m in sample(ms, 10, 7)])
        self.assertNotEqual([m.id for m in a], [m.id for m in sample(ms, 10, 8)])
        self.assertEqual(a, sorted(a, key=lambda m: m.line))
        self.assertEqual(len(mutate_enum.sample_mutants(ms, None, 1)), 100)
        self.assertEqual(len(mutate_enum.sample_mutants(ms, 1000, 1)), 100)

    def test_file_selection(self):
        self.assertTrue(mutate_enum.is_mutable_file("storage/rocksmq/rocksmq.cc"))
        self.assertTrue(mutate_enum.is_mutable_file("storage/natsmq/stream.h"))
        self.assertFalse(mutate_enum.is_mutable_file("storage/rocksmq/rocksmq_test.cc"))
        self.assertFalse(mutate_enum.is_mutable_file("storage/BUILD"))
        self.assertFalse(mutate_enum.is_mutable_file("sim/scheduler.cc"))
        self.assertTrue(mutate_enum.matches_files("storage/natsmq/stream.cc",
                                                  "storage/rocksmq/*,storage/natsmq/*"))
        self.assertFalse(mutate_enum.matches_files("storage/natsmq/stream.cc", "storage/rocksmq/*"))


class ApplyTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        os.makedirs(os.path.join(self.dir.name, "storage/x"))
        self.text = in_function("  if (a < b) x();")
        self.path = os.path.join(self.dir.name, "storage/x/engine.cc")
        with open(self.path, "w") as f:
            f.write(self.text)
        self.mutant = mutants(self.text, operators=["relop"])[0]

    def read(self):
        with open(self.path) as f:
            return f.read()

    def test_applies_then_restores(self):
        with mutate_scratch.AppliedMutant(self.dir.name, self.mutant):
            self.assertIn("if (a <= b)", self.read())
        self.assertEqual(self.read(), self.text)

    def test_restores_on_exception(self):
        with self.assertRaises(KeyError):
            with mutate_scratch.AppliedMutant(self.dir.name, self.mutant):
                raise KeyError("boom")
        self.assertEqual(self.read(), self.text)

    def test_refuses_a_changed_file(self):
        with open(self.path, "w") as f:
            f.write(self.text.replace("a < b", "a == b"))
        with self.assertRaises(RuntimeError):
            with mutate_scratch.AppliedMutant(self.dir.name, self.mutant):
                pass
        self.assertIn("a == b", self.read())

    def test_enumerate_from_disk(self):
        got = mutate_enum.enumerate_mutants(self.dir.name,
                                            ["storage/x/engine.cc", "storage/x/BUILD"])
        self.assertEqual([m.id for m in got], [m.id for m in mutants(self.text)])


class RunGroupTest(unittest.TestCase):

    def test_timeout_kills_the_whole_group(self):
        with tempfile.TemporaryDirectory() as d:
            pidfile = os.path.join(d, "pid")
            cmd = ["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"]
            out = mutate_proc.run_group(cmd, d, 0.5, os.path.join(d, "log"))
            self.assertIsNone(out.rc)
            with open(pidfile) as f:
                child = int(f.read())
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(child):
                time.sleep(0.05)
            self.assertFalse(_alive(child))

    def test_exit_status_and_output(self):
        with tempfile.TemporaryDirectory() as d:
            cmd = ["sh", "-c", "echo 'FAIL seed 1: latest: x'; echo '  #5'; "
                   "echo 'REPRO: bazel run //:mqsim -- replay'; exit 1"]
            out = mutate_proc.run_group(cmd, d, 10, os.path.join(d, "log"))
            self.assertEqual(out.rc, 1)
            self.assertEqual(mutate_judge.first_failure_line(out.output),
                             "FAIL seed 1: latest: x | REPRO: bazel run //:mqsim -- replay")

    def test_build_error(self):
        log = ("$ bazel build\nERROR: /x/BUILD:3:11: Compiling a.cc failed: (Exit 1)\n"
               "storage/a.cc:5:3: error: 'x' was not declared\n")
        self.assertEqual(mutate_judge.first_build_error(log),
                         "storage/a.cc:5:3: error: 'x' was not declared")


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def record(i, status, op="relop", file="storage/a.cc", sweeps=None, suite=None):
    judges = {}
    if sweeps:
        judges["sweeps"] = {"status": sweeps, "killer": "", "detail": "", "seconds": 1}
    if suite:
        judges["suite"] = {"status": suite, "killer": "", "detail": "", "seconds": 1}
    return {"id": f"{file}:{i}:{op}:1", "file": file, "line": i, "operator": op,
            "before": "a < b", "after": "a <= b", "status": status, "killer": "",
            "detail": "", "seconds": 10, "judges": judges}


class ReportTest(unittest.TestCase):

    RECORDS = [
        record(1, "killed", sweeps="killed"),
        record(2, "timeout", sweeps="timeout"),
        record(3, "killed", op="drop_sync", sweeps="survived", suite="killed"),
        record(4, "survived", op="drop_sync", file="storage/b.cc", sweeps="survived",
               suite="survived"),
        record(5, "build_failed"),
    ]

    def test_scores(self):
        report = mutate_report.compute_report(self.RECORDS)
        self.assertEqual(report["totals"], {"killed": 2, "survived": 1, "build_failed": 1,
                                            "timeout": 1})
        self.assertEqual(report["scores"]["sweeps"]["score"], 0.5)  # 2 of 4
        self.assertEqual(report["scores"]["suite"]["score"], 0.5)  # 1 of 2
        self.assertEqual(report["scores"]["all"]["score"], 0.75)  # 3 of 4
        self.assertEqual(report["per_operator"]["relop"]["all"]["score"], 1.0)
        self.assertEqual(report["per_operator"]["drop_sync"]["sweeps"]["score"], 0.0)
        self.assertEqual(report["per_file"]["storage/b.cc"]["all"]["survived"], 1)
        self.assertEqual([s["id"] for s in report["survivors"]], ["storage/b.cc:4:drop_sync:1"])
        self.assertEqual(report["seconds_per_mutant"], 10)
        self.assertEqual(report["killers"], {"sweeps": {"": 2}, "suite": {"": 1}})
        md = mutate_report.render_markdown(report)
        self.assertIn("score (sweeps+suite): **75%**", md)
        self.assertIn("| `drop_sync` | 1 | 1 | 0 | 0% | 50% | 50% |", md)
        self.assertIn("- a < b", md)

    def test_sweeps_only(self):
        report = mutate_report.compute_report(self.RECORDS[:2])
        self.assertEqual(list(report["scores"]), ["sweeps"])
        self.assertEqual(report["scores"]["sweeps"]["score"], 1.0)

    def test_empty(self):
        report = mutate_report.compute_report([])
        self.assertEqual(report["scores"], {})
        mutate_report.render_markdown(report)


class ResumeTest(unittest.TestCase):

    def test_pending_skips_recorded_ids_and_a_torn_line_is_ignored(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "results.jsonl")
            self.assertEqual(mutate_report.load_results(path), [])
            mutate_report.append_result(path, record(1, "killed"))
            mutate_report.append_result(path, record(2, "survived"))
            with open(path, "a") as f:
                f.write('{"id": "torn')
            done = mutate_report.load_results(path)
            self.assertEqual(len(done), 2)
            ms = [mutate_enum.Mutant(f"storage/a.cc:{i}:relop:1", "storage/a.cc", i, "relop",
                                     0, 0, "", "", "", "") for i in (1, 2, 3)]
            self.assertEqual([m.line for m in mutate_report.pending(ms, done)], [3])

    def test_write_reports(self):
        with tempfile.TemporaryDirectory() as d:
            for r in ReportTest.RECORDS:
                mutate_report.append_result(os.path.join(d, "results.jsonl"), r)
            mutate_report.write_reports(d)
            with open(os.path.join(d, "report.json")) as f:
                self.assertEqual(json.load(f)["mutants"], 5)
            self.assertTrue(os.path.exists(os.path.join(d, "report.md")))


class CliTest(unittest.TestCase):

    def test_arguments(self):
        args = mutate.parse_args(["--sample", "4", "--seed", "1", "--scratch", "/tmp/s"])
        self.assertEqual((args.sample, args.seed, args.judge, args.jobs), (4, 1, "sweeps", 2))
        self.assertEqual(args.out, "/tmp/s/out")
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            mutate.parse_args(["--operators", "relop,nope"])

    def test_sweep_kill_reasons(self):
        self.assertEqual(mutate_judge.sweep_kill_reason(1), "property failure")
        self.assertEqual(mutate_judge.sweep_kill_reason(-6), "crash: signal SIGABRT")

    def test_script_finds_its_modules_from_any_directory(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mutate.py")
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([sys.executable, script, "--help"], cwd=d, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("--report-only", out.stdout)


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@unittest.skipUnless(os.path.isdir(os.path.join(REPO, "storage", "rocksmq")) and
                     os.path.isdir(os.path.join(REPO, ".git")),
                     "needs the repository (run python3 tools/mutate_test.py)")
class RepositoryTest(unittest.TestCase):

    def test_storage_enumerates_a_few_hundred_unique_mutants(self):
        files = subprocess.run(["git", "-C", REPO, "ls-files", "storage"], check=True,
                               stdout=subprocess.PIPE, text=True).stdout.split()
        ms = mutate_enum.enumerate_mutants(REPO, files)
        self.assertTrue(200 <= len(ms) <= 900, len(ms))
        self.assertEqual(len({m.id for m in ms}), len(ms))
        self.assertEqual({m.operator for m in ms}, set(mutate_operators.OPERATORS))
        self.assertFalse(any(m.file.endswith("_test.cc") for m in ms))


if __name__ == "__main__":
    unittest.main()
