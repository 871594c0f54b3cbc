"""Follow-up questions: the detector (``followup.is_follow_up``) cue by cue and on the labelled
development set (eval/lanjutan.jsonl, floors of issue 17), what a follow-up is searched with
(``followup.combine``), and through the real pipeline (seed index, real model): a question that
leans on the previous turn is answered with the previous question's subject.

Through the web chat (the ``/tanya`` API's ``sebelumnya``, the page's own chat event, the
answer cache): tests/test_app.py, section "follow-ups", and tests/test_web_service.py; in the
browser: tests/test_browser.py. The held-out set (eval/lanjutan-uji.jsonl) is only reported:
benchmarks/followups.py, docs/followups.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tanya_trafficking import pipeline
from tanya_trafficking.evaluate import follow_up_metrics, read_pairs
from tanya_trafficking.followup import combine, context_for, is_follow_up, replace_topic
from tanya_trafficking.query import parse

DEV_SET = Path(__file__).resolve().parents[1] / "eval" / "lanjutan.jsonl"
ACTIP = "Apa itu ACTIP?"


# --------------------------------------------------------------------------- the labelled set


def test_detector_meets_the_floors_on_the_development_set() -> None:
    pairs = read_pairs(DEV_SET)
    assert len(pairs) >= 80 and 0.4 <= sum(p.follow_up for p in pairs) / len(pairs) <= 0.6
    result = follow_up_metrics(lambda q, prev: context_for(q, prev) is not None, pairs)
    wrong = [(p.id, p.previous, p.question, p.follow_up) for p in result["wrong"]]
    assert result["precision"] >= 0.95 and result["recall"] >= 0.85, (result["precision"],
                                                                     result["recall"], wrong)


# --------------------------------------------------------------------------- cues, one by one


@pytest.mark.parametrize("question, expected", [
    ("Apa itu ACTIP?", False),  # "apa itu X": a definition
    ("Apa itu?", True),  # "itu" stands for the thing
    ("Kapan itu ditandatangani?", True),
])
def test_apa_itu_is_a_definition_but_itu_alone_points_back(question, expected) -> None:
    assert is_follow_up(question, "Berapa kasus human trafficking pada tahun 2023?") is expected


def test_a_demonstrative_after_a_name_is_a_topic_marker() -> None:
    assert not is_follow_up("Apakah ACTIP itu perjanjian yang mengikat?", "Apa itu restitusi?")
    assert is_follow_up("Apakah perjanjian itu mengikat?", "Apa itu restitusi?")


@pytest.mark.parametrize("question, expected", [
    ("Berapa kasus TPPO tahun ini?", False),  # now
    ("Sampai saat ini, berapa negara yang meratifikasi ACTIP?", False),
    ("Siapa saja yang hadir saat itu?", True),  # a time said before
])
def test_a_demonstrative_after_a_time_word(question, expected) -> None:
    assert is_follow_up(question, "Di mana ACTIP ditandatangani?") is expected


@pytest.mark.parametrize("question, expected", [
    ("Apa isi Pasal 5 Perda ini?", False),  # the document at hand
    ("Siapa penulis artikel ini?", False),
    ("Di mana perda itu ditetapkan?", True),  # the one the previous question named
])
def test_ini_after_a_document_word_is_the_document_at_hand(question, expected) -> None:
    assert is_follow_up(question, "Apa tujuan ASEAN?") is expected


def test_a_question_that_opens_with_its_topic_and_itu_stands_alone() -> None:
    assert not is_follow_up("Human trafficking itu apa sih?", "Apa tujuan ASEAN?")
    assert not is_follow_up("Perdagangan orang itu termasuk kejahatan transnasional bukan?",
                            "Apa tujuan ASEAN?")
    # the same shape on a noun the previous question named points back to it
    assert is_follow_up("Hambatan itu apa?", "Apa hambatan ASEAN?")
    # after a question word it points back
    assert is_follow_up("Mengapa hambatan itu muncul?", "Apa hambatan ASEAN?")


def test_a_demonstrative_on_a_noun_the_question_named_before_stands_alone() -> None:
    question = "ASEAN memegang prinsip non-intervensi, mengapa prinsip tersebut dipegang?"
    assert not is_follow_up(question, "Apa itu restitusi?")
    assert is_follow_up("Mengapa prinsip tersebut dipegang?", "Apa itu restitusi?")


@pytest.mark.parametrize("question, expected", [
    ("Apa tujuan dibentuknya ASEAN?", False),  # issue 17: the owner follows
    ("Siapa saja korbannya human trafficking di Asia Tenggara?", False),
    ("Apa artinya eksploitasi?", False),
    ("Apa dampaknya bagi korban?", True),  # a preposition is not an owner
    ("Apa tujuannya?", True),
    ("Berapa jumlahnya tahun 2022?", True),  # nor is a time
])
def test_nya_whose_owner_follows_stands_alone(question, expected) -> None:
    assert is_follow_up(question, "Apa penyebab human trafficking?") is expected


@pytest.mark.parametrize("question, expected", [
    ("Kabupaten mana yang korbannya paling banyak?", False),  # issue 17
    ("Negara mana yang paling banyak kasusnya di Asia Tenggara?", False),
    ("Negara mana saja yang sudah meratifikasinya?", True),  # a verb's object
    ("Berapa pasal yang ada di dalamnya?", True),  # after a preposition
    ("Siapa yang menandatanganinya?", True),  # "siapa" heads nothing
])
def test_nya_in_a_relative_clause_belongs_to_its_head(question, expected) -> None:
    assert is_follow_up(question, "Apa isi Perda DIY 6/2025?") is expected


@pytest.mark.parametrize("question, expected", [
    ("Siapa ketua gugus tugas TPPO dan apa tugasnya?", False),
    ("Apakah pelaku TPPO bisa dipidana walaupun korbannya setuju?", False),
    ("Apa akibatnya jika ASEAN tetap memegang prinsip non-intervensi?", False),  # forward
    ("Apa hukuman dan sanksinya?", True),  # the first clause names no topic
    ("Siapa korban TPPO dan apa yang mereka alami?", False),  # a pronoun, likewise
])
def test_nya_or_a_pronoun_pointing_to_another_clause_stands_alone(question, expected) -> None:
    assert is_follow_up(question, "Apa itu restitusi?") is expected


def test_adverbs_in_nya_never_point_back() -> None:
    assert not is_follow_up("Sebenarnya apa itu human trafficking?", "Apa itu IOM?")
    assert not is_follow_up("Bagaimana biasanya korban TPPO direkrut?", "Apa itu IOM?")


def test_a_personal_pronoun_points_back() -> None:
    assert is_follow_up("Kenapa mereka jadi sasaran perdagangan orang?", ACTIP)
    assert is_follow_up("Kapan beliau menjabat gubernur?", ACTIP)


@pytest.mark.parametrize("question", ["bagaimana dengan tahun 2022?", "Bagaimana dengan UN Women?",
                                      "kalau Pasal 6?", "terus siapa ketua gugus tugas TPPO?",
                                      "yang laki-laki berapa?"])
def test_openers_lean_on_the_previous_question(question) -> None:
    assert is_follow_up(question, ACTIP)


def test_a_question_ending_on_a_word_that_needs_a_complement() -> None:
    assert is_follow_up("Apakah Indonesia termasuk?", "Negara mana saja yang meratifikasi ACTIP?")
    assert not is_follow_up("Apakah Indonesia termasuk negara ASEAN?", ACTIP)
    assert is_follow_up("Apakah ASEAN berhasil menanggulangi?", ACTIP)


def test_a_question_without_a_topic_of_its_own() -> None:
    assert is_follow_up("Kapan didirikan?", ACTIP)  # a verb is not a topic
    assert is_follow_up("Tahun berapa?", ACTIP)  # nor a time word
    assert not is_follow_up("Siapa Sekjen ASEAN?", ACTIP)  # issue 17: a name
    assert not is_follow_up("Korban TPPO 2023?", ACTIP)
    # a noun of its own stands alone; one the previous question already has does not
    assert not is_follow_up("Berapa jumlah korban?", ACTIP)
    assert is_follow_up("Berapa jumlah korban?", "Berapa jumlah korban perdagangan orang 2023?")


def test_context_for_needs_a_previous_question() -> None:
    assert context_for("Kapan didirikan?", ACTIP) == ACTIP
    assert context_for("Kapan didirikan?", None) is None
    assert context_for("Kapan didirikan?", "  ") is None
    assert context_for("Siapa Sekjen ASEAN?", ACTIP) is None


# --------------------------------------------------------------------------- what is searched


@pytest.mark.parametrize("previous, question, searched", [
    ("Apa peran ASEAN dalam pencegahan human trafficking?", "Bagaimana dengan UN Women?",
     "Apa peran UN Women dalam pencegahan human trafficking?"),
    ("Berapa kasus human trafficking pada tahun 2023?", "bagaimana dengan tahun 2022?",
     "Berapa kasus human trafficking pada tahun 2022?"),
    ("Berapa kasus TPPO di Indonesia tahun 2023?", "kalau 2022?",
     "Berapa kasus TPPO di Indonesia tahun 2022?"),
    ("Apa isi Pasal 5 Perda DIY 6/2025?", "Kalau Pasal 6?", "Apa isi Pasal 6 Perda DIY 6/2025?"),
    ("Apa peran keluarga dalam pencegahan TPPO?", "Bagaimana dengan peran sekolah?",
     "Apa peran sekolah dalam pencegahan TPPO?"),
    ("Apa definisi human trafficking menurut UNODC?",
     "Bagaimana dengan definisi menurut UU 21 Tahun 2007?",
     "Apa definisi human trafficking menurut UU 21 Tahun 2007?"),
    ("Apa itu ACTIP? Kapan itu ditandatangani?", "Bagaimana dengan UN Women?",
     "Apa itu UN Women? Kapan itu ditandatangani?"),  # a chain: the latest name
    ("Berapa persen kasus di Asia Tenggara menurut Global Organized Crime Index 2023?",
     "Bagaimana dengan UNODC?", "Berapa persen kasus di Asia Tenggara menurut UNODC?"),
])
def test_bagaimana_dengan_puts_the_new_topic_in_the_previous_place(previous, question,
                                                                   searched) -> None:
    assert replace_topic(previous, question) == searched


@pytest.mark.parametrize("previous, question", [
    ("Siapa saja organisasi yang memperingatkan negara-negara?", "Bagaimana dengan IOM?"),
    ("Apa sanksi bagi pelaku TPPO?", "Bagaimana kalau pelakunya korporasi?"),
    (ACTIP, "Kapan didirikan?"),
])
def test_without_a_place_for_it_the_questions_are_searched_together(previous, question) -> None:
    assert replace_topic(previous, question) is None
    assert combine(previous, question) == (f"{previous} {question}", question)


def test_parse_of_a_bagaimana_dengan_follow_up_leaves_the_old_topic_out() -> None:
    """Issue 17: "Bagaimana dengan UN Women?" after an ACTIP question searched ACTIP first."""
    q = parse("Bagaimana dengan UN Women?", context="Apa tujuan ACTIP?")
    assert q.original == "Apa tujuan UN Women?"
    terms = {t for c in q.concepts for t in c.all_terms()}
    assert "actip" not in terms and {"un", "women"} <= terms
    # the type is the previous question's frame: "berapa", not the opener's "bagaimana"
    year = parse("bagaimana dengan tahun 2022?",
                 context="Berapa kasus human trafficking pada tahun 2023?")
    assert year.qtype == "berapa" and "2023" not in year.normalized


# --------------------------------------------------------------------------- the pipeline


@pytest.fixture(scope="module")
def bot(seed_settings) -> pipeline.Bot:
    return pipeline.Bot.open(seed_settings)


@pytest.mark.slow
def test_short_follow_up_uses_the_previous_question(bot):
    answer = bot.ask("Kapan ACTIP didirikan?")
    follow = bot.ask("Kapan didirikan?", previous="Apa kepanjangan dari ACTIP?")
    assert answer.found and follow.found
    assert any("2015" in q.text for q in follow.quotes)
    assert follow.question == "Kapan didirikan?"


@pytest.mark.slow
def test_bagaimana_dengan_follow_up_finds_the_other_year(bot):
    follow = bot.ask("bagaimana dengan tahun 2022?",
                     previous="Berapa kasus human trafficking pada tahun 2023?")
    assert follow.found
    assert any("115.000" in q.text for q in follow.quotes)


@pytest.mark.slow
def test_a_standalone_question_is_not_changed_by_the_previous_one(bot):
    alone = bot.ask("Apa kepanjangan dari ACTIP?")
    after = bot.ask("Apa kepanjangan dari ACTIP?",
                    previous="Berapa kasus human trafficking pada tahun 2023?")
    assert [q.text for q in alone.quotes] == [q.text for q in after.quotes]


@pytest.mark.slow
def test_a_follow_up_answer_carries_its_query_context_and_highlights(bot):
    """The Answer carries the question as it was searched: a follow-up's highlights mark the
    previous question's words too ("ACTIP" in "Kapan didirikan?"), from the same parse."""
    alone = bot.ask("Kapan didirikan?")
    follow = bot.ask("Kapan didirikan?", previous="Apa kepanjangan dari ACTIP?")
    assert alone.context is None and alone.query.original == "Kapan didirikan?"
    assert follow.context == "Apa kepanjangan dari ACTIP?"
    assert follow.query.original == "Apa kepanjangan dari ACTIP? Kapan didirikan?"
    assert follow.query.qtype == "kapan"  # the type comes from the question alone
    assert len(follow.highlights) == len(follow.quotes)
    quote = next(q for q in follow.quotes if "2015" in q.text)
    spans = follow.highlights[follow.quotes.index(quote)]
    marked = {(quote.text[s:e], kind) for s, e, kind in spans}
    assert ("ACTIP", "term") in marked and ("2015", "answer") in marked
    # The JSON of an answer is as before: the new fields are not part of it.
    assert set(follow.to_json()) == {"question", "found", "answer", "short_answer",
                                     "confidence", "quotes"}


@pytest.mark.slow
def test_issue_17_standalone_questions_after_an_unrelated_one(bot):
    """Issue 17: "Apa tujuan dibentuknya ASEAN?" after the case figures was searched with them
    (and abstained); it is answered as itself."""
    alone = bot.ask("Apa tujuan dibentuknya ASEAN?")
    after = bot.ask("Apa tujuan dibentuknya ASEAN?",
                    previous="Berapa kasus human trafficking pada tahun 2023?")
    assert after.context is None and after.found
    assert [q.text for q in after.quotes] == [q.text for q in alone.quotes]


@pytest.mark.slow
def test_bagaimana_dengan_a_name_searches_the_new_name_not_the_old_one(bot):
    """Issue 17: "Bagaimana dengan UN Women?" after an ACTIP question repeated the ACTIP
    answer; it is searched as "Apa itu UN Women?" and quotes UN Women."""
    follow = bot.ask("Bagaimana dengan UN Women?", previous="Apa itu ACTIP?")
    assert follow.context == "Apa itu ACTIP?"  # the chat's note still names the previous one
    assert follow.query.original == "Apa itu UN Women?"
    assert follow.found and "UN Women" in follow.quotes[0].text
    assert "ACTIP" not in follow.quotes[0].text
