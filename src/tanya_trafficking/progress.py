"""Progress of an index build or an upload: phases, a fraction that never goes back, and an
estimate of the time left. Pure arithmetic and Indonesian text (``ui_text``); no I/O except
``LinePrinter``, which writes the lines ``rebuild-index`` prints to a stream it is given.

A build reports ``Step``s (``building.build(on_step=...)``, ``loaders.load_file(on_page=...)``):
a phase and a count within it (pages of a file, chunks embedded). ``Tracker`` turns each step
into a ``Snapshot``: the overall fraction (each phase has a weight; the fraction is the
finished phases' weights plus the current phase's share, and never smaller than one shown
before, whatever order steps arrive in), the text ("Membaca laporan.pdf (berkas 1 dari 2):
halaman 40 dari 125") and the time left in the current phase from its measured rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import ui_text as ui

# Share of the whole each phase gets (normalised over the phases a tracker follows). Embedding
# is the bulk of a build (docs/scaling.md); reading a PDF is ~10-30 ms a page.
WEIGHTS = {"check": 0.10, "read": 0.15, "model": 0.08, "embed": 0.52, "write": 0.10,
           "load": 0.05}
BUILD_PHASES = ("read", "model", "embed", "write")  # rebuild-index, serve's first build
UPLOAD_PHASES = ("check", "read", "model", "embed", "write", "load")  # the web chat's upload
ETA_AFTER_S = 1.0  # no estimate before a phase has run this long (too few measurements)
ETA_MAX_S = 24 * 3600


@dataclass(frozen=True)
class Step:
    """Where a build is: ``phase`` (a key of WEIGHTS), ``done`` of ``total`` in it (pages of
    the file being read, chunks embedded; 0 of 0: started, no count), and for per-file phases
    the file: ``item`` (1-based) of ``items``, named ``name``. ``work``/``work_total``, when
    given, measure the share better than the count (characters embedded: chunks are embedded
    shortest first, so the last ones take longest)."""

    phase: str
    done: int = 0
    total: int = 0
    item: int = 0
    items: int = 0
    name: str = ""
    work: int = 0
    work_total: int = 0

    def share(self) -> float:
        """How far into its phase this step is, 0..1."""
        if self.work_total > 0:
            part = min(1.0, max(0.0, self.work / self.work_total))
        else:
            part = min(1.0, max(0.0, self.done / self.total)) if self.total > 0 else 0.0
        if self.items > 0:
            return min(1.0, max(0.0, (min(self.item, self.items) - 1 + part) / self.items))
        return part

    def to_tuple(self) -> tuple:
        """Plain values, to cross a process boundary (``from_tuple``)."""
        return (self.phase, self.done, self.total, self.item, self.items, self.name, self.work,
                self.work_total)

    @classmethod
    def from_tuple(cls, values) -> Step:
        phase, done, total, item, items, name, work, work_total = values
        return cls(str(phase), int(done), int(total), int(item), int(items), str(name),
                   int(work), int(work_total))


@dataclass(frozen=True)
class Snapshot:
    fraction: float  # 0..1, never smaller than the tracker's previous one
    text: str  # Indonesian: what is happening, with counts
    eta_s: float | None = None  # seconds left in the current phase, None: not known yet

    @property
    def percent(self) -> int:
        """Whole percent, rounded down: 100 only when everything is done."""
        return min(100, max(0, math.floor(self.fraction * 100 + 1e-9)))

    @property
    def eta_text(self) -> str:
        """"sisa sekitar 40 detik", or "" when not known."""
        return "" if self.eta_s is None else ui.PROGRESS_ETA.format(time=format_seconds(self.eta_s))

    def line(self) -> str:
        """One line for the console: "[ 42%] Mengolah bagian teks: 64 dari 300, sisa ..."."""
        if self.eta_s is None:
            return ui.PROGRESS_LINE.format(pct=self.percent, text=self.text)
        return ui.PROGRESS_LINE_ETA.format(pct=self.percent, text=self.text, eta=self.eta_text)


def format_seconds(seconds: float) -> str:
    """A duration in Indonesian, rounded up to steps a reader can use: "3 detik",
    "25 detik", "1 menit 30 detik", "12 menit"."""
    s = max(1, math.ceil(seconds))
    if s < 10:
        return ui.PROGRESS_SECONDS.format(n=s)
    if s < 60:
        return ui.PROGRESS_SECONDS.format(n=min(60, 5 * math.ceil(s / 5)))
    if s < 600:
        s = 10 * math.ceil(s / 10)
        m, rest = divmod(s, 60)
        return ui.PROGRESS_MINUTES.format(n=m) if rest == 0 else \
            ui.PROGRESS_MINUTES_SECONDS.format(m=m, s=rest)
    return ui.PROGRESS_MINUTES.format(n=math.ceil(s / 60))


def step_text(step: Step) -> str:
    """The Indonesian text of a step, with its counts."""
    name = step.name
    if step.phase == "check":
        return ui.PROGRESS_CHECK_PAGES.format(name=name, done=step.done, total=step.total) \
            if step.total > 1 else ui.PROGRESS_CHECK.format(name=name)
    if step.phase == "read":
        values = dict(name=name, item=max(1, step.item), items=max(1, step.items),
                      done=step.done, total=step.total)
        return ui.PROGRESS_READ_PAGES.format(**values) if step.total > 1 \
            else ui.PROGRESS_READ.format(**values)
    if step.phase == "embed":
        return ui.PROGRESS_EMBED.format(done=ui.number(step.done), total=ui.number(step.total))
    return {"model": ui.PROGRESS_MODEL, "write": ui.PROGRESS_WRITE,
            "load": ui.PROGRESS_LOAD}.get(step.phase, "")


class Tracker:
    """Steps -> snapshots for one build or upload following ``phases`` (in their order).

    The fraction is monotone: a step that would move it back (a late message, a phase that
    repeats because a rebuild waited for another) keeps the previous fraction, though its text
    is shown. A step of a phase the tracker does not follow moves nothing."""

    def __init__(self, phases: tuple[str, ...] = BUILD_PHASES,
                 clock: Callable[[], float] = time.monotonic):
        total = sum(WEIGHTS[p] for p in phases)
        self._start: dict[str, float] = {}
        self._weight: dict[str, float] = {}
        acc = 0.0
        for p in phases:
            self._start[p], self._weight[p] = acc / total, WEIGHTS[p] / total
            acc += WEIGHTS[p]
        self._clock = clock
        self.fraction = 0.0
        self.text = ""
        self._key: tuple[str, int] | None = None  # the phase and file being measured
        self._anchor: tuple[float, float] = (0.0, 0.0)  # (time, local share) when it began

    def update(self, step: Step) -> Snapshot:
        now = self._clock()
        share = step.share()
        local = _local_share(step)
        if (step.phase, step.item) != self._key:  # a new phase, or the next file in it
            self._key, self._anchor = (step.phase, step.item), (now, local)
        if step.phase in self._start:
            self.fraction = max(self.fraction, min(
                1.0, self._start[step.phase] + self._weight[step.phase] * share))
        self.text = step_text(step)
        return Snapshot(self.fraction, self.text, self._eta(step, local, now))

    def note(self, text: str) -> Snapshot:
        """A message without a count (waiting for another upload, say): same fraction."""
        self.text = text
        return Snapshot(self.fraction, text)

    def finish(self, text: str = "") -> Snapshot:
        self.fraction = 1.0
        return Snapshot(1.0, text or self.text)

    def _eta(self, step: Step, local: float, now: float) -> float | None:
        """Time left in the current phase (of a phase per file: in the current file, whose
        pages the text counts) at the rate measured since it began; None until it has run
        ETA_AFTER_S and moved, when it is done, and for phases without counts."""
        t0, local0 = self._anchor
        elapsed = now - t0
        if step.total <= 0 or local >= 1.0 or elapsed < ETA_AFTER_S or local <= local0:
            return None
        left = (1.0 - local) * elapsed / (local - local0)
        return min(ETA_MAX_S, max(0.0, left))


def _local_share(step: Step) -> float:
    """How far into what the text counts a step is: the current file's pages for a phase per
    file, else the phase."""
    if step.items > 0:
        return min(1.0, max(0.0, step.done / step.total)) if step.total > 0 else 0.0
    return step.share()


class LinePrinter:
    """Prints a build's progress as lines (``rebuild-index``, ``serve``): at every new phase,
    at most one line per ``every_s`` seconds within a phase, and when a phase is complete.
    Works the same on a terminal and in a log file (no carriage returns)."""

    def __init__(self, write: Callable[[str], None], phases: tuple[str, ...] = BUILD_PHASES,
                 every_s: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self._write = write
        self._tracker = Tracker(phases, clock)
        self._every = every_s
        self._clock = clock
        self._last: tuple[str, float] | None = None  # (phase, time) of the last line
        self._last_line = self._last_text = ""

    def __call__(self, step: Step) -> None:
        snap = self._tracker.update(step)
        now = self._clock()
        complete = step.total > 0 and step.done >= step.total and \
            (step.items <= 0 or step.item >= step.items)
        due = self._last is None or self._last[0] != step.phase or \
            now - self._last[1] >= self._every or complete
        line = snap.line()
        repeated = snap.text == self._last_text and snap.fraction < 1.0  # "Memuat model" twice
        if due and line != self._last_line and not repeated:
            self._write(line)
            self._last, self._last_line, self._last_text = (step.phase, now), line, snap.text
