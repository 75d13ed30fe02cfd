"""BuildPrompt: the request → an emoji-grade image prompt (a text model may rewrite the
subject first; best effort)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import BuildPromptEvent, parse_event
from emoji_smith.application.steps import write_prompt
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    prompt, problem = write_prompt(
        parse_event(BuildPromptEvent, event).request, ports().prompt_enhancer
    )
    if problem:
        logger.warning("Prompt enhancement failed; using the template prompt: %s", problem)
    return prompt.model_dump()
