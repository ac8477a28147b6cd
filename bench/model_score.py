"""Risk model scoring speed: one goods item at a time (as at lodging) and in batch.

    python bench/model_score.py --model MODEL_DIR
    python bench/model_score.py --model MODEL_DIR --input ../shared/data/risk/kcs-synthetic/valid.csv \
        --mapping examples/mappings/kcs-synthetic.toml --repeat 3

MODEL_DIR is written by `douane risk train`. Items come from --input (read through --mapping), else from the
model's own mapping applied to ../shared/data/risk/kcs-synthetic/valid.csv. One item: `Scorer.score_one`
(feature vector from the saved history, score and top 5 features), timed per call after a warm-up; it
prints p50/p90/p99/max in microseconds, of wall time and of the thread's CPU time. Batch:
`Scorer.score_frame` over the whole file, items per second. No pass/fail: figures only (the issue's
target: one declaration, rules plus model, under 2 ms at p99).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import polars as pl

from douane.risk.learning import Scorer
from douane.risk.learning.mapping import Mapping, load_mapping, read_declarations

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "risk" / "kcs-synthetic" / "valid.csv"


def items(path: Path, mapping: Mapping) -> list[dict[str, Any]]:
    """The file's rows as a lodging would pass them: role names, extras under their own names, no label."""
    roles = {column: role for role, column in mapping.columns.items()}
    extras = {*mapping.categorical, *mapping.numeric}
    raw = pl.read_csv(path, infer_schema=False)
    wanted = [name for name in raw.columns if name in roles or name in extras]
    return [{roles.get(name, name): value for name, value in row.items()}
            for row in raw.select(wanted).iter_rows(named=True)]  # fmt: skip


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def one_at_a_time(scorer: Scorer, rows: list[dict[str, Any]], repeat: int) -> None:
    """Wall time per call, and the thread's CPU time per call: on a busy machine the wall p99 mostly
    measures waiting for a core, the CPU time what the call itself costs."""
    for row in rows[:200]:
        scorer.score_one(row)  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        for row in rows:
            start, start_cpu = time.perf_counter(), time.thread_time()
            scorer.score_one(row)
            cpu.append((time.thread_time() - start_cpu) * 1e6)
            wall.append((time.perf_counter() - start) * 1e6)
    for name, timings in (("wall", wall), ("cpu", cpu)):
        timings.sort()
        print(f"one item   : {name:4} {len(timings)} calls, p50 {percentile(timings, 0.50):.0f} us, "
              f"p90 {percentile(timings, 0.90):.0f} us, p99 {percentile(timings, 0.99):.0f} us, "
              f"max {timings[-1]:.0f} us, mean {statistics.fmean(timings):.0f} us")  # fmt: skip


def batch(scorer: Scorer, path: Path, mapping: Mapping) -> None:
    frame = read_declarations([path], mapping, with_label=False)
    start = time.perf_counter()
    scorer.score_frame(frame)
    elapsed = time.perf_counter() - start
    rate = frame.height / elapsed
    print(f"batch      : {frame.height} items in {elapsed * 1000:.0f} ms, {rate:,.0f} items/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--mapping", type=Path, help="default: the mapping saved with the model")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the file one item at a time")
    args = parser.parse_args()
    start = time.perf_counter()
    scorer = Scorer.load(args.model)
    print(f"model      : {scorer.version}, {scorer.model.booster.num_trees()} trees, {len(scorer.names)} "
          f"features, loaded in {(time.perf_counter() - start) * 1000:.0f} ms")  # fmt: skip
    mapping = load_mapping(args.mapping) if args.mapping else scorer.model.mapping
    one_at_a_time(scorer, items(args.input, mapping), args.repeat)
    batch(scorer, args.input, mapping)


if __name__ == "__main__":
    main()
