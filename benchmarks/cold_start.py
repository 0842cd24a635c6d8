"""Cold start: ``parley ask`` timed from outside, each run a fresh process, with its peak memory.

usage: python benchmarks/cold_start.py [--data-dir DIR] [--runs N] [--question Q]
                                       [--checkout PATH] (repeatable: compare checkouts, runs interleaved)

Each run is ``python -m bot.cli --data-dir DIR ask Q`` in a checkout (default: this one), as a
user types it, with one line added at exit that names the heavy modules the process imported. Prints
each checkout's wall time p50/max (start to exit: imports, index, models, the answer), the CPU time
it used (on a busy machine the wall time waits for cores; the CPU time does not), its peak RSS (the
child's own, from ``wait4``) and whether torch, sentence-transformers or a chat or fetching
library was imported. Nothing is asserted: the targets are read here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from config import load_settings

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "discord", "slack_bolt", "trafilatura",
         "feedparser")
MARK = "cold-start-imported:"
# The console script's two lines, and at exit the heavy modules that were imported (on stderr).
CHILD = ("import atexit, sys\n"
         f"atexit.register(lambda: print({MARK!r} + ','.join(m for m in {HEAVY!r} if m in sys.modules), "
         "file=sys.stderr))\n"
         "from bot.cli import main\n"
         "sys.exit(main(sys.argv[1:]))\n")


def run_once(checkout: Path, data_dir: Path, question: str) -> tuple[float, float, float, list[str], int]:
    """Seconds from start to exit, CPU seconds, peak RSS in MiB, heavy modules imported, exit status.

    The child runs the checkout's own code: ``-c`` puts its folder first on the path (``PYTHONPATH`` is dropped).
    """
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, "--data-dir", str(data_dir), "ask", question],
                             cwd=checkout, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    marks = [line.removeprefix(MARK) for line in stderr.splitlines() if line.startswith(MARK)]
    imported = [name for name in marks[-1].split(",") if name] if marks else ["(no exit mark: it crashed?)"]
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, imported, child.returncode


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default="Who led the US delegation in Geneva?")
    parser.add_argument("--checkout", type=Path, action="append", dest="checkouts",
                        help="a Parley checkout to run (default: this one); repeat to compare, runs interleaved")
    args = parser.parse_args()
    data_dir = (args.data_dir or settings.data_dir).resolve()
    checkouts = [path.resolve() for path in args.checkouts or [ROOT]]
    print(f"index: {data_dir}  question: {args.question!r}  runs: {args.runs} per checkout, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    results: dict[Path, list[tuple[float, float, float, list[str], int]]] = {path: [] for path in checkouts}
    for _ in range(args.runs):
        for path in checkouts:
            results[path].append(run_once(path, data_dir, args.question))
    for path, runs in results.items():
        seconds, cpu, peaks = ([run[i] for run in runs] for i in range(3))
        imported = sorted({name for run in runs for name in run[3]})
        failed = [run[4] for run in runs if run[4] != 0]
        print(f"{path}\n  wall p50 {statistics.median(seconds):5.2f} s  max {max(seconds):5.2f} s  "
              f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})\n"
              f"  CPU  p50 {statistics.median(cpu):5.2f} s  max {max(cpu):5.2f} s\n"
              f"  peak RSS p50 {statistics.median(peaks):5.0f} MiB  max {max(peaks):5.0f} MiB\n"
              f"  torch imported: {'yes' if 'torch' in imported else 'no'}; heavy modules: "
              f"{', '.join(imported) or 'none'}" + (f"\n  FAILED runs, exit status {failed}" if failed else ""))


if __name__ == "__main__":
    main()
