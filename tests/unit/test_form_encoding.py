"""The webhook's form decoding gives `parse_qs`'s answer for any body, Slack's or not."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from hypothesis import example, given
from hypothesis import strategies as st

from emoji_smith.domain.form_encoding import form_fields

#: Bodies made of what a form body holds, and of what breaks one: bad and partial escapes,
#: escapes of bytes that are not UTF-8, empty pairs, `=` twice, non-ASCII text.
PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "0",
        "=",
        "&",
        "+",
        "%",
        "%2",
        "%20",
        "%7b",
        "%7B",
        "%C3%A9",
        "%C3",
        "%A9",
        "%FF",
        "%zz",
        "\\",
        "\\x41",
        "%%41",
        "é",
        "日",
        "payload",
        " ",
        "-",
        ".",
    ]
)


@given(st.lists(PIECES, max_size=40).map("".join))
@example("payload=%7B%22type%22%3A%22view_submission%22%7D&x=&y&=z&&a=b=c")
def test_any_body_reads_as_parse_qs_reads_it(body: str) -> None:
    assert form_fields(body) == parse_qs(body, keep_blank_values=True)


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=5))
def test_any_encoded_form_reads_back(fields: dict[str, str]) -> None:
    body = urlencode(fields)
    assert form_fields(body) == parse_qs(body, keep_blank_values=True)
