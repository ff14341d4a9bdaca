"""``bin/build [--out DIR]``: a wheel and an sdist of every package into ``dist/``, checked.

Each package is built as the index would get it: the sdist in an isolated environment,
then the wheel from that sdist (so a file missing from the sdist fails here). Then
``twine check --strict`` and ``release.checks``. Exit 1 with one line per problem.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from release.checks import dist_problems
from release.packages import ROOT, discover


def build(out: Path) -> list[str]:
    packages = discover()
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.whl"), *out.glob("*.tar.gz")]:
        stale.unlink()
    # uv makes the isolated build environments when it is there (Meltano brings it): fast.
    installer = ["--installer=uv"] if shutil.which("uv") or _venv_has("uv") else []
    for package in packages:
        print(f"building {package.name} {package.version} ({package.folder.relative_to(ROOT)})")
        done = subprocess.run(
            [sys.executable, "-m", "build", *installer, "--outdir", str(out), str(package.folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            return [f"building {package.name} failed:\n{done.stdout}{done.stderr}"]
    archives = sorted(str(p) for p in [*out.glob("*.whl"), *out.glob("*.tar.gz")])
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *archives],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [] if twine.returncode == 0 else [f"twine check: {twine.stdout}{twine.stderr}"]
    return problems + dist_problems(out, packages)


def _venv_has(tool: str) -> bool:
    return (Path(sys.executable).parent / tool).exists()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="default: dist/")
    args = parser.parse_args(argv)
    problems = build(args.out.resolve())
    for problem in problems:
        print(f"ERROR {problem}", file=sys.stderr)
    if not problems:
        wheels = len(list(args.out.glob("*.whl")))
        print(f"{wheels} wheels and {wheels} sdists built and checked in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
