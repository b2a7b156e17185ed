"""ServiceDoer: the doer shape every transport's doer shares."""

from __future__ import annotations

from hio.base import doing, tyming
from hio.base.servicing import Alias, ServiceDoer


class Ledger:
    """A resource that writes down what its doer asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.tymth = None

    def wind(self, tymth) -> None:
        self.tymth = tymth
        self.calls.append("wind")

    def reopen(self) -> None:
        self.calls.append("reopen")

    def service(self) -> None:
        self.calls.append("service")

    def close(self) -> None:
        self.calls.append("close")


class LedgerDoer(ServiceDoer):
    ledger = Alias("servant")


def test_service_doer_opens_services_each_run_and_closes():
    ledger = Ledger()
    doer = LedgerDoer(ledger, tock=0.25)
    doist = doing.Doist(tock=0.25, real=False, limit=1.0)
    doist.do(doers=[doer])
    assert ledger.calls[:3] == ["wind", "reopen", "service"]
    assert ledger.calls.count("service") == 4  # tymes 0.0, 0.25, 0.5, 0.75: never done by itself
    assert ledger.calls[-1] == "close"
    assert doer.done is False  # closed by the Doist at its limit
    assert ledger.tymth is not None and ledger.tymth() == doist.tyme


def test_service_doer_winds_its_servant_at_init_and_on_wind():
    tymist = tyming.Tymist(tock=0.5)
    ledger = Ledger()
    doer = LedgerDoer(ledger, tymth=tymist.tymen())
    assert ledger.calls == ["wind"]
    tymist.tick()
    assert ledger.tymth() == 0.5
    other = tyming.Tymist(tock=1.0)
    doer.wind(other.tymen())
    assert ledger.tymth() == 0.0


def test_alias_reads_and_writes_the_servant():
    first, second = Ledger(), Ledger()
    doer = LedgerDoer(first)
    assert doer.ledger is first and doer.servant is first
    doer.ledger = second
    assert doer.servant is second
    assert isinstance(LedgerDoer.ledger, Alias)


def test_a_servant_without_wind_is_serviced_all_the_same():
    class Plain:
        def __init__(self) -> None:
            self.serviced = 0
            self.opened = False

        def reopen(self) -> None:
            self.opened = True

        def service(self) -> None:
            self.serviced += 1

        def close(self) -> None:
            self.opened = False

    plain = Plain()
    doist = doing.Doist(tock=1.0, real=False, limit=3.0)
    doist.do(doers=[ServiceDoer(plain, tock=1.0)])
    assert plain.serviced == 3 and plain.opened is False
