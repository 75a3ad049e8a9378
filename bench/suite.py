"""Run every bench script and print ONE table of their headline figures (``make bench``).

Each script runs in its own subprocess (``python -m bench.<script>``) with its usual console output, and
with ``SEQNETQUAKE_BENCH_RESULTS`` pointing at a temporary folder where it writes its headline figures as
JSON (``bench.results``); the suite then prints one Markdown table — the date and the machine (platform,
CPUs, RAM, load) on top — in the form the README's "Performance" section shows.

``--quick`` runs smaller versions (fewer files, events, repeats, one generated month instead of a year,
one load-test pass); ``--only map,load`` picks scripts (names with or without ``bench_``); ``--out FILE``
also writes the table, ``--json FILE`` every figure. A script that fails or runs past ``--timeout`` is
stopped (SIGTERM to its process group, SIGKILL 30 s later), marked in the table, and the suite exits 1;
missed targets are reported, not failures.

    python -m bench.suite [--quick] [--only NAME,...] [--timeout S] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.results import RESULTS_ENV, verdict

REPO = Path(__file__).resolve().parents[1]

#: name → (module, arguments of a full run, arguments of a --quick run), in running order
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "map": ("bench_map", [], []),
    "generate": ("bench_generate", [], ["--quick"]),
    "index": ("bench_index", [], ["--files", "200", "--index", "10000", "--queries", "100"]),
    "dataset": ("bench_dataset", [], ["--months", "1"]),
    "models": ("bench_models", [], ["--events", "1000", "--repeat", "10"]),
    "training": ("bench_training", [], ["--samples", "1000", "--epochs", "2"]),
    "dashboard": ("bench_dashboard", [], ["--events", "3", "--map-repeats", "1", "--export-repeats", "2"]),
    "load": ("bench_load", [], ["--passes", "1", "--baseline", "2"]),
}
TITLES = {
    "map": "map explorer, server side",
    "generate": "synthetic archive generation",
    "index": "pass index",
    "dataset": "datasets",
    "models": "models",
    "training": "training throughput",
    "dashboard": "dashboard in a real browser",
    "load": "dashboard under load (gunicorn)",
}


def machine() -> dict[str, Any]:
    """Platform, CPUs (and this process's affinity), RAM, Python, load average."""
    try:
        import psutil

        ram = psutil.virtual_memory().total / 2**30
    except ImportError:  # pragma: no cover - psutil is in requirements.txt
        ram = float("nan")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "node": platform.node(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor(),
        "cpus": os.cpu_count(),
        "affinity": affinity,
        "ram_gb": round(ram, 1),
        "python": platform.python_version(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _names(only: str | None) -> list[str]:
    if not only:
        return list(BENCHES)
    names = [n.strip().removeprefix("bench_") for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown bench(es) {', '.join(unknown)}; known: {', '.join(BENCHES)}")
    return [n for n in BENCHES if n in names]


def run_one(name: str, args: list[str], results_dir: Path, timeout: float) -> dict[str, Any]:
    """Run ``python -m bench.<module> args`` with its output on this console; its JSON results and status."""
    module = BENCHES[name][0]
    cmd = [sys.executable, "-m", f"bench.{module}", *args]
    print(f"\n== {module} {' '.join(args)}".rstrip(), flush=True)
    env = dict(os.environ, **{RESULTS_ENV: str(results_dir)})
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)
    status = "ok"
    try:
        rc = proc.wait(timeout=timeout)
        if rc != 0:
            status = f"failed (exit {rc})"
    except subprocess.TimeoutExpired:
        status = f"stopped after the {timeout:.0f} s timeout"
        _stop(proc)
    except KeyboardInterrupt:
        _stop(proc, signal.SIGINT)
        raise
    wall = time.perf_counter() - t0
    path = results_dir / f"{name}.json"
    data: dict[str, Any] = {"bench": name, "metrics": []}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            status = (
                f"{status}; unreadable results ({exc})" if status != "ok" else f"unreadable results ({exc})"
            )
    elif status == "ok":
        status = "wrote no results"
    print(f"== {module}: {status}, {wall:.0f} s", flush=True)
    return {**data, "status": status, "seconds": wall, "args": args}


def _stop(proc: subprocess.Popen, first: int = signal.SIGTERM) -> None:
    """``first`` to the script's process group (its own cleanup runs: bench_load stops gunicorn), SIGKILL
    to the group 30 s later if it is still there."""
    for sig, wait in ((first, 30.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _value(m: dict[str, Any]) -> str:
    v, unit = m.get("value"), m.get("unit", "")
    if v is None:
        return "—"
    if unit == "count":
        return f"{v:.0f}"
    text = (
        f"{v:.0f}"
        if abs(v) >= 100
        else f"{v:.1f}"
        if abs(v) >= 10
        else f"{v:.2f}"
        if abs(v) >= 1
        else f"{v:.3f}"
    )
    return f"{text} {unit}"


def _target(m: dict[str, Any]) -> str:
    t = m.get("target")
    if t is None:
        return ""
    if m.get("unit") == "count" and t == 0:
        return "0"
    sign = "≤" if m.get("better", "lower") == "lower" else "≥"
    number = f"{t:.0f}" if float(t).is_integer() else f"{t:.3g}"
    return f"{sign} {number} {m.get('unit', '')}".rstrip()


def table(runs: list[dict[str, Any]], info: dict[str, Any], quick: bool, command: str) -> str:
    """The one table (Markdown), with the date and machine on top."""
    lines = [
        f"Benchmarks — {info['date']} — {'quick' if quick else 'full'} run (`{command}`)",
        "",
        f"Machine: {info['node']}, {info['platform']}, {info['processor']}, {info['cpus']} CPUs "
        f"({info['affinity']} usable), {info['ram_gb']:.0f} GB RAM, Python {info['python']}; load average at "
        f"start {info['load'][0]:.2f}",
        "",
        "| bench | measurement | value | target | verdict | note |",
        "|---|---|---:|---|---|---|",
    ]
    for run in runs:
        title = TITLES.get(run["bench"], run["bench"])
        if run["status"] != "ok" or run.get("skipped"):
            why = run.get("skipped") or run["status"]
            lines.append(f"| {title} | *not measured: {why}* | | | | |")
        for m in run.get("metrics", []):
            lines.append(
                f"| {title} | {m['name']} | {_value(m)} | {_target(m)} | {verdict(m)} | {m.get('note', '')} |"
            )
    total = sum(r["seconds"] for r in runs)
    lines.append("")
    lines.append(
        f"{len(runs)} bench script(s) in {total / 60:.1f} min; "
        + ", ".join(f"{r['bench']} {r['seconds']:.0f} s" for r in runs)
        + ". Timings are wall-clock on a machine that may be shared (see the load average)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs (minutes instead of tens of minutes)")
    ap.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHES)}")
    ap.add_argument("--timeout", type=float, default=None, help="per script, s (default 3600, quick 900)")
    ap.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    ap.add_argument("--json", type=Path, help="also write every result (JSON) to this file")
    args = ap.parse_args(argv)
    names = _names(args.only)
    timeout = args.timeout or (900.0 if args.quick else 3600.0)
    info = machine()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench_suite_") as tmp:
        for name in names:
            _module, full, quick = BENCHES[name]
            runs.append(run_one(name, quick if args.quick else full, Path(tmp), timeout))
    command = " ".join(["python -m bench.suite", *(argv if argv is not None else sys.argv[1:])])
    text = table(runs, info, args.quick, command)
    print("\n" + text)
    if args.out:
        args.out.write_text(text + "\n")
    if args.json:
        data = {"command": command, "machine": info, "quick": args.quick, "runs": runs}
        args.json.write_text(json.dumps(data, indent=1))
    return 0 if all(r["status"] == "ok" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
