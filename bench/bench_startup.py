"""Start-up time of the `extractor` command: `extractor --help`, wall time.

    python bench/bench_startup.py [-n 15] [--top 12] [--target 0.15]

Runs, each in a fresh process, N times:
  the console script     `extractor --help` (every command group its entry points register)
  the core alone         extractor.cli with no command group (what extractor/ itself costs)
  each command group     the core plus that one group
and prints the median and the fastest wall time of each, then the biggest imports of
`extractor --help` by `python -X importtime` (cumulative, top-level packages first).
Exits 1 when the console script's median is over --target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# extractor.cli with only some command groups (NAMES: a comma list, empty for the core alone)
ONLY_GROUPS = (
    "import sys, extractor.cli as c; keep = set(sys.argv[1].split(',')) - {''}; g = c.command_groups;"
    " c.command_groups = lambda: [e for e in g() if e.name in keep];"
    " sys.exit(c.main(sys.argv[2:]))"
)


def console_script() -> list[str]:
    """The `extractor` installed beside this Python, else `python -m extractor.cli`."""
    script = Path(sys.executable).parent / "extractor"
    found = str(script) if script.exists() else shutil.which("extractor")
    return [found] if found else [sys.executable, "-m", "extractor.cli"]


def wall_times(argv: list[str], n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return times


PROJECT = ("extractor", "workers", "review")


def import_times(argv: list[str]) -> list[tuple[int, str, str]]:
    """`python -X importtime`'s modules as (cumulative us, module, the project module that
    imported it), biggest first. importlib.import_module (how an entry point is loaded) is not
    logged by importtime: what a command group's module imports shows at the top level."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    lines = [ln[len("import time:"):].split("|") for ln in out.stderr.splitlines()
             if ln.startswith("import time:") and "self [us]" not in ln]
    rows, owners = [], {}  # owners[depth]: the project module that imports at that depth
    for _own, cumulative, name in reversed(lines):  # a parent comes before its children here
        module, depth = name.strip(), (len(name) - len(name.lstrip()) - 1) // 2
        owner = owners.get(depth - 1, "-") if depth else "top level or an entry point's module"
        owners[depth] = module if module.split(".")[0] in PROJECT else owner
        rows.append((int(cumulative), module, owner))
    return sorted(rows, reverse=True)


def top_imports(rows: list[tuple[int, str, str]], top: int) -> list[str]:
    """The biggest imports, leaving out a module inside a package already shown."""
    shown: list[str] = []
    lines = []
    for cumulative, module, owner in rows:
        if any(module == s or module.startswith(s + ".") for s in shown):
            continue
        shown.append(module)
        lines.append(f"  {cumulative / 1000:7.1f} ms  {module:28} imported by {owner}")
        if len(lines) == top:
            break
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=15, help="runs of each command (default 15)")
    ap.add_argument("--top", type=int, default=12, help="imports to list (default 12)")
    ap.add_argument("--target", type=float, default=0.15, help="seconds, for the console script")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from extractor.cli import command_groups

    script = console_script()
    runs = {f"{' '.join(Path(a).name for a in script)} --help": [*script, "--help"]}
    only = [sys.executable, "-c", ONLY_GROUPS]
    runs["core alone --help"] = [*only, "", "--help"]
    for group in command_groups():
        runs[f"core + {group.name} --help"] = [*only, group.name, "--help"]
    print(f"{'command':32} {'median':>8} {'fastest':>8}   ({args.n} runs each, {sys.executable})")
    medians = {}
    for label, argv in runs.items():
        times = wall_times(argv, args.n)
        medians[label] = statistics.median(times)
        print(f"{label:32} {medians[label]:7.3f}s {min(times):7.3f}s")
    print(f"\nbiggest imports of `{' '.join(Path(a).name for a in script)} --help` (python -X importtime):")
    print("\n".join(top_imports(import_times([*script, "--help"]), args.top)))
    first = next(iter(medians))
    verdict = "within" if medians[first] <= args.target else "over"
    print(f"\n{first}: {medians[first]:.3f} s, {verdict} the target of {args.target:.2f} s")
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
