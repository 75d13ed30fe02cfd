"""Better image prompts from an OpenAI text model. Best effort: BuildPrompt falls back to the
template prompt on any failure, so enhancement never fails a job."""

from __future__ import annotations

from openai import OpenAI

INSTRUCTIONS = (
    "You write subjects for Slack custom emoji. Rewrite the member's idea as ONE short visual "
    "description (at most 40 words) of a single clear subject that reads at 22 pixels: name the "
    "subject, its pose or expression, and 2-3 key colours. No background, no style words, no "
    "text unless the member quoted some. Answer with the description only."
)


class OpenAIPromptEnhancer:
    def __init__(self, client: OpenAI, model: str) -> None:
        self._client = client
        self._model = model

    def enhance(self, idea: str, context: str) -> str:
        text = f"Idea: {idea}"
        if context:
            text += f"\nThe chat message it reacts to (mood only): {context}"
        response = self._client.responses.create(
            model=self._model, instructions=INSTRUCTIONS, input=text, max_output_tokens=200
        )
        return response.output_text
