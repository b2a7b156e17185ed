"""hio.core.http.memoing module

`Memo`: what one HTTP server remembers of the heads it has parsed and built,
so that the next arrival of the same bytes costs a lookup.

Clients send the same request lines and header blocks over and over, and
applications answer with the same few heads. A server keeps what each of
them parsed (or built) into in its own Memo, shared by the requestants and
responders of its connections; nothing is kept process wide. Every table is
bounded (a client cannot make one grow without end: past its size a table
takes no more entries) and `Memo.reset` empties them all. What a table
holds is exactly what the careful path computes from the same bytes, so a
hit and a miss give the same result.
"""

from __future__ import annotations

from typing import Any

KEPT_SIZE = 256
"""Most entries each table of a Memo holds."""

KEPT_BLOCK = 4096
"""Longest header block (in bytes) whose parse is kept."""

FIELD_NAMES_SIZE = 512
"""Most header field names remembered as valid."""

ENVIRON_KEYS_SIZE = 1024
"""Most header field names whose WSGI environ keys are remembered."""


class Memo:
    """The bounded, resettable memos of one HTTP server.

    Attributes:
        lines (dict): request line -> what it parsed into (for the methods served by default)
        blocks (dict): header block (latin-1 text) -> its (name, value) fields, checked
        framings (dict): (block, version) -> (length, chunked, expecting, persisted)
        heads (dict): whole head of a request without body -> all it parsed into
            (see Requestant._quickHead)
        names (set): header field names found to be tokens, of requests and
            of responses alike (at most FIELD_NAMES_SIZE)
        statusLines (dict): WSGI status string as given -> its validated status line
        checkedFields (set): tuples of response header fields found good as they are
        responseHeads (dict): what makes a whole response's head -> its parts
            around the Date and Server lines, the length and persistence it
            gives, and whether the body goes as it is (see Responder._wholeHead)
        environKeys (dict): header field name as sent -> its WSGI environ key
        dated (tuple): (second, its Date value, its Date and Server lines as bytes)
        size (int): most entries of each table
    """

    def __init__(self, size: int = KEPT_SIZE) -> None:
        """
        Parameters:
            size (int): most entries of each table
        """
        self.size = int(size)
        self.reset()

    def reset(self) -> None:
        """Forget everything remembered."""
        self.lines: dict[str, tuple[Any, ...]] = {}
        self.blocks: dict[str, tuple[tuple[str, str], ...]] = {}
        self.framings: dict[tuple[str, int | None], tuple[int | None, bool, bool, bool]] = {}
        self.heads: dict[bytes, tuple[Any, ...]] = {}
        self.names: set[str] = set()
        self.statusLines: dict[Any, str] = {}
        self.checkedFields: set[tuple[Any, ...]] = set()
        self.responseHeads: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.environKeys: dict[str, str] = {}
        self.dated: tuple[int, str, bytes] = (0, "", b"")
