"""functions/requirements.txt is the lock Lambda gets (SAM packages it) and the tests install:
pinned with hashes, resolvable for the Lambda platform (manylinux arm64, the template's Python,
binary wheels only), and the handlers import from nothing but its contents.

Offline: `make setup` fills `.wheels/` from the lock (hash-checked); these tests install from
there with `--no-index`, so they need no network."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from emoji_smith_local.template import FUNCTION_TYPE, PROJECT_ROOT, load_template

TEMPLATE = load_template()
LOCK = PROJECT_ROOT / "functions" / "requirements.txt"
DIRECT = PROJECT_ROOT / "functions" / "requirements.in"
WHEELS = PROJECT_ROOT / ".wheels"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)(?: ; (.+?))? ?\\?$")


def wheels(platform: str) -> Path:
    folder = WHEELS / platform
    if not any(folder.glob("*.whl")):
        pytest.fail(f"{folder} is empty: run `make setup` (it fills the wheel cache from the lock)")
    return folder


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def pins() -> dict[str, tuple[str, str | None]]:
    """name → (version, environment marker or None), from the lock."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            found.setdefault(name.lower().replace("_", "-"), []).append((version, marker))
    chosen = {}
    for name, options in found.items():
        for version, marker in options:
            if marker is None or _applies(marker):
                chosen[name] = (version, marker)
    return chosen


def _applies(marker: str) -> bool:
    from packaging.markers import Marker

    return Marker(marker).evaluate()


def test_every_pin_has_hashes() -> None:
    blocks = re.split(r"\n(?=\S)", LOCK.read_text())
    pinned = [block for block in blocks if PIN.match(block.splitlines()[0])]
    pin_lines = [line for line in LOCK.read_text().splitlines() if PIN.match(line)]
    assert len(pinned) == len(pin_lines) >= len(pins())
    assert all("--hash=sha256:" in block for block in pinned)


def test_the_lock_pins_exactly_the_direct_requirements_and_theirs() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    direct = [line for line in DIRECT.read_text().splitlines() if line and line[0] != "#"]
    assert sorted(direct) == sorted(project["dependencies"])
    locked = pins()
    for requirement in direct:
        name = re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower()
        assert name in locked, f"{name} is not in the lock: run `make lock`"


def test_the_tests_run_the_locked_versions() -> None:
    for name, (version, _) in pins().items():
        assert metadata.version(name) == version, f"{name}: run `make setup` (or `make lock`)"


@pytest.mark.slow
def test_the_lock_resolves_for_the_lambda_platform(tmp_path: Path) -> None:
    runtime = TEMPLATE["Globals"]["Function"]["Runtime"]  # e.g. python3.13
    assert TEMPLATE["Globals"]["Function"]["Architectures"] == ["arm64"]
    result = pip(
        "download",
        "--no-index",
        "--find-links",
        str(wheels("lambda")),
        "--require-hashes",
        "-r",
        str(LOCK),
        "-d",
        str(tmp_path),
        "--platform",
        "manylinux_2_28_aarch64",
        "--platform",
        "manylinux2014_aarch64",
        "--only-binary=:all:",
        "--python-version",
        runtime.removeprefix("python"),
        "--implementation",
        "cp",
    )
    assert result.returncode == 0, result.stderr
    names = {path.name.split("-")[0].lower() for path in tmp_path.glob("*.whl")}
    assert {"pillow", "numpy", "pydantic_core", "openai", "slack_sdk", "boto3"} <= names
    assert all("aarch64" in p.name or "none-any" in p.name for p in tmp_path.glob("*.whl"))


@pytest.mark.slow
def test_every_handler_imports_from_the_lock_alone(tmp_path: Path) -> None:
    target = tmp_path / "package"
    result = pip(
        "install",
        "--no-index",
        "--find-links",
        str(wheels("local")),
        "--require-hashes",
        "-r",
        str(LOCK),
        "--target",
        str(target),
        "--only-binary=:all:",
    )
    assert result.returncode == 0, result.stderr
    handlers = [
        resource["Properties"]["Handler"].rsplit(".", 1)[0]
        for resource in TEMPLATE["Resources"].values()
        if resource["Type"] == FUNCTION_TYPE
    ]
    code = "import importlib\n" + "".join(f"importlib.import_module({h!r})\n" for h in handlers)
    # -S: no site-packages, so only the package folder and the function code are importable.
    imported = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={
            "PYTHONPATH": f"{target}:{PROJECT_ROOT / 'functions'}",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
