"""Pure-logic tests of tanya_trafficking.evaluate: answer matching, ranks, metric arithmetic,
and reading question files (eval lines and web-chat feedback lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tanya_trafficking.evaluate import (
    contains_answer,
    first_relevant_rank,
    follow_up_metrics,
    format_follow_ups,
    read_items,
    read_pairs,
    summarize,
)

METRIC_KEYS = {"recall@1", "mrr@10", "answer_hit", "false_abstain", "abstain_recall",
               "latency_ms_p50", "latency_ms_p95"}


# --------------------------------------------------------------------------- contains_answer


def test_contains_answer_ignores_case_and_collapses_whitespace() -> None:
    text = "Regulasi ini disebut ASEAN Convention\n  Against\tTrafficking in Persons (ACTIP)."
    assert contains_answer(text, ("asean convention against trafficking in persons",))
    assert contains_answer(text, ("ASEAN   CONVENTION\nagainst",))


def test_contains_answer_any_of_several_answers() -> None:
    text = "Pada tahun 2023 kasus human traficking sebanyak 156,330 ribu kasus."
    assert contains_answer(text, ("tidak ada di teks", "156,330"))
    assert not contains_answer(text, ("115.000", "225.000"))


def test_contains_answer_needs_the_whole_answer() -> None:
    text = "ASEAN Convention Against Trafficking"
    assert not contains_answer(text, ("ASEAN Convention Against Trafficking in Persons",))


def test_contains_answer_blank_or_no_answers_never_match() -> None:
    text = "Apa saja bisa ada di sini."
    assert not contains_answer(text, ())
    assert not contains_answer(text, ("",))
    assert not contains_answer(text, ("   ", "\n"))


# --------------------------------------------------------------------------- first_relevant_rank


def test_first_relevant_rank_is_one_based_and_first_match() -> None:
    chunks = [
        "ASEAN merupakan organisasi regional.",
        "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP).",
        "Sekali lagi: asean   convention against trafficking in persons.",
    ]
    assert first_relevant_rank(chunks, ("asean convention against trafficking",)) == 2
    assert first_relevant_rank(chunks, ("organisasi REGIONAL",)) == 1


def test_first_relevant_rank_none_when_nothing_matches() -> None:
    chunks = ["satu", "dua", "tiga"]
    assert first_relevant_rank(chunks, ("empat",)) is None
    assert first_relevant_rank(chunks, ()) is None  # unanswerable question
    assert first_relevant_rank([], ("satu",)) is None


# --------------------------------------------------------------------------- summarize


def _row(answerable: bool, rank, found: bool, hit: bool, labelled: bool = True) -> dict:
    return {"id": "x", "question": "q", "answerable": answerable, "labelled": labelled,
            "found": found, "answer_hit": hit, "rank": rank, "confidence": 0.5,
            "quotes": [], "problem": None}


def test_summarize_metric_arithmetic() -> None:
    rows = [
        _row(True, 1, found=True, hit=True),       # perfect
        _row(True, 3, found=True, hit=False),      # retrieved at 3, quotes miss the answer
        _row(True, None, found=False, hit=False),  # not retrieved, abstained (false abstain)
        _row(True, 7, found=True, hit=True),       # retrieved at 7
        _row(False, None, found=False, hit=False),  # unanswerable, correctly declined
        _row(False, None, found=True, hit=False),   # unanswerable, wrongly answered
        _row(False, None, found=True, hit=False, labelled=False),  # feedback line
    ]
    latencies = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
    m = summarize(rows, latencies, k=5)

    assert METRIC_KEYS | {"recall@5"} <= set(m)
    assert m["recall@1"] == pytest.approx(1 / 4)
    assert m["recall@5"] == pytest.approx(2 / 4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 7) / 4)
    assert m["answer_hit"] == pytest.approx(2 / 4)
    assert m["false_abstain"] == pytest.approx(1 / 4)
    assert m["abstain_recall"] == pytest.approx(1 / 2)
    assert m["latency_ms_p50"] == pytest.approx(40.0)
    assert m["latency_ms_p95"] == pytest.approx(67.0)  # linear interpolation: 60 + 0.7 * 10
    assert m["n_questions"] == 7
    assert m["n_answerable"] == 4
    assert m["n_unanswerable"] == 2  # the feedback line is neither


def test_summarize_recall_at_k_follows_k_and_mrr_stops_at_10() -> None:
    rows = [_row(True, 2, True, True), _row(True, 11, True, False)]
    m3 = summarize(rows, [1.0, 2.0], k=3)
    assert "recall@3" in m3 and "recall@5" not in m3
    assert m3["recall@3"] == pytest.approx(1 / 2)
    m20 = summarize(rows, [1.0, 2.0], k=20)
    assert m20["recall@20"] == pytest.approx(1.0)
    assert m20["recall@1"] == pytest.approx(0.0)
    assert m20["mrr@10"] == pytest.approx((1 / 2 + 0) / 2)  # rank 11 is beyond @10


def test_summarize_abstention_only_counts_labelled_rows() -> None:
    rows = [
        _row(False, None, found=False, hit=False),
        _row(False, None, found=False, hit=False),
        _row(False, None, found=True, hit=False),
        _row(False, None, found=True, hit=False, labelled=False),
        _row(True, None, found=True, hit=False, labelled=False),
    ]
    m = summarize(rows, [5.0] * 5, k=5)
    assert m["abstain_recall"] == pytest.approx(2 / 3)
    # No labelled answerable question: the answerable metrics are 0, not a division error.
    for key in ("recall@1", "recall@5", "mrr@10", "answer_hit", "false_abstain"):
        assert m[key] == 0.0
    assert m["n_answerable"] == 0 and m["n_unanswerable"] == 3 and m["n_questions"] == 5


def test_summarize_empty() -> None:
    m = summarize([], [], k=5)
    for key in METRIC_KEYS | {"recall@5"}:
        assert m[key] == 0.0
    assert m["n_questions"] == 0


def test_summarize_fractions_stay_in_unit_interval() -> None:
    rows = [_row(True, r, found=r is not None, hit=r == 1) for r in (1, 1, 2, None, 4, 9, 10)]
    rows += [_row(False, None, found=f, hit=False) for f in (True, False, False)]
    m = summarize(rows, [float(i) for i in range(len(rows))], k=5)
    for key in METRIC_KEYS - {"latency_ms_p50", "latency_ms_p95"} | {"recall@5"}:
        assert 0.0 <= m[key] <= 1.0, key
    assert m["recall@1"] <= m["recall@5"]
    assert m["latency_ms_p50"] <= m["latency_ms_p95"]


# --------------------------------------------------------------------------- read_items


def _write_lines(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
                              for x in lines) + "\n", encoding="utf-8")
    return path


def test_read_items_reads_eval_and_feedback_lines(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "campuran.jsonl", [
        {"id": "q001", "question": "Apa kepanjangan dari ACTIP?",
         "answers": ["ASEAN Convention Against Trafficking in Persons"], "type": "factual"},
        "",
        {"question": "Negara mana yang paling banyak kasusnya?", "answers": []},
        {"question": "Apa itu TPPO?", "answer": "Menurut dokumen: ...", "verdict": "baik"},
        "   ",
        {"question": "Siapa korbannya?", "answer": "Maaf ...", "verdict": "buruk"},
    ])
    items = read_items(path)
    assert [i.question for i in items] == [
        "Apa kepanjangan dari ACTIP?",
        "Negara mana yang paling banyak kasusnya?",
        "Apa itu TPPO?",
        "Siapa korbannya?",
    ]
    first, unanswerable, fb1, fb2 = items
    assert first.id == "q001"
    assert first.answers == ("ASEAN Convention Against Trafficking in Persons",)
    assert first.labelled
    # An eval line with empty answers is labelled (an unanswerable question), not feedback.
    assert unanswerable.answers == () and unanswerable.labelled
    # Feedback lines carry no gold answers: the bot's own answer is never taken as gold.
    for fb in (fb1, fb2):
        assert fb.answers == ()
        assert not fb.labelled
    ids = [i.id for i in items]
    assert all(isinstance(x, str) and x for x in ids)
    assert len(set(ids)) == len(ids)


def test_read_items_seed_question_set() -> None:
    path = Path(__file__).resolve().parents[1] / "eval" / "pertanyaan.jsonl"
    items = read_items(path)
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(items) == len(lines)
    assert all(i.labelled for i in items)
    assert [i.id for i in items] == [d["id"] for d in lines]
    assert sum(1 for i in items if not i.answers) == sum(1 for d in lines if not d["answers"])


def _scored_row(answerable: bool, confidence: float) -> dict:
    return {"labelled": True, "answerable": answerable, "confidence": confidence,
            "rank": 1 if answerable else None, "found": True, "answer_hit": answerable}


def test_calibrate_puts_the_threshold_between_the_two_groups() -> None:
    from tanya_trafficking.evaluate import calibrate

    rows = ([_scored_row(True, c) for c in (0.7, 0.8, 0.9)]
            + [_scored_row(False, c) for c in (0.1, 0.2, 0.3)])
    result = calibrate(rows)
    assert 0.3 < result["threshold"] < 0.7
    assert result["false_abstain"] == 0 and result["abstain_recall"] == 1


def test_calibrate_weighs_a_false_abstention_double() -> None:
    from tanya_trafficking.evaluate import calibrate

    # one unanswerable question scores high: catching it would wrongly decline two answerable
    rows = [_scored_row(True, c) for c in (0.5, 0.55, 0.9, 0.95)] + \
        [_scored_row(False, c) for c in (0.1, 0.2, 0.6)]
    result = calibrate(rows)
    assert result["threshold"] < 0.5
    assert result["false_abstain"] == 0


def test_plot_writes_a_png(tmp_path) -> None:
    from tanya_trafficking.evaluate import plot, summarize

    rows = [dict(_scored_row(True, 0.8), id="a", question="q", problem=None, quotes=[]),
            dict(_scored_row(False, 0.2), id="b", question="q", problem=None, quotes=[])]
    out = tmp_path / "plot.png"
    plot(summarize(rows, [10.0, 12.0], 5), out, 0.5)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 5000


# --------------------------------------------------------------------------- short answers


def test_normalize_answer_is_squad_style() -> None:
    from tanya_trafficking.evaluate import normalize_answer

    got = normalize_answer("  Global Positioning\tSystem (GPS). ")
    assert got == "global positioning system gps"
    assert normalize_answer("“8 Agustus 1967”!") == "8 agustus 1967"
    assert normalize_answer("...") == ""


def test_exact_match_takes_the_best_gold() -> None:
    from tanya_trafficking.evaluate import exact_match

    assert exact_match("bangkok.", ("Jakarta", "Bangkok")) == 1.0
    assert exact_match("Kota Bangkok", ("Bangkok",)) == 0.0
    assert exact_match("", ("Bangkok",)) == 0.0  # an abstention is no match
    assert exact_match("Bangkok", ()) == 0.0


def test_token_f1_counts_overlap_and_takes_the_best_gold() -> None:
    from tanya_trafficking.evaluate import token_f1

    # prediction 3 tokens, gold 2, overlap 2: p = 2/3, r = 1, F1 = 0.8
    assert token_f1("di kota Bangkok", ("kota bangkok",)) == pytest.approx(0.8)
    assert token_f1("di kota Bangkok", ("Jakarta", "kota bangkok")) == pytest.approx(0.8)
    assert token_f1("Bangkok, Thailand", ("Bangkok, Thailand",)) == pytest.approx(1.0)
    # repeated tokens count once per occurrence in both
    assert token_f1("a a b", ("a b b",)) == pytest.approx(2 / 3)
    assert token_f1("Jakarta", ("Bangkok",)) == 0.0
    assert token_f1("", ("Bangkok",)) == 0.0
    assert token_f1("Bangkok", ()) == 0.0


def _short_row(answerable: bool, em, f1) -> dict:
    return dict(_row(answerable, 1, found=True, hit=True), short_answer="x",
                short_em=em, short_f1=f1)


def test_summarize_short_answer_scores_over_answerable_rows() -> None:
    rows = [_short_row(True, 1.0, 1.0), _short_row(True, 0.0, 0.5),
            _short_row(True, 0.0, 0.0), _short_row(False, None, None)]
    m = summarize(rows, [1.0] * 4, k=5)
    assert m["short_em"] == pytest.approx(1 / 3)
    assert m["short_f1"] == pytest.approx(0.5)


def test_summarize_short_answer_absent_is_none_not_zero() -> None:
    rows = [_row(True, 1, found=True, hit=True), _row(False, None, found=False, hit=False)]
    m = summarize(rows, [1.0, 1.0], k=5)
    assert m["short_em"] is None and m["short_f1"] is None


class _StubBot:
    """Pure-logic stand-in for pipeline.Bot: fixed answers, with or without a short answer."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers

    def ask(self, question: str, retrieve: int = 0):
        return self.answers[question]


def test_evaluate_scores_the_short_answer_and_an_abstention_as_empty() -> None:
    from dataclasses import dataclass

    from tanya_trafficking.evaluate import EvalItem, evaluate
    from tanya_trafficking.schema import Answer, Quote

    @dataclass(frozen=True)
    class ShortAnswer(Answer):
        short_answer: str | None = None

    q = Quote("ASEAN didirikan di Bangkok pada 8 Agustus 1967.", "a.txt", None, "c1", 0.9)
    bot = _StubBot({
        "Di mana?": ShortAnswer("Di mana?", True, "[1]", (q,), 0.9, short_answer="Bangkok"),
        "Kapan?": ShortAnswer("Kapan?", True, "[1]", (q,), 0.9, short_answer="8 Agustus"),
        "Siapa?": ShortAnswer("Siapa?", False, "Maaf", (), 0.1, short_answer=None),
        "Tidak ada?": ShortAnswer("Tidak ada?", False, "Maaf", (), 0.1),
    })
    items = [EvalItem("1", "Di mana?", ("Bangkok",)),
             EvalItem("2", "Kapan?", ("8 Agustus 1967",)),
             EvalItem("3", "Siapa?", ("Thanat Khoman",)),
             EvalItem("4", "Tidak ada?", ())]
    m = evaluate(bot, items, k=5)
    assert m["short_em"] == pytest.approx(1 / 3)
    assert m["short_f1"] == pytest.approx((1 + 0.8 + 0) / 3)
    rows = {r["id"]: r for r in m["questions"]}
    assert rows["1"]["short_answer"] == "Bangkok"
    assert rows["3"]["short_f1"] == 0.0  # declined although answerable
    assert rows["4"]["short_f1"] is None  # unanswerable: abstain_recall judges it


# --------------------------------------------------------------------------- the core's parts


def _hit(source: str, text: str):
    from tanya_trafficking.schema import Chunk, Hit

    return Hit(Chunk(id=f"{source}#0", source=source, page=None, start=0, end=len(text),
                     text=text), 0.5, 0.5, 0.5)


def test_relevant_rank_by_gold_source_or_by_answer_text() -> None:
    from tanya_trafficking.evaluate import EvalItem, relevant_rank

    hits = [_hit("a.txt", "ASEAN didirikan di Bangkok."), _hit("b.txt", "Ibu kota: Bangkok."),
            _hit("c.txt", "Tidak ada apa-apa.")]
    by_text = EvalItem("1", "q", ("bangkok",))
    assert relevant_rank(hits, by_text) == 1
    # with a gold source only chunks of that document count, whatever they hold
    assert relevant_rank(hits, EvalItem("2", "q", ("bangkok",), source="b.txt")) == 2
    assert relevant_rank(hits, EvalItem("3", "q", ("bangkok",), source="c.txt")) == 3
    assert relevant_rank(hits, EvalItem("4", "q", ("bangkok",), source="z.txt")) is None
    # a benchmark's own matcher replaces contains_answer
    assert relevant_rank(hits, by_text, match=lambda text, golds: "Ibu" in text) == 2


def test_judge_ranks_quotes_and_uses_the_given_match() -> None:
    from tanya_trafficking.evaluate import EvalItem, judge
    from tanya_trafficking.schema import Answer, Quote

    quotes = (Quote("Satu.", "a.txt", None, "c1", 0.9), Quote("Jawabnya 7,5 hektar.", "a.txt",
                                                               None, "c1", 0.8))
    item = EvalItem("1", "q", ("7, 5 hektar",))
    declined = Answer("q", False, "Maaf", quotes, 0.2, (_hit("a.txt", "Jawabnya 7,5 hektar."),))
    row = judge(item, declined)
    assert row["quote_rank"] is None and row["rank"] is None  # "7, 5" is not "7,5" here
    assert not row["answer_hit"] and row["problem"] == "abstain padahal ada jawaban"

    def loose(text, golds):
        return any(g.replace(" ", "") in text.replace(" ", "") for g in golds)

    row = judge(item, declined, match=loose)
    assert row["quote_rank"] == 2 and row["rank"] == 1
    assert not row["answer_hit"]  # related quotes after an abstention are no answer hit
    found = Answer("q", True, "[1]", quotes, 0.9, ())
    assert judge(item, found, match=loose)["answer_hit"]


def test_rank_and_answer_metrics_separately() -> None:
    from tanya_trafficking.evaluate import answer_metrics, rank_metrics

    rows = [dict(_row(True, r, found=f, hit=h), quote_rank=q)
            for r, f, h, q in ((1, True, True, 1), (4, True, False, 3), (None, False, False, 2),
                               (12, True, True, None))]
    rows.append(dict(_row(False, None, found=False, hit=False), quote_rank=None))
    m = rank_metrics(rows, ks=(1, 5, 10))
    assert set(m) == {"recall@1", "recall@5", "recall@10", "mrr@10"}
    assert m["recall@1"] == pytest.approx(1 / 4)
    assert m["recall@5"] == m["recall@10"] == pytest.approx(2 / 4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 4) / 4)
    a = answer_metrics(rows)
    assert a["answer_hit"] == pytest.approx(2 / 4)
    assert a["quote_hit@1"] == pytest.approx(1 / 4)
    assert a["quote_hit@3"] == pytest.approx(3 / 4)  # a declined answer's related quotes count
    assert a["false_abstain"] == pytest.approx(1 / 4)
    assert a["abstain_recall"] == 1.0


def test_evaluate_asks_for_enough_hits_for_every_cut_off() -> None:
    from tanya_trafficking.evaluate import EvalItem, evaluate
    from tanya_trafficking.schema import Answer

    asked = []

    class Recorder:
        def ask(self, question, retrieve=0):
            asked.append(retrieve)
            return Answer(question, False, "Maaf", (), 0.0, ())

    m = evaluate(Recorder(), [EvalItem("1", "q", ("x",))], ks=(1, 5, 20))
    assert asked == [20]
    assert {"recall@1", "recall@5", "recall@20"} <= set(m) and "recall@10" not in m
    evaluate(Recorder(), [EvalItem("1", "q", ("x",))], k=3)
    assert asked[-1] == 10


# --------------------------------------------------------------------------- follow-up pairs


def test_follow_up_metrics_count_precision_recall_and_the_wrong_pairs(tmp_path: Path) -> None:
    rows = [{"id": "a", "previous": "P", "question": "lanjut 1", "follow_up": True},
            {"id": "b", "previous": "P", "question": "lanjut 2", "follow_up": True},
            {"id": "c", "previous": "P", "question": "sendiri 1", "follow_up": False,
             "note": "n"},
            {"id": "d", "previous": "P", "question": "sendiri 2", "follow_up": False}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    pairs = read_pairs(path)
    assert [p.id for p in pairs] == ["a", "b", "c", "d"] and pairs[2].note == "n"
    said = {"lanjut 1": True, "lanjut 2": False, "sendiri 1": True, "sendiri 2": False}
    result = follow_up_metrics(lambda q, prev: said[q], pairs)
    assert (result["tp"], result["fp"], result["fn"]) == (1, 1, 1)
    assert result["precision"] == result["recall"] == result["f1"] == 0.5
    assert [p.id for p in result["wrong"]] == ["b", "c"]
    report = format_follow_ups(result)
    assert "precision : 0.500" in report and "b: lanjutan terlewat" in report
    assert "c: bukan lanjutan" in report
    nothing = follow_up_metrics(lambda q, prev: False, pairs)
    assert nothing["precision"] == nothing["recall"] == nothing["f1"] == 0.0
