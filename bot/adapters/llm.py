"""An optional LLM through LangChain that writes grounded, cited answers from the prompts/ files."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot.adapters.grounding import judge_grounding
from bot.domain.answering import NotSupported, Unverifiable
from bot.domain.errors import OpsbotError
from bot.domain.models import Language, Passage
from bot.settings import Settings

log = logging.getLogger(__name__)

_CITATION = re.compile(r"\[(\d+)\]")
NOT_COVERED_MARK = "NOT_COVERED"


class LLMConfigurationError(OpsbotError):
    """OPSBOT_LLM names a provider or model that cannot be set up."""


class IncompleteAnswer(RuntimeError):
    """The model's stream stopped before it said it was done."""


class LangChainAnswerWriter:
    """Any LangChain chat model (`provider:model`); prompts are files, one per language."""

    def __init__(self, settings: Settings, prompts_dir: Path, model: Any | None = None) -> None:
        self._prompts = {
            "zh": (prompts_dir / "answer_system_zh.md").read_text(encoding="utf-8"),
            "en": (prompts_dir / "answer_system_en.md").read_text(encoding="utf-8"),
        }
        self._user_template = (prompts_dir / "answer_user.md").read_text(encoding="utf-8")
        self._model = model if model is not None else self.build_model(settings)

    @staticmethod
    def build_model(settings: Settings) -> Any:
        from langchain.chat_models import init_chat_model

        provider, _, model_name = settings.llm.partition(":")
        kwargs: dict[str, Any] = {"timeout": settings.llm_timeout_s, "max_retries": 0}
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        if settings.llm_api_key is not None:
            kwargs["api_key"] = settings.llm_api_key.get_secret_value()
        elif provider == "openai" and settings.llm_base_url:
            kwargs["api_key"] = "unused"  # local OpenAI-compatible servers ignore it, the client needs one
        try:
            return init_chat_model(model_name, model_provider=provider, **kwargs)
        except Exception as error:  # message names only the provider, never a key
            raise LLMConfigurationError(
                f"OPSBOT_LLM={settings.llm!r} could not be set up ({type(error).__name__}). "
                "Check the provider name, its package, and OPSBOT_LLM_API_KEY."
            ) from None

    def messages(self, question: str, language: Language, passages: list[Passage]) -> list[Any]:
        context = "\n\n".join(
            f"[{number}] {passage.section}\n{passage.text}" for number, passage in enumerate(passages, 1)
        )
        user = self._user_template.format(context=context, question=question)
        return [SystemMessage(self._prompts[language]), HumanMessage(user)]

    def write(self, question: str, language: Language, passages: list[Passage]) -> str:
        reply = self._model.invoke(self.messages(question, language, passages))
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return self.check(text, passages)

    def stream(self, question: str, language: Language, passages: list[Passage]) -> Iterator[str]:
        finished = False
        for chunk in self._model.stream(self.messages(question, language, passages)):
            finished = finished or bool(
                (getattr(chunk, "response_metadata", None) or {}).get("finish_reason")
            )
            content = chunk.content if isinstance(chunk.content, str) else str(chunk.content)
            if content:
                yield content
        if not finished:
            # A connection cut mid-answer ends the stream quietly; a half answer must not pass as whole.
            raise IncompleteAnswer("the LLM stream ended before the model finished")

    def check(self, text: str, passages: list[Passage]) -> str:
        """Refusals and ungrounded answers become NotSupported; citations of missing passages are dropped.

        Grounding (bot/adapters/grounding.py): a model answering from its own knowledge instead of
        the passages is refused; one whose claims cannot be checked at all is quoted instead.
        """
        text = text.strip()
        if not text or NOT_COVERED_MARK in text:
            raise NotSupported()
        cleaned = _CITATION.sub(
            lambda match: match.group(0) if 1 <= int(match.group(1)) <= len(passages) else "", text
        )
        if not _CITATION.search(cleaned):
            raise ValueError("the LLM answer cites no passage")
        verdict = judge_grounding(cleaned, passages)
        if verdict.ungrounded:
            log.info("LLM answer refused: most of it is not in the passages it cites")
            raise NotSupported()
        if not verdict.verifiable:
            raise Unverifiable("too little of the LLM answer could be checked against the passages")
        return cleaned
