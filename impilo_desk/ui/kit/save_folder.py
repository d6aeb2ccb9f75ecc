"""Where an export dialog opens: the user's documents folder, then the last folder used.

Never the working folder (for ``make run`` that is the source checkout). One per dialog kind and
window; a tab keeps its own.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs


class SaveFolder:
    """The folder a save dialog starts in.

    Args:
        documents: The first folder offered (default: the user's documents folder, or home when
            the platform has none).
    """

    def __init__(self, documents: Path | None = None) -> None:
        self._first = documents
        self._last: Path | None = None

    @property
    def folder(self) -> Path:
        """The folder the next dialog opens in."""
        if self._last is not None:
            return self._last
        if self._first is None:
            self._first = Path(platformdirs.user_documents_dir())
        return self._first if self._first.is_dir() else Path.home()

    def suggest(self, file_name: str) -> str:
        """The path to offer for ``file_name`` (in :attr:`folder`)."""
        return str(self.folder / file_name)

    def used(self, path: str | Path) -> None:
        """Remembers the folder of a file the user chose."""
        self._last = Path(path).parent
