"""Speed and memory of the real command line, measured from outside as a user would feel them.

    .venv/bin/python -m benchmarks.speed [--corpus-chunks 5000] [--rounds 5]

- cold `opsbot ask`: a new process per question, index already built (what a terminal user waits;
  an unchanged index is read from its snapshot, so Chroma is not even imported);
- warm per-question latency in `opsbot ask --json -` mode: one process, one question per line;
- the very first `opsbot ask` on a new machine (empty index, empty embedding cache);
- index build time for the playbook (embedding cache warm) and for a generated corpus of N chunks;
- peak resident memory of each of those processes (from the kernel's rusage of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.retrieval import DEFAULT_SETS, load_questions

ROOT = Path(__file__).resolve().parent.parent
OPSBOT = [sys.executable, "-m", "bot"]


def _env(data_dir: Path, knowledge_dir: Path, cache_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OPSBOT_DATA_DIR": str(data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(knowledge_dir),
        "OPSBOT_CACHE_DIR": str(cache_dir),
    }


def timed_process(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process run to completion."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if stdin is not None and process.stdin:
        process.stdin.write(stdin)
    if process.stdin:
        process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{args} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def warm_latencies(env: dict[str, str], questions: list[str]) -> tuple[list[float], float]:
    """Round-trip time of each question through one `--json -` process, and the process's peak RSS."""
    process = subprocess.Popen(
        [*OPSBOT, "ask", "--json", "-"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin and process.stdout
    latencies = []
    # The first answer pays for loading the models and the index; it is not a warm question.
    for index, question in enumerate([questions[0], *questions]):
        start = time.perf_counter()
        process.stdin.write(question.encode() + b"\n")
        process.stdin.flush()
        json.loads(process.stdout.readline())
        if index:
            latencies.append(time.perf_counter() - start)
    process.stdin.close()
    _, _, usage = os.wait4(process.pid, 0)
    return latencies, usage.ru_maxrss / 1024


def generated_corpus(directory: Path, chunks: int) -> None:
    """Markdown files of operations-flavoured list items: realistic lengths, all distinct."""
    rng = random.Random(7)
    topics = ["拉新", "留存", "活跃", "转化", "预热", "复盘", "文案", "渠道", "社群", "内容", "数据", "投放"]
    verbs = ["提升", "优化", "追踪", "分析", "策划", "确认", "评估", "沟通", "迭代", "测试"]
    per_file = 250
    for file_index in range(0, chunks, per_file):
        lines = [f"# 生成手册 {file_index // per_file}", ""]
        for item in range(file_index, min(file_index + per_file, chunks)):
            if item % 10 == 0:
                lines += ["", f"## {rng.choice(topics)}专题 {item // 10}", ""]
            words = "、".join(rng.sample(topics, 3))
            lines.append(
                f"- 第{item}条:{rng.choice(verbs)}{words}相关的工作,记录负责人、时间和结果,每周检查一次进展。"
            )
        (directory / f"generated_{file_index // per_file:03d}.md").write_text(
            "\n".join(lines) + "\n", "utf-8"
        )


def run(corpus_chunks: int, rounds: int) -> dict[str, Any]:
    questions = [q["question"] for path in DEFAULT_SETS if path.exists() for q in load_questions(path)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        env = _env(Path(scratch) / "data", ROOT / "knowledge", cache)
        first_s, first_mb = timed_process([*OPSBOT, "ask", questions[0]], env)
        results["first_ask_fresh_machine"] = {"seconds": round(first_s, 2), "peak_rss_mb": round(first_mb)}
        rebuild_env = _env(Path(scratch) / "data-2", ROOT / "knowledge", cache)
        build_s, build_mb = timed_process([*OPSBOT, "index"], rebuild_env)
        results["index_playbook_warm_cache"] = {"seconds": round(build_s, 2), "peak_rss_mb": round(build_mb)}
        cold = [timed_process([*OPSBOT, "ask", questions[i % len(questions)]], env) for i in range(rounds)]
        results["cold_ask"] = {
            "median_s": round(statistics.median(t for t, _ in cold), 2),
            "max_s": round(max(t for t, _ in cold), 2),
            "peak_rss_mb": round(max(m for _, m in cold)),
            "runs": rounds,
        }
        latencies, warm_mb = warm_latencies(env, questions)
        results["warm_ask"] = {
            "questions": len(latencies),
            "p50_ms": round(1000 * percentile(latencies, 0.50), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
            "max_ms": round(1000 * max(latencies), 1),
            "peak_rss_mb": round(warm_mb),
        }
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        generated_corpus(corpus, corpus_chunks)
        corpus_env = _env(Path(scratch) / "corpus-data", corpus, cache)
        big_s, big_mb = timed_process([*OPSBOT, "index"], corpus_env)
        again_s, _ = timed_process([*OPSBOT, "index"], corpus_env)
        results["index_generated"] = {
            "chunks": corpus_chunks,
            "seconds": round(big_s, 1),
            "chunks_per_s": round(corpus_chunks / big_s, 1),
            "reindex_unchanged_s": round(again_s, 2),
            "peak_rss_mb": round(big_mb),
        }
        big_latencies, big_warm_mb = warm_latencies(corpus_env, questions[:40])
        results["warm_ask_generated_corpus"] = {
            "p50_ms": round(1000 * percentile(big_latencies, 0.50), 1),
            "p95_ms": round(1000 * percentile(big_latencies, 0.95), 1),
            "peak_rss_mb": round(big_warm_mb),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="opsbot speed and memory")
    parser.add_argument("--corpus-chunks", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "speed.json")
    args = parser.parse_args()
    results = run(args.corpus_chunks, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
