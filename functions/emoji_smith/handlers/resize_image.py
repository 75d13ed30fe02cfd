"""ResizeImage: each original → a Slack-ready emoji (128×128, ≤ 128 KB) stored beside it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import image_store
from emoji_smith.domain.emoji_image import make_emoji
from emoji_smith.domain.image_keys import emoji_key
from emoji_smith.domain.models import EmojiImages, EmojiRequest, GeneratedImages

logger = Logger()
CONTENT_TYPES = {"png": "image/png", "gif": "image/gif"}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id: str = event["job_id"]
    request = EmojiRequest.model_validate(event["request"])
    generated = GeneratedImages.model_validate(event["generated"])
    store = image_store()
    keys, sizes = [], []
    for option, original in enumerate(generated.original_keys):
        emoji = make_emoji(store.get(original), request.transparent)
        key = emoji_key(job_id, option, emoji.format)
        store.put(key, emoji.data, CONTENT_TYPES[emoji.format])
        keys.append(key)
        sizes.append(len(emoji.data))
    return EmojiImages(keys=keys, sizes=sizes).model_dump()
