"""CLI start-up: median wall time of `gensample --help` and `gensample methods` beside `python -c pass`.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs ``--runs`` times in a fresh process; the table gives the median, the
fastest run and the ratio of the median to ``python -c pass``'s (the interpreter's own start).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    commands = [("python -c pass", [py, "-c", "pass"]),
                ("python -m gensample --help", [py, "-m", "gensample", "--help"]),
                ("python -m gensample methods", [py, "-m", "gensample", "methods"])]
    script = shutil.which("gensample")
    if script:
        commands += [("gensample --help", [script, "--help"]), ("gensample methods", [script, "methods"])]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs each")
    print(f"| command | median s | fastest s | median / python -c pass |\n|---|---|---|---|")
    base = None
    for label, cmd in commands:
        t = timed(cmd, args.runs)
        med = statistics.median(t)
        base = base or med
        print(f"| `{label}` | {med:.3f} | {min(t):.3f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
