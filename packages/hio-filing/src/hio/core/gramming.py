"""hio.core.gramming module

What the datagram transports share. A datagram Peer, UDP (hio.core.udp) or
Unix domain (hio.core.uxd), mixes in GramQueue: received datagrams wait in
``.rxgs``, at most ``.maxRxgs`` of them (see GramQueue for what happens when
it is full); datagrams to send wait, in order, in ``.txgs`` until its socket
has room for them; those that cannot be delivered are reported in
``.undelivered``. A datagram is never cut: one larger than the transport
carries raises GramSizeError. A GramDoer opens its Peer when it enters,
services both queues every run and closes the Peer when it exits, backing
off while the Peer cannot be opened for lack of descriptors or memory.
"""

from __future__ import annotations

import errno
import socket
from collections import deque
from typing import Any

from hio import help
from hio.base.servicing import Alias, ServiceDoer
from hio.base.waking import Watcher
from hio.core import coring
from hio.hioing import HioError

__all__ = ["AGAIN", "GramDoer", "GramQueue", "GramSizeError"]

logger = help.ogler.getLogger()

AGAIN = frozenset((errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS, errno.EINTR))
"""Error numbers of a send that found no room now: nothing was sent, send it again later."""


class GramSizeError(HioError, ValueError):
    """A datagram larger than the transport can carry in one piece."""


class GramQueue(Watcher):
    """Mixin for a datagram Peer: the queues of its datagrams and their service.

    Its socket is watched (see waking.Watcher) on the waker of the Doist
    whose GramDoer runs it, or on one assigned to ``.waker``.

    The Peer provides ``.name``, ``.ls`` (its socket, None while closed), ``.wl``
    (WireLog or None), ``.MaxGramSize`` or its own ``.maxGramSize``, ``_where()``,
    ``receive()`` returning (data, source), (b'', None) when nothing waits, and
    ``send(data, destination)`` returning the bytes sent, 0 when the socket has
    no room now.

    Class Attributes:
        Kind (str): name of the transport in messages and logs, such as "UDP"
        UndeliveredSize (int): how many undelivered reports are kept
        MaxRxgs (int): default of .maxRxgs, 256 received datagrams
        DropOldest (bool): True means a datagram received while .rxgs is full
            drops the oldest, False means none is read until there is room
        Reads (int): most datagrams read in one service, as a multiple of .maxRxgs

    Attributes:
        ls (socket.socket | None): the local socket when open
        rxgs (deque): received (data, source) duples, oldest first, at most .maxRxgs
        maxRxgs (int): most received datagrams that wait in .rxgs
        dropped (int): count of received datagrams dropped, oldest first, because
            .rxgs held .maxRxgs already when a newer one came (see .DropOldest)
        txgs (deque): (data, destination) duples waiting to be sent, in order
        undelivered (deque): (destination, OSError) duples, one for each queued
            datagram that could not be delivered, newest last, at most .UndeliveredSize

    Bounded receive queue: a peer can send faster than the application
    consumes, so .rxgs holds at most .maxRxgs datagrams, and what happens
    when it is full is the transport's policy, .DropOldest:

    - True (UDP, the default): a datagram that comes while .rxgs is full
      drops the oldest waiting one, counted in .dropped. UDP has no flow
      control, so the sender would not slow down anyway: the kernel drops
      what its buffer has no room for. Dropping the oldest keeps what the
      application reads fresh: after a flood, a datagram sent later reaches
      the consumer once at most .maxRxgs older ones are taken, instead of
      after everything the flood left behind. Each service drains the socket,
      reading at most .Reads * .maxRxgs datagrams, so that the socket's buffer
      has room for what comes next while a flood cannot hold the scheduler up.
    - False (UXD): nothing more is read while .rxgs is full. Unix datagram
      sockets are reliable: the datagrams wait in the socket, and once its
      buffer is full the kernel makes the sender wait (it gets no room, as a
      GramQueue sender backs off), so nothing is lost and .dropped stays 0.

    The default of 256 bounds the queue to 16 MiB even of the largest
    datagrams, and a consumer taking one datagram a millisecond sees one
    sent after a flood within about a quarter of a second.
    """

    Kind = "datagram"
    UndeliveredSize = 1024  # how many undelivered reports are kept
    MaxRxgs = 256  # most received datagrams waiting in .rxgs
    Reads = 4  # most datagrams read in one service, in units of .maxRxgs
    DropOldest = True  # a datagram received while .rxgs is full drops the oldest (see class docs)

    MaxGramSize: int
    name: str
    wl: Any
    opened: bool

    def __init__(self, *pa: Any, **kwa: Any) -> None:
        """Makes the empty queues; passes every parameter on to the next class.

        Parameters:
            pa: positional parameters of the next class in the MRO (the Peer's own)
            kwa: keyword parameters of the next class in the MRO
        """
        self.ls: socket.socket | None = None
        self.rxgs: deque = deque()
        self.maxRxgs = self.MaxRxgs
        self.dropped = 0
        self.txgs: deque = deque()
        self.undelivered: deque = deque(maxlen=self.UndeliveredSize)
        super().__init__(*pa, **kwa)

    def _where(self) -> Any:
        """Returns where this Peer is, for messages: its address or path."""
        return self.name

    def receive(self) -> tuple[bytes, Any]:
        """Receives one datagram: (data, source), (b'', None) when nothing waits."""
        raise NotImplementedError

    def send(self, data: bytes, dst: Any) -> int:
        """Sends one datagram; returns bytes sent, 0 when the socket has no room now.

        Parameters:
            data: the datagram's bytes
            dst: destination address: a (host, port) for UDP, a path for UXD
        """
        raise NotImplementedError

    # --- socket -------------------------------------------------------------

    @property
    def maxGramSize(self) -> int:
        """Largest payload this Peer sends in one datagram."""
        return self.MaxGramSize

    def checkGramSize(self, data: bytes) -> bytes:
        """Returns ``data`` when one datagram carries it whole, raising GramSizeError otherwise.

        Parameters:
            data: the datagram's bytes
        """
        if len(data) > self.maxGramSize:
            raise GramSizeError(
                f"{self.Kind} datagram of {len(data)} bytes is larger than the "
                f"{self.maxGramSize} bytes one {self.Kind} datagram carries."
            )
        return data

    def actualBufSizes(self) -> tuple[int, int]:
        """Returns the actual socket send and receive buffer sizes.

        Returns:
            tuple: (send, receive) sizes, (0, 0) when not open
        """
        if not self.ls:
            return (0, 0)
        return (
            self.ls.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
            self.ls.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
        )

    @staticmethod
    def _sizeBuffers(ls: socket.socket, size: int) -> None:
        """Makes the send and receive buffers of ``ls`` at least ``size`` bytes."""
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            if ls.getsockopt(socket.SOL_SOCKET, option) < size:
                ls.setsockopt(socket.SOL_SOCKET, option, size)

    def _opened(self, ls: socket.socket) -> bool:
        """Keeps ``ls``, bound, as this Peer's open socket, watched for readiness; returns True."""
        self.ls = ls
        self.opened = True
        self._watch(ls)  # a real-time Doist wakes when a datagram comes
        logger.info("%s Peer %s: opened at %s", self.Kind, self.name, self._where())
        return True

    def _failed(self, ls: socket.socket, ex: OSError) -> None:
        """Closes ``ls``, which could not be made ready or bound, and logs why."""
        ls.close()
        logger.error("%s Peer %s: cannot open at %s: %s", self.Kind, self.name, self._where(), ex)

    def _closeSocket(self) -> None:
        """Closes the socket, if open. Datagrams queued in .txgs stay queued."""
        if self.ls is not None:
            self._unwatch(self.ls)
            self.ls.close()
            self.ls = None
            logger.info("%s Peer %s: closed at %s", self.Kind, self.name, self._where())
        self.opened = False

    def _socket(self) -> socket.socket:
        """Returns the open socket, raising a clear OSError when closed."""
        if self.ls is None:
            raise OSError(errno.EBADF, f"{self.Kind} Peer at {self._where()} is not open")
        return self.ls

    def _sendto(self, data: bytes, dst: Any) -> int:
        """Sends one datagram on the socket; bytes sent, 0 when the socket has no room now."""
        ls = self._socket()
        try:
            return ls.sendto(data, dst)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError as ex:
            if ex.errno in AGAIN:
                return 0
            raise

    def _sendGram(self, data: bytes, dst: Any) -> int:
        """Sends one whole datagram to ``dst``, logging it on .wl; see the Peer's send."""
        self.checkGramSize(data)
        count = self._sendto(data, dst)
        if count and self.wl:
            self.wl.writeTx(data[:count], who=dst)
        return count

    def _undeliver(self, dst: Any, ex: OSError) -> None:
        """Records and logs that a datagram to ``dst`` was not delivered."""
        self.undelivered.append((dst, ex))
        logger.info("%s Peer at %s: datagram to %s not delivered: %s", self.Kind, self._where(), dst, ex)

    # --- service ------------------------------------------------------------

    def transmit(self, data: bytes, dst: Any) -> None:
        """Queues one datagram in .txgs for .serviceTxGrams to send, after those already queued.

        Parameters:
            data: the whole datagram payload
            dst: destination address

        Raises:
            GramSizeError: data is larger than .maxGramSize; nothing is queued
        """
        self.checkGramSize(data)
        self.txgs.append((bytes(data), dst))

    def serviceReceives(self) -> int:
        """Receives the datagrams waiting, at most .Reads * .maxRxgs, into .rxgs as (data, source) duples.

        A datagram too large to receive whole is discarded (and logged by
        receive). While .rxgs is full each new datagram drops the oldest
        waiting one and counts it in .dropped, or, when not .DropOldest,
        nothing more is read (see class docs).

        Returns:
            int: number of datagrams received
        """
        rxgs = self.rxgs
        most = max(1, self.maxRxgs)
        dropOldest = self.DropOldest
        count = 0
        reads = self.Reads * most
        while reads:
            reads -= 1
            if not dropOldest and len(rxgs) >= most:
                return count  # full: left in the socket, whose sender waits for room
            try:
                data, src = self.receive()
            except GramSizeError:
                continue  # discarded and logged by receive
            if src is None and not data:
                return count
            if len(rxgs) >= most:  # full: the oldest goes, so that what is read stays fresh
                rxgs.popleft()
                self.dropped += 1
            rxgs.append((data, src))
            count += 1
        return count

    def serviceTxGrams(self) -> int:
        """Sends the datagrams queued in .txgs, in order, until done or the socket has no room.

        A datagram that finds no room stays first in .txgs for the next
        service: the sender backs off, nothing is dropped. One that cannot be
        sent to its destination is removed and recorded, with the error, in
        .undelivered, and sending goes on.

        Returns:
            int: number of datagrams sent
        """
        count = 0
        while self.txgs:
            data, dst = self.txgs[0]
            try:
                sent = self.send(data, dst)
            except (GramSizeError, OSError, TypeError, ValueError) as ex:
                self.txgs.popleft()
                if not isinstance(ex, OSError):
                    ex = OSError(errno.EINVAL, str(ex))
                self._undeliver(dst, ex)
                continue
            if not sent:
                break  # no room now: back off, keep it queued
            self.txgs.popleft()
            count += 1
        return count

    def service(self) -> None:
        """Services receives, then queued transmits."""
        self.serviceReceives()
        self.serviceTxGrams()


class GramDoer(ServiceDoer):
    """Doer that opens a datagram Peer on enter, services it every run and closes it on exit.

    Each run receives every waiting datagram into peer.rxgs and sends the
    datagrams queued in peer.txgs until the socket has no room.

    When the Peer cannot be opened for lack of descriptors or memory
    (coring.EXHAUSTED: EMFILE, ENFILE, ENOBUFS, ENOMEM) the doer is starved:
    it logs that once, as an error, and tries again after .Backoff seconds of
    real time, the pause doubling after each failed try up to .BackoffMax, so
    that it costs next to nothing meanwhile; once the Peer opens it logs
    that, as info, and services it as usual. Any other failure to open is raised.

    Attributes:
        peer (GramQueue): the Peer it services (the servant)
        starved (bool): True while the Peer cannot be opened for lack of resources
    """

    Backoff = 0.01  # first pause in seconds after an open failed for lack of resources
    BackoffMax = 0.25  # longest pause in seconds between tries while starved

    peer = Alias[Any]("servant")

    def __init__(self, peer: Any, **kwa: Any) -> None:
        """Initializes with the Peer to service.

        Parameters:
            peer: the datagram Peer
            kwa: Doer parameters (tymth, tock, opts)
        """
        super().__init__(servant=peer, **kwa)
        self._temp: bool | None = None  # temp given to enter, for the tries while starved
        self._starvation = coring.Starvation(self.Backoff, self.BackoffMax)

    @property
    def starved(self) -> bool:
        """True while the Peer cannot be opened for lack of resources."""
        return self._starvation.starved

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the Peer unless it is already open (see class docs when it cannot be).

        Parameters:
            temp: kept for the Peer's reopen, when the Peer has temporary resources
        """
        self._temp = temp
        if not self.peer.opened:
            self._open()

    def _reopen(self) -> None:
        """Opens the Peer, closing it first when open."""
        self.peer.reopen()

    def _open(self) -> bool:
        """Opens the Peer; True when opened, False when starved (see class docs)."""
        try:
            self._reopen()
        except OSError as ex:
            if ex.errno not in coring.EXHAUSTED:
                raise
            if self._starvation.failed():
                logger.error(
                    "%s Peer %s: cannot open: %s; retrying until resources free up", self.peer.Kind, self.peer.name, ex
                )
            return False
        if self._starvation.fed():
            logger.info("%s Peer %s: opened after resources freed up", self.peer.Kind, self.peer.name)
        return True

    def recur(self, tyme: float) -> bool:
        """Services the Peer's receives and queued transmits; never done by itself.

        While starved, tries to open the Peer once each pause is over.

        Parameters:
            tyme: the scheduler's tyme of this run
        """
        if self.starved and (not self._starvation.due() or not self._open()):
            return False
        return super().recur(tyme)
