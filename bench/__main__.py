"""``python -m bench [--sizes 100k,1m] [--json-out bench.json]``

For each async tap and size: the tap in RECORD mode and in BATCH mode (records/s from
job creation to the last record or BATCH message, peak RSS, wall), beside the SDK's
defaults and baseline loops that only stream the same file and serialise each row.
Then the concurrency measure and, through Meltano, tap -> PostgreSQL in RECORD and
BATCH mode and tap -> DuckDB. Checks that nothing is lost (exact counts: exit 1
otherwise) and reports the issue's targets as met or missed (never the exit code).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import typing as t
from dataclasses import asdict
from pathlib import Path

from bench.e2e import MODES, meltano_loads
from bench.scenarios import RUNNERS, SCENARIOS, concurrency, tap_runners
from bench.targets import count_checks, targets

SIZES = {"smoke": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"
REFERENCES = ("baseline", "baseline-msgspec", "sdk-defaults")


def _list(choices: t.Iterable[str]) -> t.Callable[[str], list[str]]:
    allowed = list(choices)

    def parse(text: str) -> list[str]:
        chosen = [item for item in text.split(",") if item]
        unknown = [item for item in chosen if item not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown)} (choose from {', '.join(allowed)})"
            )
        return chosen

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", type=_list(SIZES), default=["100k", "1m"])
    parser.add_argument("--taps", type=_list(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--runners", type=_list(RUNNERS), default=list(RUNNERS))
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each runner; the fastest is kept"
    )
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--e2e-taps",
        type=_list(SCENARIOS),
        help="taps loaded through Meltano (default: --taps)",
    )
    parser.add_argument("--e2e-modes", type=_list(MODES), default=list(MODES))
    parser.add_argument(
        "--e2e-size", choices=SIZES, help="rows loaded through Meltano (default: first size)"
    )
    parser.add_argument(
        "--parallel-loads",
        action="store_true",
        help="run a tap's Meltano loads side by side (quicker; their timings mean nothing)",
    )
    parser.add_argument(
        "--e2e-timeout", type=float, default=600, help="seconds before a Meltano load is stopped"
    )
    parser.add_argument("--concurrency-seconds", type=float, default=6.0, help="job length T")
    parser.add_argument(
        "--no-concurrency", action="store_true", help="skip the concurrency measure"
    )
    parser.add_argument(
        "--skip-extras", action="store_true", help="no concurrency and no Meltano loads"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    report: dict[str, t.Any] = {"runs": []}
    print(
        f"{'tap':<12}{'rows':>9} {'runner':<17}{'records':>9}{'rec/s':>10}{'wall s':>8}"
        f"{'RSS MB':>8}  ratios"
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for size_name in args.sizes:
            rows = SIZES[size_name]
            for tap in args.taps:
                result = tap_runners(
                    SCENARIOS[tap], rows, CACHE, Path(tmp), args.runners, args.repeat
                )
                for runner, m in result.items():
                    ratios = {
                        f"ratio_to_{ref.replace('-', '_')}": _ratio(m, result.get(ref))
                        for ref in REFERENCES
                    }
                    shown = ", ".join(
                        f"{value:.2f}x {ref}"
                        for ref, value in zip(REFERENCES, ratios.values(), strict=True)
                        if value is not None
                    )
                    files = f", {m.batch_files} files" if m.batch_files else ""
                    print(
                        f"{tap:<12}{rows:>9} {runner:<17}{m.records:>9}"
                        f"{m.records_per_second:>10.0f}{m.wall:>8.1f}{m.peak_rss_mb:>8.0f}"
                        f"  {shown}{files}"
                    )
                    report["runs"].append(
                        {
                            "tap": tap,
                            "rows": rows,
                            "runner": runner,
                            **asdict(m),
                            "records_per_second": m.records_per_second,
                            **ratios,
                        }
                    )
        if not args.skip_extras:
            _extras(args, report, Path(tmp))
    report["checks"] = count_checks(report)
    report["targets"] = targets(report)
    _print_verdicts(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    failed = [c for c in report["checks"] if not c["ok"]]
    return 1 if failed else 0


def _extras(args: argparse.Namespace, report: dict[str, t.Any], workdir: Path) -> None:
    if not args.no_concurrency:
        c = report["concurrency"] = concurrency(10, args.concurrency_seconds, CACHE, workdir)
        print(
            f"concurrency: {c['partitions']} campaigns x {c['job_seconds']} s jobs -> "
            f"wall {c['wall']:.1f} s = {c['wall_over_job']:.2f} x T"
        )
    rows = SIZES[args.e2e_size or args.sizes[0]]
    report["e2e"] = {}
    for tap in args.e2e_taps if args.e2e_taps is not None else args.taps:
        modes = meltano_loads(
            SCENARIOS[tap],
            rows,
            CACHE,
            workdir,
            args.e2e_modes,
            args.parallel_loads,
            args.e2e_timeout,
        )
        report["e2e"][tap] = {"generated_rows": rows, "modes": modes}
        for mode, load in modes.items():
            note = f" STOPPED after {args.e2e_timeout:.0f} s" if load["timed_out"] else ""
            emitted = "" if load["emitted"] is None else f", {load['emitted']} rows in files"
            print(
                f"meltano {tap:<12} {mode:<16} {load['rows']:>9} rows landed in "
                f"{load['wall']:.1f} s = {load['rows_per_second']:.0f} rows/s{emitted}{note}"
            )


def _print_verdicts(report: dict[str, t.Any]) -> None:
    lost = [c for c in report["checks"] if not c["ok"]]
    print(f"nothing lost: {len(report['checks']) - len(lost)}/{len(report['checks'])} exact")
    for check in lost:
        verdict = "STOPPED (timeout)" if check.get("stopped") else "LOST"
        print(f"  {verdict} {check['what']}: expected {check['expected']}, got {check['got']}")
    print("targets (the issue's):")
    for target in report["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        print(f"  {verdict:<7}{target['what']}: {target['value']} (goal {target['goal']})")


def _ratio(m: t.Any, reference: t.Any) -> float | None:
    if reference is None or not reference.records_per_second:
        return None
    return m.records_per_second / reference.records_per_second


if __name__ == "__main__":
    sys.exit(main())
