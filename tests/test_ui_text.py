"""The words users read (ui_text.py): no technical jargon of the search machinery."""

from __future__ import annotations

import re

from tanya_trafficking import ui_text as ui

# Words a user of the chat or the CLI should not have to know (checked case-insensitively,
# as parts of words too: "di-embed", "potongannya"). Placeholders ({chunks}) are not text.
JARGON = ["potongan", "chunk", "%pdf", "embedding", "embed", "vektor", "vector", "token",
          "faiss", "bm25", "pickle", "pemotongan"]


def _strings(value, name: str):
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{name}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{name}[{i}]")


def ui_strings() -> list[tuple[str, str]]:
    out = []
    for name, value in vars(ui).items():
        if name.startswith("_") or callable(value) or not name.isupper():
            continue
        out.extend(_strings(value, name))
    return out


def jargon_in(text: str) -> list[str]:
    text = re.sub(r"\{[^{}]*\}", " ", text).lower()
    return [word for word in JARGON if word in text]


def test_the_scan_sees_the_strings_and_finds_jargon() -> None:
    names = {name for name, _ in ui_strings()}
    assert {"TOTALS", "DOC_META", "UPLOAD_NOT_PDF", "BUILD_CHUNKS"} <= names
    assert any(name.startswith("GRADIO_STRINGS[") for name in names)
    # The scan can fail: a string with jargon is caught, a placeholder is not.
    assert jargon_in("12 potongan teks") == ["potongan"]
    assert jargon_in("isinya tidak diawali tanda %PDF-") == ["%pdf"]
    assert jargon_in("{chunks} bagian teks ({embedded} baru diolah)") == []


def test_user_visible_strings_have_no_jargon() -> None:
    found = [(name, word) for name, text in ui_strings() for word in jargon_in(text)]
    assert not found, found
