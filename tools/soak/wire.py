"""What the soak's clients send and what its servers must answer, shared by server.py and load.py.

Every answer is a function of what was asked, so a client checks each one
byte for byte without keeping what it sent: the JSON endpoint pads its answer
with ``padOf(seq, size)``, each server-sent event carries ``eventOf(stream,
index)``, and the echo servers answer each payload with itself.
"""

from __future__ import annotations

import json

JSON_PATH = "/json"
"""Keep-alive JSON endpoint: GET answers the query's seq with a pad, POST the sum of the posted values."""

EVENTS_PATH = "/events"
"""Server-sent event stream endpoint: ``count`` events, ``interval`` seconds apart, then the end."""

MAX_PAD = 65536
"""Largest pad the JSON endpoint makes, so that no query makes the server build a huge answer."""

MAX_EVENTS = 1000
"""Most events one stream carries."""

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def padOf(seq: int, size: int) -> str:
    """The pad the JSON endpoint answers for request ``seq``: ``size`` characters that depend on seq."""
    start = seq % len(ALPHABET)
    unit = ALPHABET[start:] + ALPHABET[:start]
    return (unit * (size // len(unit) + 1))[:size]


def jsonAnswer(seq: int, size: int) -> dict:
    """The document GET /json?seq=SEQ&size=SIZE answers."""
    return {"seq": seq, "size": size, "pad": padOf(seq, size)}


def postAnswer(seq: int, values: list[int]) -> dict:
    """The document POST /json answers for the posted ``{"seq": seq, "values": values}``."""
    return {"seq": seq, "count": len(values), "sum": sum(values)}


def eventOf(stream: int, index: int) -> bytes:
    """Event ``index`` of event stream ``stream``, framed as text/event-stream (id, event, data, blank line)."""
    data = json.dumps({"stream": stream, "index": index, "pad": padOf(stream + index, 48)}, separators=(",", ":"))
    return b"id: %d\nevent: tick\ndata: %s\n\n" % (index, data.encode("ascii"))
