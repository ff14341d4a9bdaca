"""What the bench checks (nothing lost: exact counts) and the issue's targets (speed and
memory, reported as met or missed; they never change the exit code)."""

from __future__ import annotations

import typing as t

RECORD_TARGET = 0.6  # x baseline-msgspec
BATCH_TARGET = 0.8  # x baseline-msgspec
BATCH_RSS_MB = 150
RSS_FLAT_MB = 10  # peak RSS "flat": the largest size within this of the smallest
POSTGRES_BATCH_OVER_RECORD = 4.0


def count_checks(report: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """Every runner emitted exactly the generated rows; BATCH files hold the RECORD-mode
    rows; every Meltano load landed what the tap emitted, in every mode."""
    checks = []
    runs = {(r["tap"], r["rows"], r["runner"]): r for r in report["runs"]}
    for (tap, rows, runner), run in runs.items():
        checks.append(_check(f"{tap} {rows} {runner}: records = generated rows", rows, run))
        if runner == "batch" and (tap, rows, "record") in runs:
            emitted = runs[(tap, rows, "record")]["records"]
            checks.append(_check(f"{tap} {rows} batch: rows in files = RECORD mode", emitted, run))
    for tap, loads in report.get("e2e", {}).items():
        rows = loads["generated_rows"]
        record = runs.get((tap, rows, "record"))
        emitted = record["records"] if record else rows
        for mode, load in loads["modes"].items():
            if mode.endswith("-batch"):
                checks.append(
                    {
                        "what": f"{tap} {rows} meltano {mode}: rows in BATCH files = RECORD mode",
                        "expected": emitted,
                        "got": load["emitted"],
                        "ok": load["emitted"] == emitted,
                    }
                )
            checks.append(
                {
                    "what": f"{tap} {rows} meltano {mode}: rows landed = rows emitted",
                    "expected": emitted,
                    "got": load["rows"],
                    "ok": load["rows"] == emitted,
                    "stopped": load.get("timed_out", False),  # unfinished, not a loss
                }
            )
    return checks


def _check(what: str, expected: int, run: dict[str, t.Any]) -> dict[str, t.Any]:
    ok = run["records"] == expected and run["returncode"] == 0
    return {"what": what, "expected": expected, "got": run["records"], "ok": ok}


def targets(report: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    found = []
    runs = [r for r in report["runs"] if r["runner"] in ("record", "batch")]
    for run in runs:
        ratio = run.get("ratio_to_baseline_msgspec")
        if ratio is not None:
            goal = BATCH_TARGET if run["runner"] == "batch" else RECORD_TARGET
            found.append(
                _target(
                    f"{run['tap']} {run['rows']} {run['runner']}: x baseline-msgspec",
                    ratio,
                    f">= {goal}",
                    ratio >= goal,
                )
            )
    batch = [r for r in runs if r["runner"] == "batch"]
    for run in batch:
        found.append(
            _target(
                f"{run['tap']} {run['rows']} batch: peak RSS MB",
                run["peak_rss_mb"],
                f"< {BATCH_RSS_MB}",
                run["peak_rss_mb"] < BATCH_RSS_MB,
            )
        )
    for tap in sorted({r["tap"] for r in batch}):
        sized = sorted((r["rows"], r["peak_rss_mb"]) for r in batch if r["tap"] == tap)
        if len(sized) > 1:
            growth = sized[-1][1] - sized[0][1]
            found.append(
                _target(
                    f"{tap} batch: peak RSS growth {sized[0][0]} -> {sized[-1][0]} rows, MB",
                    growth,
                    f"<= {RSS_FLAT_MB} (flat)",
                    growth <= RSS_FLAT_MB,
                )
            )
    for tap, loads in report.get("e2e", {}).items():
        modes = loads["modes"]
        if "postgres-record" in modes and "postgres-batch" in modes:
            record = modes["postgres-record"]["rows_per_second"]
            ratio = modes["postgres-batch"]["rows_per_second"] / record if record else 0.0
            found.append(
                _target(
                    f"{tap} {loads['generated_rows']} meltano postgres: BATCH / RECORD rows/s",
                    ratio,
                    f">= {POSTGRES_BATCH_OVER_RECORD}",
                    ratio >= POSTGRES_BATCH_OVER_RECORD,
                )
            )
    return found


def _target(what: str, value: float, goal: str, met: bool) -> dict[str, t.Any]:
    return {"what": what, "value": round(value, 2), "goal": goal, "met": met}
