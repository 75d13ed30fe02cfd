"""Where the CLI writes: checked before any work starts."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUT = Path("emoji-out")


def unwritable(folder: Path) -> str | None:
    """Why nothing can be written under `folder` (None: it can), checked before any work."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"Cannot write to {folder}: {error.strerror or error}. Choose another --out folder."
    return None
