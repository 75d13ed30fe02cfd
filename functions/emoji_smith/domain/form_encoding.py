"""Form bodies (`application/x-www-form-urlencoded`), read as `urllib.parse.parse_qs` reads them.

A view submission's body is the whole view, JSON percent-encoded: thousands of escapes, which
`parse_qs` (Python 3.11) decodes one by one in Python (~0.5 ms, most of a warm submission).
Here an ASCII value's escapes are decoded by Python's escape codec, in C; anything else
(non-ASCII text, a backslash, a `%` that starts no escape) takes `parse_qs`'s own path.
`tests/unit/test_form_encoding.py` holds the two to the same answers.
"""

from __future__ import annotations

from urllib.parse import unquote


def form_fields(text: str) -> dict[str, list[str]]:
    """`parse_qs(text, keep_blank_values=True)`: each name's values, in order."""
    fields: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        fields.setdefault(_unquote_plus(name), []).append(_unquote_plus(value))
    return fields


def _unquote_plus(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.isascii() and "\\" not in text:
        # %HH as \xHH: Python's own escape decoder turns each into the byte, all in C.
        try:
            raw = text.replace("%", "\\x").encode("ascii").decode("unicode_escape")
        except UnicodeDecodeError:  # a % that starts no escape: parse_qs's path keeps it
            pass
        else:
            return raw.encode("latin-1").decode("utf-8", "replace")
    return unquote(text, errors="replace")
