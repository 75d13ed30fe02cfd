"""Starting from a picture, through the real workflow: a file a member shared, a custom emoji,
As is (offline) or edited by the image service; what may not be fetched is refused in words."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from test_slack_app import finished, post, slack_environment

from conftest import decode, ended_as, rgba
from emoji_smith.domain.pictures import CANNOT_OPEN, input_key
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import form, function_url_event, shortcut, submission
from image_corpus import encode, full_bleed_photo, small_subject_on_light_background

PHOTO = encode(full_bleed_photo())
LOGO = encode(small_subject_on_light_background())


@pytest.fixture(scope="module")
def picture_aws(fake_slack: FakeSlack, fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = slack_environment(fake_slack, outbox) | fake_openai.app_environment()
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def run(aws: LocalAWS, **request: object) -> tuple[str, dict[str, object]]:
    job_id = f"pic-{uuid.uuid4().hex[:12]}"
    request = {"user_id": "U1", "channel_id": "C1", "message_ts": "1.2", **request}
    return job_id, aws.wait(aws.start(request, job_id))


def delivered_emoji(slack: FakeSlack) -> Image.Image:
    (upload,) = slack.uploads.values()
    return decode(upload)


def test_a_shared_photo_becomes_a_cartoon_through_one_edit_with_the_picture(
    picture_aws: LocalAWS, slack: FakeSlack, openai_service: FakeOpenAI
) -> None:
    # GIVEN a photo a member shared in the channel
    slack.share_file("F1", "dog.png", PHOTO)
    # WHEN the emoji starts from it, as a cartoon
    job_id, execution = run(
        picture_aws,
        description="as a cartoon",
        name="dog",
        style="cartoon",
        source={"kind": "file", "id": "F1", "label": "dog.png"},
    )
    # THEN one edit request carried the picture itself, without input_fidelity (the SDK's spec:
    # "For `gpt-image-2`, omit this parameter")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    (edit,) = openai_service.edit_requests()
    ((_, content_type, sent),) = edit.parts["image"]
    assert (content_type, sent) == ("image/png", PHOTO)
    assert "input_fidelity" not in edit.form
    assert edit.form["prompt"].startswith("Turn this picture into a Slack custom emoji: as a")
    assert openai_service.image_requests() == []
    # AND the picture was downloaded with the bot token and kept with the job's inputs
    assert picture_aws.images().get(input_key(job_id)) == PHOTO
    assert delivered_emoji(slack).size == (128, 128)


def test_as_is_cuts_the_picture_out_offline(
    picture_aws: LocalAWS, slack: FakeSlack, openai_service: FakeOpenAI
) -> None:
    # GIVEN a logo on a flat light background
    slack.share_file("F2", "logo.png", LOGO)
    # WHEN it is made an emoji as is, with no description
    _, execution = run(
        picture_aws, style="as-is", source={"kind": "file", "id": "F2", "label": "logo.png"}
    )
    # THEN no image service was asked, and the emoji is the logo with its background removed
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert openai_service.requests == []
    emoji = delivered_emoji(slack)
    assert emoji.size == (128, 128)
    assert rgba(emoji, (0, 0))[3] == 0
    assert json.loads(str(execution["output"]))["request"]["name"] == "logo"


def test_a_custom_emoji_is_remixed_through_its_alias(
    picture_aws: LocalAWS, slack: FakeSlack, openai_service: FakeOpenAI
) -> None:
    # GIVEN :party_parrot: is an alias of :parrot:, whose image Slack serves
    slack.add_emoji_image("parrot", LOGO)
    slack.emoji["party_parrot"] = "alias:parrot"
    # WHEN it is remixed
    _, execution = run(
        picture_aws,
        description="wearing a hard hat",
        name="safety_parrot",
        style="sticker",
        source={"kind": "emoji", "id": "party_parrot", "label": ":party_parrot:"},
    )
    # THEN the edit got the parrot's picture
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    (edit,) = openai_service.edit_requests()
    assert edit.parts["image"][0][2] == LOGO


@pytest.mark.parametrize(
    ("arrange", "source", "said"),
    [
        (
            lambda slack: slack.emoji.__setitem__("evil", "https://evil.example/x.png"),
            {"kind": "emoji", "id": "evil"},
            "not on Slack",
        ),
        (
            lambda slack: slack.share_file("F3", "huge.png", b"\x89PNG" + b"0" * (21 * 2**20)),
            {"kind": "file", "id": "F3"},
            "I accept PNG, JPEG, GIF or WebP",
        ),
        (
            lambda slack: slack.share_file("F4", "notes.txt", b"hello", "text/plain"),
            {"kind": "file", "id": "F4"},
            "notes.txt is not a picture",
        ),
        (
            lambda slack: slack.share_file("F5", "broken.png", b"\x89PNG not really"),
            {"kind": "file", "id": "F5"},
            "not a picture I can read",
        ),
        (
            lambda slack: (slack.share_file("F6", "secret.png", LOGO), slack.hidden.add("F6")),
            {"kind": "file", "id": "F6"},
            CANNOT_OPEN,
        ),
        (
            lambda slack: slack.share_file("F9", "logo.svg", b"<svg/>", "image/svg+xml"),
            {"kind": "file", "id": "F9"},
            "logo.svg is an SVG drawing, not a picture I can read",
        ),
    ],
    ids=["refused-host", "too-big", "not-an-image-file", "not-an-image", "not-visible", "svg"],
)
def test_a_picture_that_cannot_be_used_ends_in_words_the_member_can_act_on(
    picture_aws: LocalAWS,
    slack: FakeSlack,
    openai_service: FakeOpenAI,
    arrange: object,
    source: dict[str, str],
    said: str,
) -> None:
    assert callable(arrange)
    arrange(slack)
    job_id, execution = run(picture_aws, name="pic", style="cartoon", source=source)
    # THEN the run ends as an InvalidRequest outcome, nothing is billed, and the member is told
    assert ended_as(execution) == ("SUCCEEDED", "InvalidRequest")
    assert said in json.loads(str(execution["output"]))["cause"]
    assert openai_service.billed == []
    told = [r["text"] for r in slack.responses()] + [
        slack.params(c)["text"] for c in slack.calls("chat.postMessage")
    ]
    assert any(said in text for text in told), told
    assert not picture_aws.images().exists(input_key(job_id))


def test_a_retry_reuses_the_stored_picture(
    picture_aws: LocalAWS, slack: FakeSlack, openai_service: FakeOpenAI
) -> None:
    # GIVEN the image service fails once, then answers (the ASL retries GenerateImage)
    slack.share_file("F7", "cat.png", LOGO)
    openai_service.images_then("server_error", "ok")
    # WHEN the job runs
    _, execution = run(
        picture_aws, name="cat", style="cartoon", source={"kind": "file", "id": "F7"}
    )
    # THEN the picture was fetched once (no second download), edited twice, billed once
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert len(slack.calls("files.info")) == 1
    assert len([r for r in slack.requests if r.path.startswith("/files-pri/")]) == 1
    assert len(openai_service.edit_requests()) == 2
    assert len(openai_service.billed) == 1


def test_the_picture_is_never_fetched_from_a_url_in_the_request(picture_aws: LocalAWS) -> None:
    # GIVEN a request that names a URL instead of a Slack file
    _, execution = run(
        picture_aws,
        name="x",
        style="cartoon",
        source={"kind": "url", "id": "https://evil.example/x.png"},
    )
    # THEN it is refused as malformed before anything is fetched
    assert ended_as(execution) == ("SUCCEEDED", "InvalidRequest")
    assert "source.kind" in json.loads(str(execution["output"]))["cause"]


def test_from_the_shortcut_a_shared_picture_becomes_an_emoji(
    picture_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a message with a logo the bot can see
    slack.share_file("F8", "logo.png", LOGO)
    files = [{"id": "F8", "name": "logo.png", "mimetype": "image/png"}]
    # WHEN the member runs the shortcut on it and submits the modal as it opens, as is
    answer = post(
        picture_aws,
        function_url_event(form(shortcut(slack.response_url(), text="our new logo", files=files))),
    )
    assert answer["statusCode"] == 200
    view = slack.params(slack.calls("views.open")[-1])["view"]
    answer = post(picture_aws, function_url_event(form(submission(view, "V-pic", style="as-is"))))
    # THEN the job starts from that file and delivers its cut-out
    assert answer["statusCode"] == 200, answer
    execution = finished(picture_aws, "T1-V-pic")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    request = json.loads(str(execution["input"]))["request"]
    assert request["source"] == {"kind": "file", "id": "F8", "label": "logo.png"}
    assert delivered_emoji(slack).size == (128, 128)
