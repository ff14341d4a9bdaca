"""``python -m bench [--sizes 100k,1m] [--json-out bench.json]``

For each async tap and size: records/s from job creation to the last record (stdout
discarded), peak RSS and wall time of the tap, beside a baseline loop that only
streams the same file and serialises each row (and, for JSON Lines, the SDK peer
tap-jsonl). Prints figures and ratios and writes them as JSON. No pass/fail.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import typing as t
from dataclasses import asdict
from pathlib import Path

from bench.scenarios import SCENARIOS, concurrency, postgres_load

SIZES = {"smoke": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="100k,1m", help=f"comma list of {', '.join(SIZES)}")
    parser.add_argument("--taps", default=",".join(SCENARIOS))
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--skip-extras", action="store_true", help="no concurrency and PostgreSQL measurements"
    )
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    report: dict = {"runs": []}
    print(
        f"{'tap':<12}{'rows':>9} {'runner':<17}{'records':>9}{'rec/s':>10}{'wall s':>8}"
        f"{'RSS MB':>8}  ratios"
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for size_name in args.sizes.split(","):
            rows = SIZES[size_name]
            for tap in args.taps.split(","):
                result = SCENARIOS[tap](rows, CACHE, Path(tmp))
                base = result["baseline"].records_per_second
                fast = result["baseline-msgspec"].records_per_second
                defaults = result["sdk-defaults"].records_per_second
                for runner, m in result.items():
                    ratios = {
                        "ratio_to_baseline": _ratio(m, base),
                        "ratio_to_baseline_msgspec": _ratio(m, fast),
                        "ratio_to_sdk_defaults": _ratio(m, defaults),
                    }
                    print(
                        f"{tap:<12}{rows:>9} {runner:<17}{m.records:>9}"
                        f"{m.records_per_second:>10.0f}{m.wall:>8.1f}{m.peak_rss_mb:>8.0f}"
                        f"  {ratios['ratio_to_baseline']:.2f}x baseline, "
                        f"{ratios['ratio_to_baseline_msgspec']:.2f}x baseline-msgspec, "
                        f"{ratios['ratio_to_sdk_defaults']:.2f}x sdk-defaults"
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
            report["concurrency"] = concurrency(10, 6.0, CACHE, Path(tmp))
            c = report["concurrency"]
            print(
                f"concurrency: {c['partitions']} campaigns x {c['job_seconds']} s jobs -> "
                f"wall {c['wall']:.1f} s = {c['wall_over_job']:.2f} x T"
            )
            rows = SIZES[args.sizes.split(",")[0]]
            report["postgres"] = postgres_load(rows, CACHE, Path(tmp))
            p = report["postgres"]
            print(
                f"postgres via meltano: {p['rows']} rows in {p['wall']:.1f} s = "
                f"{p['rows_per_second']:.0f} rows/s"
            )
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    failed = [r for r in report["runs"] if r["returncode"] != 0]
    return 1 if failed else 0


def _ratio(m: t.Any, reference: float) -> float:
    return m.records_per_second / reference if reference else 0.0


if __name__ == "__main__":
    sys.exit(main())
