"""``python -m sandbox serve``: run every stand-in on its fixed port until Ctrl-C.

``python -m sandbox config NAME`` prints the tap settings for one stand-in, so a
tap can be piped by hand: ``tap-x --config <(python -m sandbox config x)``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from sandbox.core import start
from sandbox.registry import providers


def _serve(args: argparse.Namespace) -> int:
    classes = providers()
    names = args.provider or list(classes)
    unknown = sorted(set(names) - set(classes))
    if unknown:
        print(f"unknown provider(s): {', '.join(unknown)}; known: {', '.join(classes)}")
        return 2
    running = []
    try:
        for name in names:
            app = classes[name](seed=args.seed, job_seconds=args.job_seconds)
            running.append(start(app, app.default_port, verbose=args.verbose, fixed_ports=True))
            print(f"{name:<14} {app.base_url}", flush=True)
    except OSError as exc:
        print(f"cannot start the sandbox: {exc} (is another one running?)", file=sys.stderr)
        for server in running:
            server.stop()
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("sandbox ready; Ctrl-C stops it", flush=True)
    stop.wait()
    for server in running:
        server.stop()
    print("sandbox stopped", flush=True)
    return 0


def _config(args: argparse.Namespace) -> int:
    classes = providers()
    if args.provider not in classes:
        print(f"unknown provider {args.provider!r}; known: {', '.join(classes)}", file=sys.stderr)
        return 2
    app = classes[args.provider]()
    app.base_url = f"http://127.0.0.1:{app.default_port}"
    for companion in app.companions():
        companion.base_url = f"http://127.0.0.1:{companion.default_port}"
    print(json.dumps(app.demo_config(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the stand-ins on their fixed ports")
    serve.add_argument("provider", nargs="*", help="only these providers (default: all)")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--job-seconds", type=float, default=1.0, help="async job duration")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.set_defaults(func=_serve)
    config = sub.add_parser("config", help="print tap settings for one stand-in")
    config.add_argument("provider")
    config.set_defaults(func=_config)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
