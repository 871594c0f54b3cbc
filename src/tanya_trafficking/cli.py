"""``tanya-trafficking``: parse flags, call ``pipeline`` / ``evaluate``, print. No logic here.

What it prints is in ``ui_text``; the help texts stay beside their options and commands (click's
way: ``help=`` and the command docstrings). click's own words ("Usage:", "Options", its usage
errors) are Indonesian too: ``speak_indonesian``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import ui_text as ui
from .config import Settings



def speak_indonesian() -> None:
    """click's own words in Indonesian: its headings ("Usage:", "Options", "Commands"), its
    error prefix and its usage errors ("Missing argument", "No such option", ...).

    click looks every such text up at the moment it prints it, through the ``_`` (gettext) and
    ``ngettext`` its modules import; each module gets a look-up in ``ui.CLICK_TEXT`` instead
    (a text not listed there stays as click wrote it). No global gettext domain, locale or
    catalogue file is touched, so other libraries' gettext is left alone."""
    import gettext
    import importlib

    def _(message: str) -> str:
        return ui.CLICK_TEXT.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return _(singular if n == 1 else plural)

    for name in ("core", "exceptions", "formatting", "parser", "types", "decorators", "utils",
                 "termui"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a click without this module: nothing of it to translate
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext


speak_indonesian()


class _Command(click.Command):
    """A command whose usage line reads "[OPSI]" for click's "[OPTIONS]"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", ui.CLI_OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    """The command group: "[OPSI] PERINTAH [ARGUMEN]..." in its usage line."""

    command_class = _Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", ui.CLI_OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", ui.CLI_COMMAND_METAVAR)
        super().__init__(*args, **kwargs)


_index = click.option("--index", "index", type=click.Path(path_type=Path), default=None,
                      metavar="FOLDER", help="Folder indeks (bawaan: index/ atau TANYA_INDEX).")
_corpus = click.option("--corpus", "corpus", type=click.Path(path_type=Path), default=None,
                       metavar="FOLDER",
                       help="Folder korpus (bawaan: corpus/ atau TANYA_CORPUS).")
_model = click.option("--model", "model", default=None, metavar="MODEL",
                      help="Model embedding: 'e5-onnx' (bawaan, luring) atau "
                           "id/folder sentence-transformers.")


def _settings(**flags) -> Settings:
    return Settings.from_env().replace(**flags)


def _fail(message: str, code: int = 1):
    click.echo(ui.CLI_ERROR.format(message=message), err=True)
    sys.exit(code)


def _fail_json(message: str, code: int = 1):
    """Under ``--json`` an error is JSON too (on standard output), with a non-zero exit."""
    click.echo(json.dumps({"error": message}, ensure_ascii=False))
    sys.exit(code)


def _note_stale(settings) -> None:
    """One line on standard error when the index no longer matches its corpus."""
    from . import pipeline

    note = pipeline.stale_note(settings)
    if note:
        click.echo(note, err=True)


_help = click.help_option("-h", "--help", help=ui.CLI_HELP_OPTION)


@click.group(cls=_Group)
@_help
def main():
    """Tanya Trafficking: tanya-jawab tentang perdagangan orang di Asia Tenggara,
    dijawab dengan kutipan dokumen."""


@main.command("rebuild-index")
@_help
@_corpus
@_index
@_model
@click.option("--force", is_flag=True,
              help="Tulis generasi baru walaupun korpus tidak berubah, dan baca lagi "
                   "berkas yang dilewati sebelumnya (vektor tetap dipakai ulang).")
@click.option("--quiet", "-q", is_flag=True,
              help="Tanpa baris kemajuan (yang biasanya dicetak ke galat standar).")
@click.option("--json", "as_json", is_flag=True,
              help="Cetak laporan sebagai satu objek JSON (juga untuk galat: {\"error\": ...}); "
                   "tanpa baris kemajuan.")
def rebuild_index(corpus, index, model, force, quiet, as_json):
    """Bangun ulang indeks dari korpus (aman: indeks lama tetap dipakai bila gagal). Kemajuannya
    (halaman dibaca, bagian teks diolah, perkiraan sisa waktu) dicetak ke galat standar."""
    from . import pipeline, store

    fail = _fail_json if as_json else _fail
    try:
        settings, which = pipeline.corpus_to_rebuild(
            _settings(corpus=corpus, index=index, model=model), corpus_given=corpus is not None)
    except store.IndexProblem as e:
        fail(str(e))
    if not settings.corpus.is_dir():
        fail(ui.CLI_NO_CORPUS.format(corpus=settings.corpus))
    from .progress import LinePrinter

    said: list[bool] = []

    def corpus_line() -> None:
        """Which corpus is read: said once the build has something to say (its first step,
        its report, an error), so that an empty corpus gets its one error line alone."""
        if not said and not as_json:
            said.append(True)
            click.echo(which)

    lines = None if quiet or as_json else LinePrinter(lambda line: click.echo(line, err=True))

    def step(s) -> None:
        corpus_line()
        if lines is not None:
            lines(s)

    try:
        report = pipeline.build_index(settings, force=force, on_step=step)
    except pipeline.CorpusEmpty as e:
        fail(str(e))
    except store.IndexProblem as e:
        corpus_line()
        fail(str(e))
    except OSError as e:  # the index folder itself cannot be created or locked, say
        corpus_line()
        fail(ui.CLI_REBUILD_FAILED.format(reason=ui.os_reason(e),
                                          path=e.filename or settings.index))
    corpus_line()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(report.summary())


TOP_K_MAX = 50


@main.command("ask")
@_help
@click.argument("question", metavar="PERTANYAAN")
@click.option("--json", "as_json", is_flag=True,
              help="Cetak satu objek JSON (juga untuk galat: {\"error\": ...}).")
@click.option("--top-k", type=int, default=None, metavar="N",
              help=f"Jumlah bagian teks yang diambil (1-{TOP_K_MAX}).")
@click.option("--dokumen", "dokumen", multiple=True, metavar="NAMA",
              help="Cari hanya di dokumen ini (nama berkas di korpus); boleh diulang.")
@_index
@_model
def ask(question, as_json, top_k, dokumen, index, model):
    """Jawab satu PERTANYAAN dengan kutipan dan sumbernya ("-": baca dari masukan standar)."""
    from . import pipeline, store

    fail = _fail_json if as_json else _fail
    if question == "-":
        try:
            question = sys.stdin.buffer.read().decode("utf-8").strip()
        except UnicodeDecodeError:
            fail(ui.CLI_STDIN_UNREADABLE)
    if top_k is not None and not 1 <= top_k <= TOP_K_MAX:
        fail(ui.CLI_TOP_K.format(limit=TOP_K_MAX, value=top_k))
    settings = _settings(index=index, model=model, top_k=top_k)
    problem = pipeline.check_question(question, settings)
    if problem:
        fail(problem)
    try:
        bot = pipeline.Bot.open(settings)
    except store.IndexProblem as e:
        fail(str(e))
    _note_stale(settings)
    sources = None
    if dokumen:
        try:
            sources = bot.scope(dokumen)
        except pipeline.UnknownDocuments as e:
            fail(str(e))
    result = bot.ask(question, sources=sources)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        click.echo(result.text)


@main.command("eval")
@_help
@click.argument("file", type=click.Path(exists=True, path_type=Path), metavar="BERKAS")
@click.option("--k", "k", type=int, default=5, show_default=True, metavar="K",
              help="K untuk recall@K.")
@click.option("--json", "as_json", is_flag=True, help="Cetak satu objek JSON.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, metavar="BERKAS",
              help="Simpan grafik recall@k dan sebaran skor ke berkas PNG.")
@click.option("--calibrate", is_flag=True,
              help="Sarankan ambang abstain yang paling memisahkan pertanyaan yang bisa dan "
                   "tidak bisa dijawab.")
@_index
@_model
def eval_cmd(file, k, as_json, plot, calibrate, index, model):
    """Evaluasi retrieval dan jawaban atas berkas JSONL pertanyaan."""
    from . import evaluate, pipeline, store

    settings = _settings(index=index, model=model)
    try:
        bot = pipeline.Bot.open(settings)
    except store.IndexProblem as e:
        _fail(str(e))
    _note_stale(settings)
    result = evaluate.evaluate(bot, evaluate.read_items(file), k=k)
    if calibrate:
        result["calibration"] = evaluate.calibrate(result["questions"])
    if plot:
        evaluate.plot(result, plot, settings.abstain_threshold)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(evaluate.format_report(result, k))
        if calibrate:
            c = result["calibration"]
            click.echo(ui.EVAL_THRESHOLD.format(threshold=c["threshold"],
                                                false_abstain=c["false_abstain"],
                                                abstain_recall=c["abstain_recall"]))


@main.command("check-index")
@_help
@_index
@_corpus
@_model
def check_index(index, corpus, model):
    """Periksa indeks: checksum, jumlah, dan kecocokan dengan korpus dan model (tanpa --corpus:
    korpus yang tercatat di indeks)."""
    from . import pipeline

    settings = _settings(index=index, corpus=corpus, model=model)
    ok, report = pipeline.check_index(settings, corpus_from_index=corpus is None)
    click.echo(report)
    sys.exit(0 if ok else 1)


@main.command("serve")
@_help
@_corpus
@_index
@_model
@click.option("--host", default=None, metavar="ALAMAT",
              help="Alamat (bawaan 127.0.0.1 atau TANYA_HOST).")
@click.option("--port", type=int, default=None, metavar="PORT",
              help="Port (bawaan 7860 atau TANYA_PORT).")
def serve(corpus, index, model, host, port):
    """Jalankan web chat (membangun indeks dulu bila belum ada atau usang)."""
    from . import store
    from .web.server import launch

    settings = _settings(corpus=corpus, index=index, model=model, host=host, port=port)
    if not settings.corpus.is_dir():
        _fail(ui.CLI_NO_CORPUS.format(corpus=settings.corpus))
    try:
        launch(settings)
    except store.IndexProblem as e:
        _fail(str(e))


if __name__ == "__main__":
    main()
