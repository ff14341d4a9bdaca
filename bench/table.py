"""``python -m bench.table REPORT.json [...]``: the README's markdown tables from one or
more ``--json-out`` reports (later files add to earlier ones)."""

from __future__ import annotations

import json
import sys
import typing as t
from pathlib import Path


def tables(reports: list[dict[str, t.Any]]) -> str:
    runs = [r for report in reports for r in report.get("runs", [])]
    lines = [
        "| tap | rows | mode | records/s | x baseline-msgspec | wall s | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run["runner"] not in ("record", "batch", "baseline-msgspec"):
            continue
        ratio = run.get("ratio_to_baseline_msgspec")
        lines.append(
            f"| {run['tap']} | {_rows(run['rows'])} | {run['runner']} "
            f"| {run['records_per_second']:,.0f} | {'' if ratio is None else f'{ratio:.2f}'} "
            f"| {run['wall']:.1f} | {run['peak_rss_mb']:.0f} |"
        )
    loads = [(tap, e) for report in reports for tap, e in report.get("e2e", {}).items()]
    if loads:
        lines += [
            "",
            "| tap | rows | Meltano load | rows landed | wall s | rows/s | BATCH / RECORD |",
            "|---|---|---|---|---|---|---|",
        ]
        for tap, e2e in loads:
            modes = e2e["modes"]
            record = modes.get("postgres-record", {}).get("rows_per_second")
            for mode, load in modes.items():
                ratio = ""
                if mode == "postgres-batch" and record:
                    ratio = f"{load['rows_per_second'] / record:.2f}"
                landed = f"{load['rows']:,}" + (" (stopped)" if load.get("timed_out") else "")
                lines.append(
                    f"| {tap} | {_rows(e2e['generated_rows'])} | {mode} | {landed} "
                    f"| {load['wall']:.1f} | {load['rows_per_second']:,.0f} | {ratio} |"
                )
    return "\n".join(lines)


def _rows(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}k"


if __name__ == "__main__":
    print(tables([json.loads(Path(p).read_text()) for p in sys.argv[1:]]))
