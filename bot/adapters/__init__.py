"""Adapters to the outside world: Chroma, embedders, the LLM; each behind a small interface."""
