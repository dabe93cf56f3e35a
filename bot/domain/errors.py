"""Errors a user can cause, each with a message fit to show them as is."""


class OpsbotError(Exception):
    """Base for every error whose message is safe and useful to show to a user."""


class InvalidQuestion(OpsbotError):
    """The question is empty, too long or not readable text."""


class KnowledgeBaseUnavailable(OpsbotError):
    """The knowledge directory is missing or holds no usable document."""


class EmbedderUnavailable(OpsbotError):
    """The configured embedding model cannot run on this platform."""


class StoreUnavailable(OpsbotError):
    """The vector store (embedded or server) cannot be reached or opened."""


class NotFound(OpsbotError):
    """What the user named (a campaign, a reminder, an answer) does not exist or is not theirs to see."""


class NotAllowed(OpsbotError):
    """The user may not do this to this object (cancel someone else's reminder, say)."""


class SchemaOutOfDate(OpsbotError):
    """The state database's schema is not the one this version of opsbot needs."""
