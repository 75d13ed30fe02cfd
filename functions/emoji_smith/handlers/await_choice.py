"""AwaitChoice: post the candidates to the member and keep the task token server-side; the
workflow waits (`.waitForTaskToken`) until a click resumes it, or the timeout ends it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import image_store, job_repository, slack_gateway
from emoji_smith.domain.choices import Candidate
from emoji_smith.domain.models import EmojiImages, EmojiRequest

logger = Logger()
#: Slack fetches the images when it renders the message; an hour covers a late look.
CANDIDATE_URL_SECONDS = 3600


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id: str = event["job_id"]
    request = EmojiRequest.model_validate(event["request"])
    emoji = EmojiImages.model_validate(event["emoji"])
    store = image_store()
    candidates = [
        Candidate(index, store.get(key), store.share_url(key, CANDIDATE_URL_SECONDS))
        for index, key in enumerate(emoji.keys)
    ]
    job_repository().await_choice(job_id, str(event["task_token"]), request)
    slack_gateway().offer_choices(job_id, request, candidates)
    return {"offered": len(candidates)}
