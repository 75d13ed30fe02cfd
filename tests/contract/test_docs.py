"""What the README promises is there: the effect gallery, one GIF per effect."""

from __future__ import annotations

from emoji_smith_local.template import PROJECT_ROOT


def test_the_readme_shows_every_effect_from_its_gif() -> None:
    from emoji_smith.domain.motion import EFFECTS

    readme = (PROJECT_ROOT / "README.md").read_text()
    for effect in EFFECTS:
        assert (PROJECT_ROOT / "docs" / "effects" / f"{effect.name}.gif").is_file()
        assert f"(docs/effects/{effect.name}.gif)" in readme
