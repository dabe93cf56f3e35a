"""Where the files opsbot ships with are: the prompts and the default playbook, installed or in the source tree.

In the source tree they live at the top level (`prompts/`, `knowledge/`), where the team edits them. A
wheel carries copies inside the package, as `bot/_data/prompts` and `bot/_data/knowledge` (setup.py's
build step puts them there), so an installed opsbot finds them wherever it is run from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Shipped = Literal["prompts", "knowledge"]

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_data"
_SOURCE_TREE = _PACKAGE.parent


def shipped_dir(name: Shipped) -> Path:
    """The installed copy when this is a wheel install, else the source tree's own directory."""
    installed = _INSTALLED / name
    return installed if installed.is_dir() else _SOURCE_TREE / name


def default_knowledge_dir() -> Path:
    """`./knowledge` when the working directory has one (the source tree, or a team's own playbook),
    else the playbook that ships with opsbot: `opsbot ask` answers from any directory."""
    local = Path("knowledge")
    return local if local.is_dir() else shipped_dir("knowledge")
