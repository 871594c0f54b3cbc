"""The problems a user is told about: each carries an Indonesian message that says what to do.

The CLI prints them as ``Galat: ...`` and the web chat shows them; neither shows a traceback.
"""

from __future__ import annotations


class IndexProblem(Exception):
    """An index (or the model it needs) that cannot be used; the message says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexOutdated(IndexMismatch):
    """Written by an older version of this program in a format this one does not read."""


class IndexCorrupt(IndexProblem):
    pass


class RebuildBusy(IndexProblem):
    pass


class IndexWriteFailed(IndexProblem):
    """A rebuild could not write its generation (a full disk, say); the old index stays live."""


class ModelUnavailable(IndexProblem):
    """The embedding model asked for cannot be loaded here (not on disk, hub unreachable)."""


class CorpusEmpty(IndexProblem):
    """The corpus holds no document that can be read: there is nothing to index. The web chat
    still starts (empty, inviting an upload); the CLI says what to do."""
