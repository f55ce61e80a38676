"""Results and reports of tools/mutate.py.

Contract: results.jsonl holds one JSON record per finished mutant (append_result writes
and fsyncs one; load_results reads them, ignoring a torn last line; pending() leaves out
the ids already recorded). compute_report() turns records into the report.json dict
(totals, scores = killed / (killed + survived) per judge, per operator and per file,
killers, survivors); render_markdown() renders it; write_reports() writes both files.
"""

from __future__ import annotations

import json
import os

from mutate_enum import Mutant


def load_results(path: str) -> list[dict]:
    """The records of results.jsonl (a torn last line, from a kill, is ignored)."""
    if not os.path.exists(path):
        return []
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return records


def pending(mutants: list[Mutant], done: list[dict]) -> list[Mutant]:
    """The mutants whose ids have no result yet (--resume)."""
    ids = {r["id"] for r in done}
    return [m for m in mutants if m.id not in ids]


def append_result(path: str, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _verdict(record: dict, judge: str) -> str | None:
    """killed | survived | build_failed | None (not judged) of one record for one score:
    'sweeps' or 'suite' alone, or 'all' (every judge that ran)."""
    if record["status"] == "build_failed":
        return "build_failed"
    if judge == "all":
        return "survived" if record["status"] == "survived" else "killed"
    j = record.get("judges", {}).get(judge)
    if j is None:
        return None
    return "survived" if j["status"] == "survived" else "killed"


def score_of(records: list[dict], judge: str) -> dict:
    """Counts and score = killed / (killed + survived) of records under one judge."""
    counts = {"killed": 0, "survived": 0, "build_failed": 0}
    for r in records:
        v = _verdict(r, judge)
        if v is not None:
            counts[v] += 1
    judged = counts["killed"] + counts["survived"]
    return {**counts, "score": round(counts["killed"] / judged, 4) if judged else None}


def score_names(records: list[dict]) -> list[str]:
    """The scores a report shows: each judge that ran, and both together."""
    judges = sorted({j for r in records for j in r.get("judges", {})},
                    key=lambda j: ("sweeps", "suite").index(j))
    return judges + (["all"] if len(judges) > 1 else [])


def compute_report(records: list[dict]) -> dict:
    """report.json: totals, scores per judge, per operator and per file, survivors."""
    statuses = ("killed", "survived", "build_failed", "timeout")
    names = score_names(records)

    def group(key: str) -> dict:
        keys = sorted({r[key] for r in records})
        return {k: {n: score_of([r for r in records if r[key] == k], n) for n in names}
                for k in keys}

    return {
        "mutants": len(records),
        "totals": {s: sum(r["status"] == s for r in records) for s in statuses},
        "scores": {n: score_of(records, n) for n in names},
        "per_operator": group("operator"),
        "per_file": group("file"),
        "killers": _killers(records),
        "survivors": [{k: r[k] for k in ("id", "before", "after")}
                      for r in records if r["status"] == "survived"],
        "seconds_per_mutant": round(sum(r.get("seconds", 0) for r in records) / len(records), 1)
        if records else None,
    }


def _killers(records: list[dict]) -> dict:
    """Per judge, how many mutants each killer (sweep name, failing targets) killed."""
    result: dict = {}
    for r in records:
        for judge, v in sorted(r.get("judges", {}).items()):
            if v["status"] != "survived":
                by = result.setdefault(judge, {})
                by[v["killer"]] = by.get(v["killer"], 0) + 1
    return {j: dict(sorted(k.items(), key=lambda kv: (-kv[1], kv[0]))) for j, k in result.items()}


SCORE_TITLES = {"sweeps": "sweeps", "suite": "suite", "all": "sweeps+suite"}


def pct(score: float | None) -> str:
    return "–" if score is None else f"{100 * score:.0f}%"


def _table(title: str, groups: dict, names: list[str]) -> list[str]:
    head = f"| {title} | killed | survived | build failed | " + \
        " | ".join(f"score ({SCORE_TITLES[n]})" for n in names) + " |"
    lines = [head, "|" + "---|" * (4 + len(names))]
    for key, scores in groups.items():
        s = scores[names[-1]]
        lines.append(f"| `{key}` | {s['killed']} | {s['survived']} | {s['build_failed']} | " +
                     " | ".join(pct(scores[n]["score"]) for n in names) + " |")
    return lines


def render_markdown(report: dict) -> str:
    """report.md: scores, the per-operator and per-file tables, the survivors."""
    names = list(report["scores"])
    lines = ["# Mutation testing of storage/", "",
             f"{report['mutants']} mutants: " +
             ", ".join(f"{v} {k}" for k, v in report["totals"].items()) +
             f"; {report['seconds_per_mutant']} s per mutant on average.", ""]
    lines += [f"- score ({SCORE_TITLES[n]}): **{pct(s['score'])}** "
              f"({s['killed']} killed, {s['survived']} survived)"
              for n, s in report["scores"].items()]
    lines += ["", "Score = killed / (killed + survived); mutants that do not build are left out; "
              "a judge that times out kills its mutant."]
    if "all" in names:
        lines += ["The suite judges only the mutants the sweeps left alive (`--judge both`)."]
    lines += ["", "## Per operator", ""]
    lines += _table("operator", report["per_operator"], names) if names else []
    lines += ["", "## Per file", ""]
    lines += _table("file", report["per_file"], names) if names else []
    lines += ["", "## Killers", "", "| judge | killer | mutants |", "|---|---|---|"]
    lines += [f"| {judge} | {killer} | {n} |" for judge, killers in report["killers"].items()
              for killer, n in killers.items()]
    lines += ["", f"## Survivors ({len(report['survivors'])})", "",
              "Each needs an explanation: an equivalent mutant, or a gap in the checks.", ""]
    for s in report["survivors"]:
        lines += [f"- `{s['id']}`", "  ```diff", f"  - {s['before']}", f"  + {s['after']}",
                  "  ```"]
    return "\n".join(lines) + "\n"


def write_reports(out_dir: str) -> dict:
    report = compute_report(load_results(os.path.join(out_dir, "results.jsonl")))
    with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown(report))
    return report
