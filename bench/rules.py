"""Benchmark: targeting rules over declarations, in batch and one declaration at a time, against two peers.

    python bench/rules.py [-n 100000] [--rules 500] [--peer-sample 2000] [--peer-seconds 25] [--seed 7]
                          [--model DIR]

Synthetic rules and declarations come from bench/_rules_corpus.py (fixed by --seed). douane runs:
  - batch: each guarded rule over the rows its guard selects, the others over every item, with Polars;
    hits aggregated to declarations;
  - one at a time: a RuleSet (rules indexed by their HS, origin, office and regime guards) per declaration,
    with the model score when --model names a model directory, timed per declaration for p50/p99.
The same rules, translated mechanically from douane's rule trees, run through rule-engine and CEL
(common-expression-language): each on a sample of declarations (at most --peer-sample, and at most
--peer-seconds of work per mode), from which their per-declaration rate is extrapolated; each peer's hits are
checked against douane's on that sample. Peers evaluate every rule on every item ("every rule"), and again
only the rules douane's index selects ("douane index"), the most favourable setting for them.
Latencies are wall-clock and, for p99, also the CPU time of the evaluating thread: on a shared machine the
wall-clock p99 includes the time other processes hold the core. The corpus is frozen out of the garbage
collector's sight (gc.freeze), as a server would not hold 100,000 declarations.
Targets (issue 5): batch >= 10x the fastest peer; one declaration p99 <= 2 ms including the model score.
No pass/fail.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import cel
import rule_engine

from douane.risk.rules import Type, compile_rule
from douane.risk.rules.batch import LookupTable, RuleBatch
from douane.risk.rules.compiler import CompiledRule
from douane.risk.rules.parser import (
    Binary,
    BoolLiteral,
    Call,
    Expression,
    FieldRef,
    ListLiteral,
    Negate,
    Not,
    NumberLiteral,
    TextLiteral,
)
from douane.risk.rules.ruleset import RuleSet
from douane.risk.targeting.schema import DECLARATION_SCHEMA

sys.path.insert(0, str(Path(__file__).parent))
from _rules_corpus import HEADER_FIELDS, Declarations, reference, rules

Items = Sequence[Mapping[str, Any]]


@dataclass
class Row:
    engine: str
    mode: str
    declarations: int
    per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    p99_cpu_ms: float | None = None
    agreement: str = ""


# Mechanical translation of a checked douane rule into a peer's syntax. The peers raise on arithmetic or
# ordering with null where douane reads a missing value, so every comparison is preceded by the conditions
# that make its operands defined (fields and calls not null, divisors not zero).


@dataclass(frozen=True)
class Syntax:
    and_: str
    or_: str
    not_: str
    number: Callable[[Decimal], str]


RULE_ENGINE = Syntax(" and ", " or ", "not ", lambda value: str(value))
CEL = Syntax(" && ", " || ", "!", lambda value: repr(float(value)))


def translate(node: Expression, syntax: Syntax) -> str:
    """A condition in the peer's syntax, false wherever douane's missing values make it false."""
    match node:
        case Binary(operator="and" | "or"):
            joiner = syntax.and_ if node.operator == "and" else syntax.or_
            return f"({translate(node.left, syntax)}{joiner}{translate(node.right, syntax)})"
        case Not():
            return f"{syntax.not_}({translate(node.operand, syntax)})"
        case Binary(operator="in" | "not in"):
            test = f"{_value(node.left, syntax)} in {_value(node.right, syntax)}"
            if node.operator == "not in":
                test = f"{syntax.not_}({test})"
            return _guarded([node.left, node.right], test, syntax)
        case Binary():
            test = f"{_value(node.left, syntax)} {node.operator} {_value(node.right, syntax)}"
            return _guarded([node.left, node.right], test, syntax)
        case BoolLiteral():
            return "true" if node.value else "false"
    return f"({_value(node, syntax)} == true)"  # a bool field or call: missing reads as false


def _guarded(operands: list[Expression], test: str, syntax: Syntax) -> str:
    conditions = [condition for operand in operands for condition in _defined(operand, syntax)]
    return "(" + syntax.and_.join([*dict.fromkeys(conditions), test]) + ")"


def _defined(node: Expression, syntax: Syntax) -> list[str]:
    match node:
        case FieldRef():
            return [f"{node.name} != null"]
        case Call():
            inner = [condition for argument in node.arguments for condition in _defined(argument, syntax)]
            return [*inner, f"{_value(node, syntax)} != null"]
        case Negate():
            return _defined(node.operand, syntax)
        case Binary(operator="+" | "-" | "*" | "/"):
            conditions = _defined(node.left, syntax) + _defined(node.right, syntax)
            if node.operator == "/":
                conditions.append(f"{_value(node.right, syntax)} != {syntax.number(Decimal(0))}")
            return conditions
    return []


def _value(node: Expression, syntax: Syntax) -> str:
    match node:
        case NumberLiteral():
            return syntax.number(node.value)
        case TextLiteral():
            return json.dumps(node.value)
        case BoolLiteral():
            return "true" if node.value else "false"
        case FieldRef():
            return node.name
        case Call():
            return f"{node.name}({', '.join(_value(argument, syntax) for argument in node.arguments)})"
        case ListLiteral():
            return f"[{', '.join(_value(item, syntax) for item in node.items)}]"
        case Negate():
            return f"-({_value(node.operand, syntax)})"
        case Binary(operator="+" | "-" | "*" | "/"):
            return f"({_value(node.left, syntax)} {node.operator} {_value(node.right, syntax)})"
    return f"({translate(node, syntax)})"


# Peers


def to_peer_values(item: Mapping[str, Any], number: Callable[[Decimal], Any]) -> dict[str, Any]:
    """Decimals as the peer's numbers, dates as ISO text (their order is the dates' order)."""
    converted: dict[str, Any] = {}
    for name, value in item.items():
        if isinstance(value, Decimal):
            value = number(value)
        elif isinstance(value, date):
            value = value.isoformat()
        converted[name] = value
    return converted


class Peer:
    name: str

    def prepare(self, items: Items) -> list[dict[str, Any]]:
        """The items as the peer's values (done before timing: douane reads its own values as they are)."""
        raise NotImplementedError

    def contexts(self, items: list[dict[str, Any]]) -> list[Any]:
        raise NotImplementedError

    def holds(self, position: int, context: Any) -> bool:
        raise NotImplementedError


class CelPeer(Peer):
    name = "CEL (common-expression-language)"

    def __init__(self, trees: Sequence[Expression], indicators: Mapping[tuple[str, str], Decimal]) -> None:
        table = {key: float(value) for key, value in indicators.items()}
        self.functions = {"indicator": lambda hs6, origin: table.get((hs6, origin))}
        self.programs = [cel.compile(translate(tree, CEL)) for tree in trees]

    def prepare(self, items: Items) -> list[dict[str, Any]]:
        return [to_peer_values(item, float) for item in items]

    def contexts(self, items: list[dict[str, Any]]) -> list[Any]:
        return [cel.Context(item, self.functions) for item in items]

    def holds(self, position: int, context: Any) -> bool:
        return self.programs[position].execute(context) is True


class RuleEnginePeer(Peer):
    name = "rule-engine"

    def __init__(self, trees: Sequence[Expression], indicators: Mapping[tuple[str, str], Decimal]) -> None:
        self.indicator = lambda hs6, origin: indicators.get((hs6, origin))
        context = rule_engine.Context(default_value=None)
        self.rules = [rule_engine.Rule(translate(tree, RULE_ENGINE), context=context) for tree in trees]

    def prepare(self, items: Items) -> list[dict[str, Any]]:
        return [to_peer_values(item, lambda value: value) for item in items]

    def contexts(self, items: list[dict[str, Any]]) -> list[Any]:
        return [{**item, "indicator": self.indicator} for item in items]

    def holds(self, position: int, context: Any) -> bool:
        return self.rules[position].matches(context) is True


def run_peer(
    peer: Peer,
    ruleset: RuleSet | None,
    declarations: Sequence[Items],
    expected: Sequence[list[str]],
    rule_ids: Sequence[str],
    seconds: float,
) -> Row:
    """Hits of each declaration through the peer; `ruleset` given: only the rules douane's index selects."""
    every_rule = list(range(len(rule_ids)))
    latencies: list[float] = []
    cpu_times: list[float] = []
    agreeing = 0
    budget_end = time.perf_counter() + seconds
    for items, wanted in zip(declarations, expected, strict=False):
        prepared = peer.prepare(items)
        start, start_cpu = time.perf_counter(), time.thread_time()
        contexts = peer.contexts(prepared)
        hit: set[int] = set()
        for number, (raw, context) in enumerate(zip(items, contexts, strict=True)):
            if ruleset is None:
                candidates = every_rule
            else:
                candidates = ruleset.candidates(raw, header=False)
                if number == 0:
                    candidates = candidates + ruleset.candidates(raw, header=True)
            for position in candidates:
                if position not in hit and peer.holds(position, context):
                    hit.add(position)
        cpu_times.append(time.thread_time() - start_cpu)
        latencies.append(time.perf_counter() - start)
        agreeing += [rule_ids[position] for position in sorted(hit)] == wanted
        if time.perf_counter() > budget_end:
            break
    count = len(latencies)
    mode = "every rule" if ruleset is None else "douane index"
    return Row(
        peer.name,
        f"{mode}, sample",
        count,
        count / sum(latencies),
        _ms(statistics.median(latencies)),
        _ms(_p99(latencies)),
        _ms(_p99(cpu_times)),
        f"{agreeing}/{count} same hits",
    )


# douane


def run_batch(batch: RuleBatch, declarations: Declarations) -> tuple[Row, list[list[str]], float]:
    frame = declarations.frame()
    batch.declaration_hits(frame.head(2_000), "declaration")  # warm-up: thread pools, lookup tables
    start = time.perf_counter()
    hits = batch.declaration_hits(frame, "declaration")
    elapsed = time.perf_counter() - start
    row = Row(
        "douane", "batch (Polars, rows chosen by guards)", declarations.count, declarations.count / elapsed
    )
    return row, hits.hit_lists(), elapsed


def run_one_at_a_time(
    ruleset: RuleSet, declarations: Declarations, score: Callable[[Items], float] | None
) -> tuple[Row, list[list[str]]]:
    latencies: list[float] = []
    cpu_times: list[float] = []
    all_hits: list[list[str]] = []
    for items in declarations.items:
        start, start_cpu = time.perf_counter(), time.thread_time()
        hits = ruleset.hits(items)
        if score is not None:
            score(items)
        cpu_times.append(time.thread_time() - start_cpu)
        latencies.append(time.perf_counter() - start)
        all_hits.append(hits)
    mode = "one at a time (RuleSet" + (" + model score)" if score else ", no model)")
    row = Row(
        "douane",
        mode,
        len(latencies),
        len(latencies) / sum(latencies),
        _ms(statistics.median(latencies)),
        _ms(_p99(latencies)),
        _ms(_p99(cpu_times)),
    )
    return row, all_hits


def load_scorer(directory: str | None) -> Callable[[Items], float] | None:
    """The model's score of a declaration (its riskiest item, each with its top features), or None."""
    if directory is None:
        print("model not included (no --model DIR)")
        return None
    try:
        from douane.risk.learning import Scorer
    except ImportError:
        print("model not included: douane.risk.learning has no Scorer")
        return None
    scorer = Scorer.load(Path(directory))
    print(
        f"model included: {directory}, version {scorer.version}; every item scored in one pass, the riskiest"
        " explained, as selectivity does"
    )

    def score(items: Items) -> float:
        return scorer.score_riskiest([model_fields(item) for item in items])[1].score

    return score


def model_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's fields under the model's roles, as selectivity passes them (douane.risk.selection)."""
    return {
        "declaration_id": str(item["declaration"]),
        "date": item["lodged_on"],
        "office": item["office"],
        "declarant": item["broker"],
        "importer": item["operator"],
        "hs6": item["hs6"],
        "origin": item["origin"],
        "departure": item["dispatch_country"],
        "transport_mode": item["transport_mode"],
        "regime": item["regime"],
        "net_mass": float(item["net_mass_kg"]),
        "price": float(item["customs_value_dzd"]),
        "quantity": float(item["quantity"]),
    }


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _ms(seconds: float) -> float:
    return seconds * 1000


def print_table(rows: list[Row]) -> None:
    print(
        f"\n{'engine':34} {'mode':38} {'decl.':>7} {'decl/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'p99 CPU':>7}"
        "  agreement with douane"
    )
    for row in rows:
        p50, p99, cpu = (_cell(value) for value in (row.p50_ms, row.p99_ms, row.p99_cpu_ms))
        print(
            f"{row.engine:34} {row.mode:38} {row.declarations:>7} {row.per_second:>10,.0f} {p50:>7} {p99:>7}"
            f" {cpu:>7}  {row.agreement}"
        )


def _cell(milliseconds: float | None) -> str:
    return "-" if milliseconds is None else f"{milliseconds:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000, help="declarations")
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--peer-sample", type=int, default=2_000, help="most declarations a peer runs")
    parser.add_argument("--peer-seconds", type=float, default=25.0, help="most seconds of work per peer mode")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", metavar="DIR", help="model directory whose Scorer adds its score")
    args = parser.parse_args()

    started = time.perf_counter()
    ref = reference(args.seed)
    declarations = Declarations(args.n, ref, args.seed)
    sources = rules(args.rules, ref, args.seed)
    item_total = sum(len(items) for items in declarations.items)
    print(
        f"{args.n:,} declarations, {item_total:,} items, {len(sources)} rules, "
        f"{len(ref.indicators):,} value indicators; seed {args.seed}; cores {os.cpu_count()}; "
        f"corpus built in {time.perf_counter() - started:.1f} s"
    )

    gc.freeze()  # the corpus stays in memory for the run: keep the collector from walking it while timing
    compiled: dict[str, CompiledRule] = {
        rid: compile_rule(text, DECLARATION_SCHEMA) for rid, text in sources.items()
    }
    indicator = LookupTable(ref.indicators, Type.NUMBER)
    functions = {"indicator": indicator}
    batch = RuleBatch.compile(compiled, DECLARATION_SCHEMA, functions)
    ruleset = RuleSet.compile(compiled, header_fields=HEADER_FIELDS, functions=functions)
    print(f"rules the index cannot narrow (read on every declaration): {ruleset.unguarded_share:.0%}")

    rows: list[Row] = []
    batch_row, batch_hits, batch_seconds = run_batch(batch, declarations)
    rows.append(batch_row)
    single_row, single_hits = run_one_at_a_time(ruleset, declarations, None)
    rows.append(single_row)
    scorer = load_scorer(args.model)
    if scorer is not None:
        single_row, _ = run_one_at_a_time(ruleset, declarations, scorer)
        rows.append(single_row)
    same = sum(a == b for a, b in zip(batch_hits, single_hits, strict=True))
    hit_any = sum(bool(hits) for hits in single_hits)
    print(
        f"batch and one at a time give the same hits on {same:,}/{args.n:,} declarations; "
        f"{hit_any:,} ({hit_any / args.n:.1%}) hit at least one rule"
    )

    sample = declarations.items[: args.peer_sample]
    expected = single_hits[: args.peer_sample]
    trees = [rule.tree for rule in compiled.values()]
    rule_ids = list(compiled)
    for peer in (CelPeer(trees, ref.indicators), RuleEnginePeer(trees, ref.indicators)):
        for index in (None, ruleset):
            rows.append(run_peer(peer, index, sample, expected, rule_ids, args.peer_seconds))

    print_table(rows)
    print_summary(rows, single_row, batch_seconds, included_model=scorer is not None)
    print(f"whole run {time.perf_counter() - started:.0f} s")


def print_summary(rows: list[Row], single: Row, batch_seconds: float, *, included_model: bool) -> None:
    batch = rows[0]
    peers = [row for row in rows if row.engine != "douane"]
    fastest = max(peers, key=lambda row: row.per_second)
    fastest_plain = max((row for row in peers if "every rule" in row.mode), key=lambda row: row.per_second)
    model = "including the model score" if included_model else "model not included"
    print(
        "\npeer rates are extrapolated from their samples (per-declaration time on the sample)"
        f"\ndouane batch / fastest peer, every rule ({fastest_plain.engine}): "
        f"{batch.per_second / fastest_plain.per_second:.0f}x (target >= 10x)"
        f"\ndouane batch / fastest peer with douane's index ({fastest.engine}): "
        f"{batch.per_second / fastest.per_second:.1f}x"
        f"\ndouane one at a time p99: {_cell(single.p99_ms)} ms wall-clock,"
        f" {_cell(single.p99_cpu_ms)} ms CPU,"
        f" {model} (target <= 2 ms including the model score)"
        f"\nbatch pass over all declarations: {batch_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
