"""hio.base.servicing module

The one doer shape that every transport shares: a doer that keeps one
serviced resource (a TCP or HTTP client or server, a UDP or UXD peer, a
serial console), winds it to its own tyme, opens it when it enters,
services it once each run and closes it when it exits. Each transport's
doer subclasses ServiceDoer and names the resource the way its documented
API does (``.client``, ``.server``, ``.peer``, ``.console``) with an Alias.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from .doing import Doer
from .waking import Watcher, wakerOf

__all__ = ["Alias", "ServiceDoer"]

_T = TypeVar("_T")


class Alias(Generic[_T]):
    """A class attribute that reads and writes another attribute of the instance.

    ``client = Alias("servant")`` in a class body makes ``doer.client`` the
    same attribute as ``doer.servant``, under the name the documented API uses.
    """

    def __init__(self, target: str) -> None:
        """Makes the alias of attribute ``target``.

        Parameters:
            target: the name of the attribute this one stands for
        """
        self.target = target

    @overload
    def __get__(self, instance: None, owner: type) -> Alias[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> _T: ...

    def __get__(self, instance: object | None, owner: type) -> Any:
        if instance is None:
            return self
        return getattr(instance, self.target)

    def __set__(self, instance: object, value: _T) -> None:
        setattr(instance, self.target, value)


class ServiceDoer(Doer):
    """A doer that opens one resource on enter, services it each run and closes it on exit.

    The resource (the servant) has ``reopen()``, ``service()`` and
    ``close()``; when it has ``wind(tymth)`` too it is wound with this doer,
    so it keeps the tyme of the doer's scheduler. A servant that watches
    descriptors (a waking.Watcher) gets the waker of the Doist that runs the
    doer, which the tymth carries, so that a real-time Doist wakes for it. A ServiceDoer never
    completes by itself: it runs until its scheduler closes it.

    See Doer for inherited attributes, properties, and methods.

    Attributes:
        servant: the resource it opens, services and closes
    """

    def __init__(self, servant: Any, **kwa: Any) -> None:
        """Initializes with the resource to service.

        Parameters:
            servant: the resource; wound at once when a tymth is given
            kwa: Doer parameters (tymth, tock, opts)
        """
        self.servant = servant  # before Doer init, which may wind
        super().__init__(**kwa)
        if self.tymth is not None:
            self._windServant(self.tymth)

    def _windServant(self, tymth: Callable[[], float] | None) -> None:
        servant = self.servant
        wind = getattr(servant, "wind", None)
        if wind is not None:
            wind(tymth)
        waker = wakerOf(tymth)
        if waker is not None and isinstance(servant, Watcher) and servant.waker is not waker:
            servant.waker = waker  # a wound Watcher took it already

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Injects a new tymth into this doer and into its servant, changing their tyme base.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        self._windServant(tymth)

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the servant.

        Parameters:
            temp: unused: transports hold no temporary files
        """
        self.servant.reopen()

    def recur(self, tyme: float) -> bool:
        """Services the servant once; never done by itself.

        Parameters:
            tyme: the scheduler's tyme of this run
        """
        self.servant.service()
        return False

    def exit(self) -> None:
        """Closes the servant."""
        self.servant.close()
