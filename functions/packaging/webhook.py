"""Builds the webhook's own Lambda package: `sam build` runs it (the function's
`BuildMethod: makefile`, target `build-WebhookFunction` in functions/Makefile).

The steps share one package with numpy, Pillow and openai (~128 MB); the webhook needs none of
them, and Slack's 3 s include its cold start. It gets the code and only what its paths import,
at the versions pinned in the lock (hash-checked), with botocore's API data cut to the services
it calls. A shortcut needs none of these packages (see the webhook's handler); a submission or a
click uses boto3 and pydantic.

    python packaging/webhook.py ARTIFACTS_DIR [pip options, e.g. --no-index --find-links DIR]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[1]
LOCK = FUNCTIONS / "requirements.txt"
#: What the webhook's code imports (a submission: boto3, pydantic) and what those need.
DISTRIBUTIONS = frozenset(
    {
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "python-dateutil",
        "six",
        "urllib3",
        "pydantic",
        "pydantic-core",
        "annotated-types",
        "typing-extensions",
        "typing-inspection",
        # Distribution mode's install pages and a rotating token's refresh only (slack_sdk's
        # OAuth pieces): never imported by a shortcut or a submission (tests hold it so).
        "slack-sdk",
    }
)
#: The AWS APIs the webhook calls: StartExecution, SendTask*, the tables, and (an uninstall)
#: the asynchronous invocation of ForgetWorkspace.
BOTOCORE_SERVICES = frozenset({"stepfunctions", "dynamodb", "lambda"})
LAMBDA_PLATFORM = (
    "--platform",
    "manylinux_2_28_aarch64",
    "--platform",
    "manylinux2014_aarch64",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
)
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==")


def locked(names: frozenset[str], lock_text: str) -> str:
    """The lock's blocks (pin, markers, hashes) of these distributions."""
    blocks = re.split(r"\n(?=\S)", lock_text)
    chosen = []
    for block in blocks:
        if _PIN.match(block) and _name(block) in names:
            chosen.append(block.rstrip())
    found = {_name(block) for block in chosen}
    missing = names - found
    if missing:
        raise SystemExit(f"not in {LOCK.name}: {', '.join(sorted(missing))} (run `make lock`)")
    return "\n".join(chosen) + "\n"


def _name(block: str) -> str:
    return block.split("==", 1)[0].lower().replace("_", "-")


def build(artifacts: Path, pip_options: list[str]) -> None:
    artifacts.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "webhook-requirements.txt"
        requirements.write_text(locked(DISTRIBUTIONS, LOCK.read_text()))
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--require-hashes",
            "--only-binary=:all:",
            "--target",
            str(artifacts),
            "-r",
            str(requirements),
            *pip_options,
        ]
        subprocess.run(command, check=True)
    data = artifacts / "botocore" / "data"
    for entry in data.iterdir():
        if entry.is_dir() and entry.name not in BOTOCORE_SERVICES:
            shutil.rmtree(entry)
    for cache in artifacts.rglob("__pycache__"):
        shutil.rmtree(cache)
    shutil.copytree(
        FUNCTIONS / "emoji_smith",
        artifacts / "emoji_smith",
        ignore=shutil.ignore_patterns("__pycache__", "fonts"),  # the badge's, not the webhook's
        dirs_exist_ok=True,
    )


def size_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    # Default: Lambda's platform. `--lambda-platform` says so beside other pip options.
    options = [
        part for o in argv[1:] for part in (LAMBDA_PLATFORM if o == "--lambda-platform" else (o,))
    ]
    build(Path(argv[0]), options or list(LAMBDA_PLATFORM))
    print(f"webhook package: {size_bytes(Path(argv[0])) / 1e6:.1f} MB unzipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
