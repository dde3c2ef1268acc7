"""What each proposed change would gain, measured: ours (pacing lifted) with the what-if
patches of bench/whatif.py added one at a time, plus baseline and bare for the ratios.

    python -m bench.ladder [-U 200] [-F 5] [--window 12] [--repeats 1]

Nothing here changes the product; each row is a separate server process.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import shutil
import sys
import tempfile
from pathlib import Path

from bench.flows import percentile
from bench.procs import kill_all_sync, stop_all
from bench.run import flow_run, med, ms, table

LADDER = (
    ("ours as is (pacing lifted)", ""),
    ("+ step batch in one send task", "batch"),
    ("+ no button acknowledgement", "batch,noack"),
)


async def main_async(args: argparse.Namespace) -> int:
    base = Path(tempfile.mkdtemp(prefix="rongrian-ladder-"))
    rows = []
    try:
        refs: dict[str, float] = {}
        for name in ("baseline", "bare"):
            runs = [await flow_run(name, args.users, args.flows, base, window=args.window)
                    for _ in range(args.repeats)]
            refs[name] = med([r.updates_per_s for r in runs])
            rows.append(_row(name, "", runs, refs))
            print(rows[-1], flush=True)
        for name, flags in LADDER:
            extra = {"BENCH_WHATIF": flags} if flags else None
            runs = [await flow_run("ours", args.users, args.flows, base, window=args.window,
                                   extra_env=extra, label=name) for _ in range(args.repeats)]
            rows.append(_row(name, flags, runs, refs))
            print(rows[-1], flush=True)
    finally:
        await stop_all()
        shutil.rmtree(base, ignore_errors=True)
    print()
    print(f"WHAT-IF LADDER: {args.users} citizens × {args.flows} grievances, no think time, "
          f"bounded to {args.window:.0f} s per run, medians of {args.repeats}")
    print(table(["variant", "updates/s", "× baseline", "× bare", "CPU ms/upd", "p50 ms",
                 "p99 ms", "step 7 p99", "peak RSS MB", "lost", "dup", "errors"], rows))
    return 0


def _row(name: str, flags: str, runs: list, refs: dict[str, float]) -> list[str]:
    ups = med([r.updates_per_s for r in runs])
    return [name, f"{ups:.0f}",
            f"{ups / refs['baseline']:.2f}" if refs.get("baseline") else "-",
            f"{ups / refs['bare']:.2f}" if refs.get("bare") else "-",
            f"{med([r.cpu_ms_per_update for r in runs]):.2f}",
            ms(med([percentile(r.all_latencies, 50) for r in runs])),
            ms(med([percentile(r.all_latencies, 99) for r in runs])),
            ms(med([percentile(r.latencies.get("7 skip phone", []), 99) for r in runs])),
            f"{med([r.peak_rss_kb / 1024 for r in runs]):.0f}",
            str(sum(r.lost for r in runs)), str(sum(r.duplicated for r in runs)),
            str(sum(r.errors for r in runs))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ladder", description=__doc__.splitlines()[0])
    p.add_argument("--users", "-U", type=int, default=200)
    p.add_argument("--flows", "-F", type=int, default=5)
    p.add_argument("--window", type=float, default=12.0)
    p.add_argument("--repeats", type=int, default=1)
    atexit.register(kill_all_sync)
    return asyncio.run(main_async(p.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
