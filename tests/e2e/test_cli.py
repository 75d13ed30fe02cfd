"""`emoji-smith` as a user runs it: a fresh process, in a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import decode, rgba
from fakes.fake_openai import FakeOpenAI

CLI = [sys.executable, "-m", "emoji_smith_local.cli"]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """As a user with only `env` set: keys in this machine's shell are left out."""
    offline = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_"))}
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=offline | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_generate_writes_the_emoji_and_shows_each_step(tmp_path: Path) -> None:
    result = run_cli("generate", "ship it", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for step in (
        "Validate",
        "BuildPrompt",
        "GenerateImage",
        "ResizeImage",
        "PersistEmoji",
        "UploadEmoji",
        "NotifyUser",
    ):
        assert f"✓ {step}" in result.stdout
    emoji = tmp_path / "emoji-out" / "ship_it.png"
    data = emoji.read_bytes()
    image = decode(data)
    assert (image.format, image.size) == ("PNG", (128, 128))
    assert len(data) <= 128 * 1024
    assert str(Path("emoji-out") / "ship_it.png") in result.stdout
    assert '"_aws"' not in result.stdout  # no metric or log lines in a person's terminal


def test_generate_honours_name_and_out(tmp_path: Path) -> None:
    result = run_cli(
        "generate", "looks good to me", "--name", ":lgtm:", "--out", "mine", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "mine" / "lgtm.png").is_file()


def test_an_invalid_name_fails_with_what_is_allowed(tmp_path: Path) -> None:
    result = run_cli("generate", "cat", "--name", "Bad Name!", cwd=tmp_path)
    assert result.returncode == 1
    assert "Failed at Validate: InvalidRequest" in result.stdout
    assert "lowercase letters, digits, '-' and '_' only" in result.stdout
    assert "recorded as FAILED" in result.stdout
    assert not (tmp_path / "emoji-out" / "bad_name.png").exists()


def test_an_image_style_without_a_key_says_what_to_set(tmp_path: Path) -> None:
    result = run_cli("generate", "a happy cat", "--style", "cartoon", cwd=tmp_path)
    assert result.returncode == 1
    assert "ConfigurationError" in result.stdout
    assert "set OPENAI_API_KEY" in result.stdout
    assert "badge style works offline" in result.stdout


def test_help_lists_the_commands_and_options(tmp_path: Path) -> None:
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0
    assert "generate" in top.stdout
    sub = run_cli("generate", "--help", cwd=tmp_path)
    for option in ("--name", "--style", "--out", "--options", "cartoon", "pixel-art"):
        assert option in sub.stdout


def test_bad_arguments_are_refused_with_usage(tmp_path: Path) -> None:
    result = run_cli("generate", "cat", "--style", "watercolour", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_generate_with_an_image_service_uses_it(tmp_path: Path, openai_service: FakeOpenAI) -> None:
    keys = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": openai_service.base_url}
    result = run_cli("generate", "a happy cat", "--style", "cartoon", cwd=tmp_path, env=keys)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(openai_service.image_requests()) == 1
    assert decode((tmp_path / "emoji-out" / "happy_cat.png").read_bytes()).size == (128, 128)


def test_several_options_show_the_candidates_and_pick_takes_one(tmp_path: Path) -> None:
    result = run_cli("generate", "ship it", "--options", "3", "--pick", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 candidates:" in result.stdout
    assert "Option 2 it is" in result.stdout
    outbox = next((tmp_path / "emoji-out" / "outbox").iterdir())
    options = sorted(p.name for p in outbox.glob("option-*.png"))
    assert options == ["option-1.png", "option-2.png", "option-3.png"]
    chosen = (tmp_path / "emoji-out" / "ship_it.png").read_bytes()
    assert chosen == (outbox / "ship_it.png").read_bytes()


def test_several_options_without_a_terminal_or_pick_cancel_cleanly(tmp_path: Path) -> None:
    result = run_cli("generate", "ship it", "--options", "2", cwd=tmp_path)
    assert result.returncode == 1
    assert "no --pick N: cancelling" in result.stdout
    assert "ChoiceCancelled" in result.stdout
    assert not (tmp_path / "emoji-out" / "ship_it.png").exists()


def test_any_script_is_drawn_and_a_name_is_asked_for_when_none_can_be_made(
    tmp_path: Path,
) -> None:
    # GIVEN a Japanese description (nothing in it spells a Slack emoji name)
    # WHEN it is generated without --name
    refused = run_cli("generate", "出荷しよう", cwd=tmp_path)
    # THEN it asks for a name before anything runs
    assert refused.returncode == 2
    assert "give one with --name" in refused.stdout
    assert "Validate" not in refused.stdout
    # AND with a name, the badge is made (its text drawn from the Japanese font)
    named = run_cli("generate", "出荷しよう", "--name", "shukka", cwd=tmp_path)
    assert named.returncode == 0, named.stdout + named.stderr
    assert (tmp_path / "emoji-out" / "shukka.png").is_file()


def test_animate_writes_a_gif_and_effects_lists_each_one(tmp_path: Path) -> None:
    # WHEN a badge is generated with the party effect
    result = run_cli("generate", "ship it", "--animate", "party", cwd=tmp_path)
    # THEN the AnimateEmoji step ran and ship_it.gif is a looping animation
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ AnimateEmoji" in result.stdout
    gif = tmp_path / "emoji-out" / "ship_it.gif"
    image = decode(gif.read_bytes())
    assert (image.format, image.size, image.info.get("loop")) == ("GIF", (128, 128), 0)
    # AND `effects` lists every effect with one line each, and an unknown one is refused
    listed = run_cli("effects", cwd=tmp_path).stdout
    from emoji_smith.domain.motion import EFFECTS

    assert all(f"  {effect.name} " in listed for effect in EFFECTS)
    refused = run_cli("generate", "ship it", "--animate", "explode", cwd=tmp_path)
    assert refused.returncode == 2
    assert "invalid choice: 'explode'" in refused.stderr


def test_a_local_picture_becomes_an_emoji_as_is_offline(tmp_path: Path) -> None:
    # GIVEN a logo on a flat background, on disk
    from image_corpus import encode, small_subject_on_light_background

    (tmp_path / "logo.png").write_bytes(encode(small_subject_on_light_background()))
    # WHEN it is made an emoji as is, with no description and no key
    result = run_cli("generate", "", "--image", "logo.png", "--style", "as-is", cwd=tmp_path)
    # THEN logo.png in emoji-out is a 128×128 emoji with a transparent background
    assert result.returncode == 0, result.stdout + result.stderr
    emoji = decode((tmp_path / "emoji-out" / "logo.png").read_bytes())
    assert emoji.size == (128, 128)
    assert rgba(emoji, (0, 0))[3] == 0


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "Cannot read missing.png: No such file or directory."),
        (b"just text", "not a picture I can read; I accept PNG, JPEG, GIF or WebP"),
        (b"\x89PNG" + b"0" * (21 * 2**20), "is over 20 MB; I accept PNG, JPEG, GIF or WebP"),
    ],
    ids=["missing", "not-an-image", "too-big"],
)
def test_a_picture_that_cannot_be_used_exits_1_before_anything_runs(
    tmp_path: Path, content: bytes | None, said: str
) -> None:
    if content is not None:
        (tmp_path / "missing.png").write_bytes(content)
    result = run_cli("generate", "", "--image", "missing.png", "--style", "as-is", cwd=tmp_path)
    assert result.returncode == 1
    assert said in result.stdout
    assert "Validate" not in result.stdout


def test_a_pick_outside_the_options_is_refused(tmp_path: Path) -> None:
    result = run_cli("generate", "ship it", "--options", "2", "--pick", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert "--pick takes 1 to 2" in result.stdout


def test_an_unwritable_out_folder_exits_2_before_anything_runs(tmp_path: Path) -> None:
    # GIVEN an --out folder under a file (nothing can be created there, even as root)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("generate", "ship it", "--out", str(blocker / "emoji"), cwd=tmp_path)
    # THEN it says which path and why, and no workflow step ran
    assert result.returncode == 2
    assert f"Cannot write to {blocker / 'emoji' / 'outbox'}" in result.stdout
    assert "Not a directory" in result.stdout
    assert "Validate" not in result.stdout


def test_serve_retries_on_the_templates_schedule() -> None:
    import threading

    from emoji_smith_local.command_serve import RepeatingTask, retry_schedule_seconds

    # THEN serve's schedule is the template's: every 15 minutes, as in AWS
    assert retry_schedule_seconds() == 15 * 60
    # AND the repeating task runs its action until stopped, and survives a failing run
    calls: list[int] = []
    done = threading.Event()

    def action() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first run fails")
        if len(calls) >= 3:
            done.set()

    task = RepeatingTask(0.01, action)
    task.start()
    assert done.wait(5)
    task.stop()
    assert len(calls) >= 3
