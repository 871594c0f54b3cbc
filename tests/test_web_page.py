"""The chat page's own logic (web/page.py), without Gradio: which previous question a
follow-up leans on, a conversation's bounded history, when the documents panel is sent again
(over a real small index). The page itself: test_app.py and
test_browser.py; its limits: test_app_security.py."""

from __future__ import annotations

from tanya_trafficking.web import page


def test_previous_question_is_the_last_one_searched() -> None:
    assert page.previous_question({}) is None
    # Message index -> turn: only questions the bot searched (answered or not found) have
    # one; a refused question leaves none, so the one before it counts.
    turns = {1: {"question": "Apa itu ACTIP?"}, 3: {"question": "Kapan didirikan?"}}
    assert page.previous_question(turns) == "Kapan didirikan?"
    assert page.previous_question({1: {"question": "Apa itu ACTIP?"}}) == "Apa itu ACTIP?"
    # a follow-up's own context comes along, so a chain keeps its subject (bounded in length)
    chained = {1: {"question": "Apa itu ACTIP?"},
               3: {"question": "Kapan itu ditandatangani?", "previous": "Apa itu ACTIP?"}}
    assert page.previous_question(chained) == "Apa itu ACTIP? Kapan itu ditandatangani?"
    long_chain = {1: {"question": "Kapan itu?", "previous": "kata " * 200 + "ACTIP"}}
    got = page.previous_question(long_chain)
    assert len(got) <= page.CHAIN_MAX_CHARS and got.endswith("ACTIP Kapan itu?")
    assert not got.startswith(" ") and got.split()[0] == "kata"  # whole words only


def test_conversation_keeps_a_bounded_history() -> None:
    hist = [{"role": "user" if i % 2 == 0 else "assistant", "content": str(i)}
            for i in range(page.MAX_HISTORY)]
    turns = {i: {"n": i} for i in range(1, page.MAX_HISTORY, 2)}
    hist2, turns2 = page._trim(hist, turns)
    assert len(hist2) + 2 <= page.MAX_HISTORY
    for i, turn in turns2.items():
        assert hist2[i]["content"] == str(turn["n"])  # indices follow their messages


def test_the_page_script_and_head_get_their_words_from_ui_text() -> None:
    import json

    from tanya_trafficking import ui_text as ui

    assert "__TT_" not in page.PAGE_JS and "__TT_" not in page.HEAD
    start = page.PAGE_JS.index("const T = ") + len("const T = ")
    words = json.JSONDecoder().raw_decode(page.PAGE_JS[start:])[0]
    assert words == json.loads(json.dumps(ui.PAGE_SCRIPT_TEXT))  # the very same words
    assert ui.PAGE_DESCRIPTION in page.HEAD


def test_the_panel_is_sent_again_only_when_its_version_changed(small_index) -> None:
    from tanya_trafficking import pipeline
    from tanya_trafficking.web.service import ChatService

    service = ChatService(small_index, bot=pipeline.Bot.open(small_index))
    panel, start, version = page.panel_refresh(service, "")  # a page that shows nothing yet
    assert "actip.txt" in panel and start["examples"] and version == service.panel_version()
    assert page.panel_refresh(service, version) is None  # unchanged: nothing to redraw
    done = list(service.change_document("hapus", "laporan/kasus.md"))[-1]
    assert done.kind == "done" and done.outcomes[0].ok, done
    panel, _, newer = page.panel_refresh(service, version)
    assert newer != version and "kasus.md" not in panel and "actip.txt" in panel
    assert page.panel_refresh(service, newer) is None
