"""Speed and memory of the plan parser.

    .venv/bin/python benchmarks/parse_bench.py [SEED_DIR]

Parses every .txt plan in SEED_DIR (default: src/kesu/data/sample_plans) 100 times and reports the
median per document (budget: 20 ms); then parses a synthetic 1 MB plan made of the same plan bodies
(budget: 2 s, peak memory under 200 MB). Exits 1 if a budget is exceeded.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from kesu.docparse import parse_plan_bytes, parse_plan_text  # noqa: E402
from kesu.docparse.numerals import cn_to_int  # noqa: E402,F401  (keeps the import cost out of timings)

RUNS = 100
MEDIAN_BUDGET_MS = 20.0
LARGE_BYTES = int(
    float(os.environ.get("PARSE_BENCH_MB", "1")) * 1024 * 1024
)  # PARSE_BENCH_MB=3 for a 3 MB plan
LARGE_BUDGET_S = 2.0
MEMORY_BUDGET_MB = 200.0
_CN = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese numerals up to 九千九百九十九: a synthetic plan over 2 MB has hundreds of parts."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    text, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            text += ("零" if zero and text else "") + _CN[digit] + name
            zero = False
        elif text:
            zero = True
    return text


def synthetic_plan(bodies: list[str], size: int = LARGE_BYTES) -> str:
    """A plan of ``size`` UTF-8 bytes: the bodies (from their first 一、) as 第N部分 of one document."""
    parts = ["某市全民科学素质行动实施方案（合成基准文本，演示数据）\n"]
    total = len(parts[0].encode())
    n = 0
    while total < size:
        body = bodies[n % len(bodies)]
        n += 1
        chunk = f"第{_cn(n)}部分 合成篇章{n}\n{body}\n"
        parts.append(chunk)
        total += len(chunk.encode())
    return "".join(parts)


def _body(text: str) -> str:
    m = re.search(r"^一、", text, re.M)
    return text[m.start() :] if m else text


def main(argv: list[str]) -> int:
    seed_dir = Path(argv[0]) if argv else REPO / "src" / "kesu" / "data" / "sample_plans"
    paths = sorted(seed_dir.glob("*.txt"))
    if not paths:
        print(f"no .txt plans in {seed_dir}", file=sys.stderr)
        return 2
    ok = True
    print(f"{'document':40s} {'tasks':>5s} {'median ms':>10s} {'p95 ms':>8s}")
    for path in paths:
        data = path.read_bytes()
        timings = []
        tasks = 0
        for _ in range(RUNS):
            start = time.perf_counter()
            tasks = len(parse_plan_bytes(data, path.name).tasks)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        median = statistics.median(timings)
        ok = ok and median < MEDIAN_BUDGET_MS
        print(f"{path.name:40s} {tasks:5d} {median:10.2f} {timings[int(RUNS * 0.95) - 1]:8.2f}")

    large = synthetic_plan([_body(p.read_text(encoding="utf-8")) for p in paths])
    start = time.perf_counter()
    draft = parse_plan_text(large)
    elapsed = time.perf_counter() - start
    # memory in a second run: tracing allocations slows the parse about twofold
    tracemalloc.start()
    parse_plan_text(large)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"synthetic plan: {len(large.encode()) / 1024 / 1024:.2f} MB, {len(draft.tasks)} tasks, "
        f"{elapsed:.2f} s (budget {LARGE_BUDGET_S} s), peak traced memory {peak_mb:.1f} MB, "
        f"max RSS {rss_mb:.1f} MB (budget {MEMORY_BUDGET_MB:.0f} MB)"
    )
    ok = ok and elapsed < LARGE_BUDGET_S and peak_mb < MEMORY_BUDGET_MB
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
