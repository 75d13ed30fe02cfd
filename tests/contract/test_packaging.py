"""functions/requirements.txt is what Lambda gets: it must resolve for the Lambda platform
(manylinux, arm64, the template's Python, binary wheels only), and the handlers must import from
nothing but its contents (checked on this machine's platform, which is what can run here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from emoji_smith_local.template import FUNCTION_TYPE, PROJECT_ROOT, load_template

TEMPLATE = load_template()
REQUIREMENTS = PROJECT_ROOT / "functions" / "requirements.txt"


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_requirements_resolve_for_the_lambda_platform(tmp_path: Path) -> None:
    runtime = TEMPLATE["Globals"]["Function"]["Runtime"]  # e.g. python3.13
    architecture = TEMPLATE["Globals"]["Function"]["Architectures"][0]
    assert architecture == "arm64"
    result = pip(
        "download",
        "-r",
        str(REQUIREMENTS),
        "-d",
        str(tmp_path),
        "--platform",
        "manylinux2014_aarch64",
        "--only-binary=:all:",
        "--python-version",
        runtime.removeprefix("python"),
        "--implementation",
        "cp",
    )
    assert result.returncode == 0, result.stderr
    wheels = {path.name.split("-")[0].lower() for path in tmp_path.glob("*.whl")}
    assert {"pillow", "numpy", "pydantic_core", "openai", "slack_sdk", "boto3"} <= wheels


def test_every_handler_imports_from_the_requirements_alone(tmp_path: Path) -> None:
    target = tmp_path / "package"
    result = pip("install", "-r", str(REQUIREMENTS), "--target", str(target), "--only-binary=:all:")
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
