"""``python -m bench``: every benchmark in one run, one report. See bench/README.md.

Scenarios (each server is its own process; the emulator and the driver run here):
  flows     U citizens × F grievances, no think time, against ours (pacing lifted), ours as
            shipped, the PTB baseline and the bare limit; ``--repeats`` times; medians.
  human     the same citizens with ``--think`` seconds between steps (as people type), one
            grievance each, for ours as shipped and ours with the pacing lifted.
  rss       ``--rss-users`` conversations open at once against ours: peak RSS.
  delivery  N status updates to N Telegram chats and N LINE users through the DeliveryWorker.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.flows import LABELS, SCRIPT, TOKEN, BenchTelegram, FlowResult, drive, percentile
from bench.procs import Server, kill_all_sync, stop_all
from bench.servers import KINDS, make_server

FLOW_SERVERS = ("ours", "ours-shipped", "baseline", "bare")


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--users", "-U", type=int, default=200, help="citizens at once (200)")
    p.add_argument("--flows", "-F", type=int, default=5, help="grievances per citizen (5)")
    p.add_argument("--repeats", "-r", type=int, default=3, help="runs of the flows scenario (3)")
    p.add_argument("--window", type=float, default=12.0,
                   help="at most this many seconds of load per server run; 0: no bound (12)")
    p.add_argument("--servers", default=",".join(FLOW_SERVERS),
                   help=f"servers of the flows scenario ({','.join(FLOW_SERVERS)})")
    p.add_argument("--whatif", default="",
                   help="also run ours with these bench/whatif.py patches, e.g. "
                        "batch,noack (off)")
    p.add_argument("--human-users", type=int, default=20)
    p.add_argument("--think", type=float, default=1.5,
                   help="seconds between a reply and the next step, human scenario (1.5)")
    p.add_argument("--human-window", type=float, default=30.0)
    p.add_argument("--human-servers", default="ours-shipped,ours")
    p.add_argument("--rss-users", type=int, default=1000)
    p.add_argument("--rss-window", type=float, default=12.0)
    p.add_argument("--rss-servers", default="ours-shipped")
    p.add_argument("--delivery", type=int, default=3000,
                   help="status updates per platform in the delivery benchmark; 0 skips (3000)")
    p.add_argument("--delivery-margin", type=float, default=0.0,
                   help="what-if: also run delivery with the 30/s window this much longer")
    p.add_argument("--skip", default="", help="comma list of flows,human,rss,delivery")
    p.add_argument("--quick", action="store_true",
                   help="small numbers for a ~1.5 minute smoke run (U=50 F=2, 1 repeat, ...)")
    p.add_argument("--step-timeout", type=float, default=30.0)
    p.add_argument("--webhook-connections", type=int, default=40,
                   help="connections the emulator opens to a webhook at most, like "
                        "setWebhook's max_connections (Telegram's default 40; 0: no limit)")
    p.add_argument("--profile", metavar="DIR", default="",
                   help="py-spy record ours (pacing lifted) during its first flows run")
    p.add_argument("--json", metavar="FILE", default="", help="write every result as JSON")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, DBs)")
    p.add_argument("--selfcheck", action="store_true",
                   help="only the driver's self-check (U=5, F=1) and its negative controls")
    args = p.parse_args(argv)
    if args.quick:
        args.users, args.flows, args.repeats, args.window = 50, 2, 1, 8.0
        args.human_users, args.human_window = 10, 20.0
        args.rss_users, args.rss_window, args.delivery = 300, 8.0, 300
    return args


# -- one server run ----------------------------------------------------------------------------
async def flow_run(kind: str, users: int, flows: int, workdir: Path, *, window: float,
                   think: float = 0.0, step_timeout: float = 30.0,
                   extra_env: dict[str, str] | None = None, label: str | None = None,
                   profile_to: Path | None = None, finish_first: bool = True,
                   hard_stop: bool = False, stagger: float = 0.0,
                   webhook_connections: int = 40) -> FlowResult:
    emu = BenchTelegram(TOKEN, webhook_connections=webhook_connections)
    await emu.start()
    name = label or kind
    server, profile = make_server(kind, emu.api_base_url, workdir / f"{name}-{time.time_ns()}",
                                  extra_env)
    spy = None
    try:
        await server.start()
        if profile_to is not None:
            spy = await start_pyspy(server, profile_to)
        result = await drive(emu, server, profile, users, flows, step_timeout=step_timeout,
                             max_seconds=window if window > 0 else 3600, think=think,
                             finish_first=finish_first, hard_stop=hard_stop, stagger=stagger)
        result.server = name
        if spy is not None:
            await stop_pyspy(spy)
            spy = None
    finally:
        if spy is not None:
            await stop_pyspy(spy)
        code = await server.stop()
        await emu.stop()
    if code not in (0, None, -15):
        result.note = f"exit {code}: {server.tail(3)}"
    if "Traceback" in server.tail(200):
        result.note = (result.note + " server logged a traceback: " + server.tail(4)).strip()
    return result


async def start_pyspy(server: Server, out: Path) -> asyncio.subprocess.Process | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        print("  (py-spy not found: pip install py-spy into this venv to profile)")
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        exe, "record", "--pid", str(server.pid), "--format", "raw", "--rate", "200",
        "--threads", "--nonblocking", "-o", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def stop_pyspy(spy: asyncio.subprocess.Process) -> None:
    if spy.returncode is None:
        spy.send_signal(2)
        try:
            await asyncio.wait_for(spy.wait(), 30)
        except TimeoutError:
            spy.kill()
            await spy.wait()


# -- formatting ----------------------------------------------------------------------------------
def ms(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{1000 * x:.0f}"


def med(values: list[float]) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def flow_rows(results: dict[str, list[FlowResult]]) -> list[list[Any]]:
    rows = []
    for name, runs in results.items():
        runs_ok = [r for r in runs if r.sent]
        if not runs_ok:
            continue
        ups = [r.updates_per_s for r in runs_ok]
        pcts = {q: med([percentile(r.all_latencies, q) for r in runs_ok]) for q in (50, 95, 99)}
        calls = med([r.http_calls / r.sent for r in runs_ok])
        answered_in_hook = med([(sum(r.api_calls.values()) - r.http_calls) / r.sent
                                for r in runs_ok])
        rows.append([
            name,
            f"{med(ups):.0f}" + (f" [{', '.join(f'{u:.0f}' for u in ups)}]" if len(ups) > 1 else ""),
            f"{med([r.flows_per_s for r in runs_ok]):.1f}",
            ms(pcts[50]), ms(pcts[95]), ms(pcts[99]),
            f"{med([r.errors for r in runs_ok]):.0f}",
            f"{med([r.lost for r in runs_ok]):.0f}", f"{med([r.duplicated for r in runs_ok]):.0f}",
            f"{med([r.cpu_ms_per_update for r in runs_ok]):.2f}",
            f"{med([r.peak_rss_kb / 1024 for r in runs_ok]):.0f}",
            f"{calls:.2f}+{answered_in_hook:.2f}",
            f"{med([r.answered for r in runs_ok]):.0f}",
            f"{med([100 * r.driver_cpu / r.wall if r.wall else 0 for r in runs_ok]):.0f}",
        ])
    return rows


FLOW_HEADERS = ["server", "updates/s", "flows/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                "lost", "dup", "CPU ms/upd", "peak RSS MB", "API calls/upd (HTTP+in answer)",
                "updates",
                "driver CPU%"]


def step_table(results: dict[str, list[FlowResult]]) -> str:
    headers = ["update (core step)"] + [f"{name} p50/p99" for name in results]
    cores = {label: core for label, core, _ in SCRIPT}
    rows = []
    for label in LABELS:
        row = [f"{label} ({cores[label]})"]
        for runs in results.values():
            pooled = [x for r in runs for x in r.latencies.get(label, [])]
            row.append(f"{ms(percentile(pooled, 50))}/{ms(percentile(pooled, 99))}")
        rows.append(row)
    return table(headers, rows)


# -- main ------------------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> int:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    base = Path(tempfile.mkdtemp(prefix="rongrian-bench-"))
    report: dict[str, Any] = {"args": vars(args)}
    out: list[str] = []
    t_start = time.monotonic()

    def say(text: str = "") -> None:
        print(text, flush=True)
        out.append(text)

    try:
        servers = [s.strip() for s in args.servers.split(",") if s.strip()]
        for s in servers + args.human_servers.split(",") + args.rss_servers.split(","):
            if s and s not in KINDS:
                raise SystemExit(f"unknown server {s!r}; one of {', '.join(KINDS)}")
        flows: dict[str, list[FlowResult]] = {s: [] for s in servers}
        if args.whatif:
            flows["ours+whatif"] = []
        if "flows" not in skip:
            for rep in range(args.repeats):
                for name in flows:
                    kind = "ours" if name == "ours+whatif" else name
                    extra = {"BENCH_WHATIF": args.whatif} if name == "ours+whatif" else None
                    r = await flow_run(kind, args.users, args.flows, base, window=args.window,
                                       step_timeout=args.step_timeout, extra_env=extra,
                                       label=name, finish_first=name != "ours-shipped",
                                       webhook_connections=args.webhook_connections)
                    flows[name].append(r)
                    print(f"  [flows {rep + 1}/{args.repeats}] {name}: {r.updates_per_s:.0f} "
                          f"updates/s, p99 {ms(percentile(r.all_latencies, 99))} ms, "
                          f"{r.answered} updates in {r.wall:.1f}s, errors {r.errors}, lost "
                          f"{r.lost}, dup {r.duplicated}"
                          + (" (window reached)" if r.stopped_by_deadline else "")
                          + (f" NOTE {r.note}" if r.note else ""), flush=True)
            report["flows"] = {k: [_dump(r) for r in v] for k, v in flows.items()}
        if args.profile:  # an extra run, not in the medians (py-spy costs CPU too)
            r = await flow_run("ours", args.users, args.flows, base, window=args.window,
                               step_timeout=args.step_timeout, label="ours (profiled)",
                               profile_to=Path(args.profile) / "ours.raw",
                               webhook_connections=args.webhook_connections)
            print(f"  [profile] ours under py-spy: {r.updates_per_s:.0f} updates/s, "
                  f"{r.cpu_ms_per_update:.2f} CPU ms/update", flush=True)
            report["profiled_run"] = _dump(r)

        human: dict[str, list[FlowResult]] = {}
        if "human" not in skip and args.human_users > 0:
            for name in [s.strip() for s in args.human_servers.split(",") if s.strip()]:
                r = await flow_run(name, args.human_users, 1, base, window=args.human_window,
                                   think=args.think, step_timeout=args.step_timeout,
                                   label=name, stagger=args.think,
                                   webhook_connections=args.webhook_connections)
                human[name] = [r]
                print(f"  [human] {name}: p50 {ms(percentile(r.all_latencies, 50))} ms, p99 "
                      f"{ms(percentile(r.all_latencies, 99))} ms", flush=True)
            report["human"] = {k: [_dump(r) for r in v] for k, v in human.items()}

        rss: dict[str, list[FlowResult]] = {}
        if "rss" not in skip and args.rss_users > 0:
            for name in [s.strip() for s in args.rss_servers.split(",") if s.strip()]:
                r = await flow_run(name, args.rss_users, 1, base, window=args.rss_window,
                                   step_timeout=args.step_timeout, label=name,
                                   finish_first=False, hard_stop=True,
                                   webhook_connections=args.webhook_connections)
                rss[name] = [r]
                print(f"  [rss] {name}: idle {r.idle_rss_kb / 1024:.0f} MB, peak "
                      f"{r.peak_rss_kb / 1024:.0f} MB", flush=True)
            report["rss"] = {k: [_dump(r) for r in v] for k, v in rss.items()}

        deliveries = []
        if "delivery" not in skip and args.delivery > 0:
            from bench.delivery import run_delivery
            margins = [0.0] + ([args.delivery_margin] if args.delivery_margin else [])
            for margin in margins:
                d = await run_delivery(args.delivery, args.delivery, base / f"delivery-{margin}",
                                       window_margin=margin)
                deliveries.append((margin, d))
                print(f"  [delivery{' what-if margin ' + str(margin) if margin else ''}] "
                      f"telegram {d.telegram_rate:.1f}/s, {d.telegram_429} × 429; LINE dup "
                      f"{d.line_dup}", flush=True)
            report["delivery"] = [{"window_margin": m, **asdict(d)} for m, d in deliveries]

        # -- the report ------------------------------------------------------------------------
        say()
        say(f"rongrian benchmark — {time.strftime('%Y-%m-%d %H:%M')}, "
            f"{len(__import__('os').sched_getaffinity(0))} cores, took "
            f"{time.monotonic() - t_start:.0f} s")
        if flows and any(flows.values()):
            say()
            say(f"FLOWS: {args.users} citizens at once × {args.flows} grievances, no think time, "
                f"8 updates per grievance, all counted. A run stops at {args.window:.0f} s once "
                f"every citizen has finished its first grievance (ours-shipped: at "
                f"{args.window:.0f} s, mid-grievance: its 30 msg/s cap needs ~{args.users * 9 / 30:.0f}"
                f" s for one grievance each). Medians of {args.repeats} run(s) [updates/s of each "
                f"run]")
            say(table(FLOW_HEADERS, flow_rows(flows)))
            say()
            say("Latency per update, p50/p99 ms (pooled over the runs):")
            say(step_table(flows))
            ratios = _ratios(flows)
            if ratios:
                say()
                for line in ratios:
                    say(line)
        if human:
            say()
            say(f"HUMAN-PACED: {args.human_users} citizens, {args.think:.1f} s think time "
                f"between steps, 1 grievance each, bounded to {args.human_window:.0f} s")
            say(table(FLOW_HEADERS, flow_rows(human)))
            say(step_table(human))
        if rss:
            say()
            say(f"MEMORY: {args.rss_users} citizens start a grievance at once and go on for "
                f"{args.rss_window:.0f} s (then abandoned mid-step): {args.rss_users} "
                f"conversations open")
            say(table(["server", "idle RSS MB", "peak RSS MB (VmHWM)", "updates answered",
                       "CPU ms/upd"],
                      [[n, f"{r[0].idle_rss_kb / 1024:.0f}", f"{r[0].peak_rss_kb / 1024:.0f}",
                        r[0].answered, f"{r[0].cpu_ms_per_update:.2f}"]
                       for n, r in rss.items()]))
        if deliveries:
            say()
            say(f"DELIVERY: {args.delivery} status updates to {args.delivery} Telegram chats "
                f"(emulator enforcing 30 msg/s and 1/s per chat) and {args.delivery} LINE users "
                f"(30 answers lost, 30 pushes failed), one DeliveryWorker, product pacing")
            rows = []
            for margin, d in deliveries:
                rows.append([
                    "as shipped" if not margin else f"what-if window +{margin * 1000:.0f} ms",
                    f"{d.telegram_rate:.1f}/s = {100 * d.telegram_rate / 30:.1f}%",
                    d.telegram_429, d.telegram_other_errors, d.telegram_lost, d.telegram_dup,
                    f"{d.line_rate:.0f}/s", " ".join(f"{k}×{v}" for k, v in
                                                     d.line_push_calls.items()),
                    d.line_keys_delivered_twice, d.line_lost, d.line_dup,
                    d.pending_left])
            say(table(["run", "Telegram rate (of 30/s)", "429s", "other errs", "lost", "dup",
                       "LINE rate", "LINE push answers", "keys twice", "lost", "dup",
                       "left pending"], rows))
        say()
        say("TARGETS")
        say(table(["target", "measured", "verdict"], _targets(flows, rss, deliveries)))
        if args.profile:
            raw = Path(args.profile) / "ours.raw"
            if raw.exists():
                from bench.profile import summarize
                say()
                say("PROFILE of ours (pacing lifted), an extra flows run under py-spy:")
                say(summarize(raw))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1, default=str))
            say(f"\n(results as JSON in {args.json})")
        return 0
    finally:
        await stop_all()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"(work directory kept: {base})")


def _dump(r: FlowResult) -> dict[str, Any]:
    d = asdict(r)
    d.pop("expected", None)
    lat = d.pop("latencies")
    d["latency_ms"] = {k: {q: round(1000 * percentile(v, q), 1) for q in (50, 95, 99)}
                       for k, v in lat.items() if v}
    d["updates_per_s"], d["flows_per_s"] = r.updates_per_s, r.flows_per_s
    d["cpu_ms_per_update"] = r.cpu_ms_per_update
    return d


def _ratio_values(flows: dict[str, list[FlowResult]], a: str, b: str) -> list[float]:
    return [x.updates_per_s / y.updates_per_s for x, y in zip(flows.get(a, []), flows.get(b, []))
            if y.updates_per_s]


def _ratios(flows: dict[str, list[FlowResult]]) -> list[str]:
    lines = []
    for a in ("ours-shipped", "ours", "ours+whatif"):
        for b, want in (("baseline", "≥ 4"), ("bare", "≥ 0.5")):
            values = _ratio_values(flows, a, b)
            if values:
                lines.append(f"updates/s {a} / {b} = {med(values):.2f} (target {want}; per run: "
                             f"{', '.join(f'{v:.2f}' for v in values)})")
    return lines


def _targets(flows: dict[str, list[FlowResult]], rss: dict[str, list[FlowResult]],
             deliveries: list) -> list[list[str]]:
    rows: list[list[str]] = []
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    for a in ("ours-shipped", "ours", "ours+whatif"):
        for b, want in (("baseline", 4.0), ("bare", 0.5)):
            values = _ratio_values(flows, a, b)
            if values:
                rows.append([f"updates/s {a} ≥ {want:g}× {b}", f"{med(values):.2f}×",
                             verdict(med(values) >= want)])
    for a in ("ours-shipped", "ours", "ours+whatif", "baseline", "bare"):
        runs = flows.get(a, [])
        if runs:
            p99 = med([percentile(r.all_latencies, 99) for r in runs])
            rows.append([f"p99 step latency {a} ≤ 100 ms (U={runs[0].users})", f"{ms(p99)} ms",
                         verdict(p99 <= 0.1)])
    for name, runs in rss.items():
        peak = runs[0].peak_rss_kb / 1024
        rows.append([f"peak RSS {name}, {runs[0].users} conversations ≤ 80 MB", f"{peak:.0f} MB",
                     verdict(peak <= 80)])
    for margin, d in deliveries:
        tag = "" if not margin else f" (what-if +{margin * 1000:.0f} ms)"
        share = 100 * d.telegram_rate / 30
        rows.append([f"Telegram delivery ≥ 95% of 30/s, zero 429{tag}",
                     f"{share:.1f}%, {d.telegram_429} × 429",
                     verdict(share >= 95 and d.telegram_429 == 0)])
        rows.append([f"LINE pushes never duplicated{tag}",
                     f"{d.line_dup} dup, {d.line_keys_delivered_twice} keys twice, "
                     f"{d.line_lost} lost", verdict(d.line_dup == 0 and
                                                    d.line_keys_delivered_twice == 0)])
    for name, runs in flows.items():
        bad = sum(r.lost + r.duplicated for r in runs)
        if runs:
            rows.append([f"driver: no lost/duplicated replies ({name})", f"{bad}",
                         verdict(bad == 0)])
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    atexit.register(kill_all_sync)
    if args.selfcheck:
        from bench.selfcheck import selfcheck_report
        return asyncio.run(selfcheck_report())
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        return 130
