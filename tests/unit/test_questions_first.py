"""While a long document is embedded, a question waits for one slice of passages, not for the document."""

from __future__ import annotations

import threading

from bot.adapters.embeddings import PASSAGE_SLICE, QuestionsFirst, in_slices
from tests.waiting import wait_until


def test_a_waiting_question_goes_before_the_next_slice_of_passages() -> None:
    turns = QuestionsFirst()
    calls: list[str] = []
    first_slice_started, let_first_slice_finish = threading.Event(), threading.Event()

    def embed_passages(texts: list[str]) -> list[list[float]]:
        calls.append(f"passages {texts[0]}")
        if len(calls) == 1:
            first_slice_started.set()
            let_first_slice_finish.wait(10)
        return [[0.0] for _ in texts]

    def ask() -> None:
        with turns.question():
            calls.append("question")

    texts = [str(i) for i in range(3 * PASSAGE_SLICE)]
    indexing = threading.Thread(target=in_slices, args=(texts, embed_passages, turns))
    indexing.start()
    assert first_slice_started.wait(10)
    asking = threading.Thread(target=ask)
    asking.start()
    assert wait_until(lambda: turns._questions_waiting == 1)  # the question is queued behind slice one
    let_first_slice_finish.set()
    indexing.join(10)
    asking.join(10)
    assert calls == ["passages 0", "question", f"passages {PASSAGE_SLICE}", f"passages {2 * PASSAGE_SLICE}"]


def test_every_passage_is_embedded_once_in_order() -> None:
    texts = [str(i) for i in range(2 * PASSAGE_SLICE + 3)]
    vectors = in_slices(texts, lambda batch: [[float(t)] for t in batch], QuestionsFirst())
    assert vectors == [[float(t)] for t in texts]
