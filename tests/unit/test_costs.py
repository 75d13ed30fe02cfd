"""The cost table covers every supported image model: a published price, or the stated fallback."""

from __future__ import annotations

import pytest

from emoji_smith.domain.costs import IMAGE_PRICES_USD, UNPRICED_MODELS, image_cost_usd
from emoji_smith.domain.image_models import DEFAULT_MODEL, MODELS

PRICED = {model for model, _ in IMAGE_PRICES_USD}


def test_every_supported_model_is_priced_or_said_to_be_unpriced() -> None:
    assert set(MODELS) == PRICED | UNPRICED_MODELS
    assert not PRICED & UNPRICED_MODELS
    assert DEFAULT_MODEL in PRICED  # budgets for the default rest on a published price


@pytest.mark.parametrize("model", sorted(UNPRICED_MODELS))
@pytest.mark.parametrize("quality", ["low", "medium", "high"])
def test_an_unpriced_model_is_budgeted_as_the_dearest_priced_one(model: str, quality: str) -> None:
    # GIVEN no published price for the model
    dearest = max(price for (_, q), price in IMAGE_PRICES_USD.items() if q == quality)
    # WHEN three images are estimated
    # THEN each costs the dearest known price at that quality
    assert image_cost_usd(model, quality, 3) == round(3 * dearest, 6)
