"""``python -m bench``: run the benchmarks of issue #9 and print figures against baselines.

    python -m bench                 # every figure at full scale (about 10 minutes on 2 cores)
    python -m bench --quick         # everything at 1/50 (a smoke run, well under a minute)
    python -m bench --only ingest --only relay --json out.json

The broker is the configured one (``CASEHUB_KAFKA_PORT``…): reused when it runs, else started
for the run and stopped afterwards, as the tests do. PostgreSQL must run (``make pg-up``).
Everything the bench writes lives in ``<data dir>/bench`` and is deleted at the start of a run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import Bench, Scale, clean_workdir
from bench.harness import table, write_json

#: Figure groups in the order they run: later ones reuse what earlier ones built.
FIGURES = (
    "history",
    "ingest",
    "relay",
    "rebuild",
    "latency",
    "memory",
    "search",
    "console",
    "assessment",
)
#: Figures that need no broker: run alone, the bench starts none.
NO_BROKER = {"search", "console", "assessment"}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the issue's sizes (default 1)"
    )
    parser.add_argument("--quick", action="store_true", help="same as --scale 0.02")
    parser.add_argument(
        "--only", action="append", choices=FIGURES, default=[], help="run only these (repeatable)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each short figure; the median is shown"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for the bench's stores, emptied first (default: <data dir>/bench)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the ingest and relay hot paths"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.scale = 0.02
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = ""
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from devkit.testing.broker import session_broker  # noqa: PLC0415
    from hub.logging import configure_logging  # noqa: PLC0415
    from hub.runtime import tune_garbage_collector  # noqa: PLC0415
    from hub.settings import load_settings  # noqa: PLC0415

    configure_logging("ERROR")  # the figures, not kafka-python's retries, on the terminal
    # The ingest and relay figures run the hub's threads in this process: as `casehub serve`.
    tune_garbage_collector()
    settings = load_settings()
    workdir = args.workdir or settings.data_dir / "bench"
    clean_workdir(workdir)
    chosen = [f for f in FIGURES if not args.only or f in args.only]
    started = time.perf_counter()
    print(
        f"CaseHub bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {args.scale:g}: "
        f"{', '.join(chosen)}",
        flush=True,
    )
    broker = (
        nullcontext(",".join(settings.bootstrap_servers))
        if set(chosen) <= NO_BROKER
        else session_broker(settings)
    )
    with broker as bootstrap:
        bench = Bench(
            settings.with_overrides(kafka_bootstrap=bootstrap),
            workdir,
            scale=Scale(args.scale),
            repeats=args.repeats,
            profile=args.profile,
            say=lambda text: print(text, flush=True),
        )
        failed: list[str] = []
        for name in chosen:
            print(f"== {name}", flush=True)
            step = time.perf_counter()
            try:
                getattr(bench, f"fig_{name}")()
            except Exception as exc:  # noqa: BLE001 - one broken figure must not hide the rest
                traceback.print_exc()
                failed.append(f"{name}: {exc}")
            print(f"   ({time.perf_counter() - step:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    print()
    print(table(bench.figures))
    print()
    for topic, text in bench.notes.items():
        print(f"- {topic}: {text}" if "\n" not in text else f"- {topic}:\n{text}\n")
    info = machine() | {"scale": args.scale, "repeats": args.repeats, "seconds": seconds}
    print(f"\nmachine: {info}")
    if args.json:
        write_json(args.json, bench.figures, info | {"notes": bench.notes})
        print(f"figures written to {args.json}")
    for problem in failed:
        print(f"FAILED {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
