"""What an emoji costs: the image service's price per image (one table, with the date it was
read), and AWS's share per emoji. Estimates for budgets and the usage report, not invoices."""

from __future__ import annotations

from dataclasses import dataclass

#: OpenAI's image prices, read from its pricing page on this date (USD per image).
PRICES_READ = "2026-11-27"
IMAGE_PRICES_USD: dict[tuple[str, str], float] = {
    ("gpt-image-2", "low"): 0.006,
    ("gpt-image-2", "medium"): 0.053,
    ("gpt-image-2", "high"): 0.21,
}
#: Supported models (domain.image_models) with no price published by OpenAI that we could find
#: (searched 2026-12-04; only resellers quote them, some "at gpt-image-2's token rates"). They,
#: and any model missing from the table, are budgeted as the dearest priced model at that
#: quality: limits then stop spending early rather than late.
UNPRICED_MODELS = frozenset(
    {
        "gpt-image-2.5-flare",
        "gpt-image-2.5-sunburst",
        "gpt-image-2.6-flare",
        "gpt-image-2.6-sunburst",
    }
)
_FALLBACK = {
    quality: max(price for (_, q), price in IMAGE_PRICES_USD.items() if q == quality)
    for quality in ("low", "medium", "high")
}
#: AWS per emoji (Lambda, Step Functions transitions, DynamoDB, S3): the README's cost table.
AWS_PER_EMOJI_USD = 0.00047
#: What is asked of the image service: a still at 1024², an AI animation's frames at 512² (a
#: GIF is budgeted at the 1024² price: OpenAI lists none for it, so the estimate errs high). The
#: 2.6 models take standard sizes only: their GIFs are asked at 1024² (image_models.gif_size).
STILL_SIZE = "1024x1024"
ANIMATION_SIZE = "512x512"


@dataclass(frozen=True)
class Bill:
    """What the image service billed one job (an estimate, kept with the job)."""

    images: int
    dollars: float
    model: str
    quality: str
    size: str


def bill_for(model: str, quality: str, images: int, size: str) -> Bill:
    return Bill(images, image_cost_usd(model, quality, images), model, quality, size)


def image_cost_usd(model: str, quality: str, images: int) -> float:
    """Estimated dollars for `images` images at 1024² ("auto" is budgeted as medium)."""
    level = "medium" if quality == "auto" else quality
    price = IMAGE_PRICES_USD.get((model, level), _FALLBACK.get(level, _FALLBACK["high"]))
    return round(price * images, 6)
