"""The tutorial's examples (hio.demo.tutorial) really run and give what the tutorial says."""

from __future__ import annotations

import itertools

from hio.demo.tutorial import echo, sse, wsgi


def test_echo(capsys):
    assert echo.main() == [b"hello", b"hierarchical", b"io"]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "tyme 0.06250: sent b'hello', got back b'hello'"
    assert len(out) == 3


def test_wsgi(capsys):
    got, posted = wsgi.main()
    assert got.status == 200 and got.data["greeting"] == "hello"
    assert posted.status == 201 and posted.data["greeting"] == "hello hio"
    assert posted.data["tyme"] > got.data["tyme"]
    assert capsys.readouterr().out.startswith("200 {'greeting': 'hello'")


def test_sse(capsys):
    events = sse.main()
    assert [event["id"] for event in events] == ["1", "2", "3", "4"]
    tymes = [event["data"]["tyme"] for event in events]
    assert [round(b - a, 6) for a, b in itertools.pairwise(tymes)] == [0.25, 0.25, 0.25]
    assert len(capsys.readouterr().out.splitlines()) == 4
