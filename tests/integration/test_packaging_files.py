"""The service files read as intended: Dockerfile, compose.yaml, the lock, the README's install commands.

Cheap checks only; test_packaging.py proves the image's steps by running them.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"
GPU_PACKAGES = ("torch", "nvidia", "cuda", "triton", "tensorflow", "jax")


@dataclass
class Stage:
    """One `FROM … AS name` stage of a Dockerfile and its instructions, continuation lines joined."""

    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def dockerfile_stages(path: Path = REPO / "Dockerfile") -> list[Stage]:
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    stages: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else ""
            stages.append(Stage(parts[0], name))
        elif stages:
            stages[-1].instructions.append((keyword, args))
    return stages


def builder_sources(stages: list[Stage]) -> list[str]:
    """What the builder stage copies from the build context: what a wheel is built from."""
    sources: list[str] = []
    for args in stages[0].all("COPY"):
        *names, _destination = shlex.split(args)
        sources.extend(name for name in names if not name.startswith("--"))
    return sources


def healthcheck_command(stages: list[Stage]) -> list[str]:
    """The runtime stage's HEALTHCHECK CMD, which must be exec form (JSON), or Docker runs it via sh."""
    (healthcheck,) = stages[-1].all("HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert isinstance(command, list)
    return [str(part) for part in command]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(python3 -m venv \.venv .*)\n```", (REPO / "README.md").read_text("utf-8"))


def test_the_image_is_built_in_one_stage_and_run_from_a_slim_one_as_a_user() -> None:
    builder, runtime = dockerfile_stages()
    assert builder.name == "builder" and runtime.name == "runtime"
    assert any("pip wheel" in run and "--no-deps" in run for run in builder.all("RUN"))
    (install,) = [run for run in runtime.all("RUN") if "pip install" in run]
    assert "from=builder" in install and "-c /tmp/requirements.lock" in install and ".whl" in install
    assert runtime.all("USER") and runtime.all("USER")[-1] not in ("root", "0")
    assert json.loads(runtime.all("CMD")[-1]) == ["opsbot", "serve"]


def test_the_healthcheck_asks_healthz_on_the_http_or_the_probe_port() -> None:
    command = healthcheck_command(dockerfile_stages())
    assert command[:2] == ["python", "-c"]
    script = command[2]
    assert "/healthz" in script and "'PORT'" in script and "'OPSBOT_HEALTH_PORT'" in script
    compile(script, "HEALTHCHECK", "exec")


def test_the_build_context_holds_what_the_builder_copies_and_nothing_else() -> None:
    sources = builder_sources(dockerfile_stages())
    allowed = [line[1:].rstrip("/") for line in (REPO / ".dockerignore").read_text().splitlines()]
    assert {"bot", "prompts", "knowledge", "pyproject.toml", "setup.py", "requirements.lock"} <= set(sources)
    assert set(sources) <= {name for name in allowed if name}
    assert "*" in (REPO / ".dockerignore").read_text().splitlines()


def test_compose_runs_opsbot_after_postgres_is_healthy_and_points_it_at_chroma() -> None:
    services = compose()["services"]
    assert {"opsbot", "postgres", "chroma"} <= set(services)
    assert services["postgres"]["healthcheck"]["test"] and services["chroma"]["healthcheck"]["test"]
    assert services["chroma"]["image"].startswith("chromadb/chroma:")
    opsbot = services["opsbot"]
    assert opsbot["depends_on"]["postgres"]["condition"] == "service_healthy"
    environment = opsbot["environment"]
    assert environment["CHROMA_HOST"] == "chroma" and "@postgres:5432/" in environment["DATABASE_URL"]
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OPSBOT_LLM_API_KEY"):
        assert re.fullmatch(r"\$\{" + name + r"[^}]*\}", environment[name]), f"{name} must come from .env"


def test_the_release_step_migrates_before_serve_as_the_procfile_says() -> None:
    services = compose()["services"]
    assert services["opsbot"]["depends_on"]["release"]["condition"] == "service_completed_successfully"
    procfile = dict(
        line.split(": ", 1) for line in (REPO / "Procfile").read_text().splitlines() if ": " in line
    )
    assert services["release"]["command"] == ["sh", "-c", procfile["release"]]
    assert procfile["release"].startswith("opsbot migrate")


def test_the_lock_pins_every_package_once_and_no_gpu_stack() -> None:
    lines = [line for line in LOCK.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", line) for line in lines), lines
    pins = lock_pins()
    assert len(pins) == len(lines) > 100
    assert not [name for name in pins if name.startswith(GPU_PACKAGES)]


def test_the_lock_agrees_with_every_pin_in_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = lock_pins()
    for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is missing from requirements.lock: regenerate it (see its header)"
        assert requirement.specifier.contains(pins[name]), f"{name}: lock {pins[name]}, pyproject {line}"


def test_readme_and_ci_install_with_the_lock_and_ci_runs_the_readme_test_command() -> None:
    ask, tests = readme_commands()
    assert "pip install -q -c requirements.lock -e . " in ask and " ask " in ask
    assert "pip install -q -c requirements.lock -e '.[test]'" in tests and "pytest" in tests
    assert tests in (REPO / ".ci" / "run").read_text().splitlines()
