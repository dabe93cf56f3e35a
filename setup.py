"""Build step: put copies of prompts/ and knowledge/ inside the wheel, as bot/_data/…

They stay at the top of the source tree, where the team edits them (README, "Architecture"), and
bot/resources.py finds them there or in the installed package. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("prompts", "knowledge")


class BuildWithSharedFiles(build_py):
    """setuptools' build_py, then the shipped directories copied under bot/_data in the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the source tree itself
            return
        for name in SHIPPED:
            target = Path(self.build_lib) / "bot" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithSharedFiles})
