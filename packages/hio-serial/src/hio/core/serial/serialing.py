"""Asynchronous (nonblocking) serial io.

Serial ports, pseudo-terminals and the interactive console, each opened in
non-blocking mode so that a doer can service them once per run without ever
waiting:

- :class:`Console` reads lines typed on a terminal and writes to it.
- :class:`ConsoleDoer` and :class:`EchoConsoleDoer` run a console inside a
  :class:`~hio.base.doing.Doist`.
- :class:`Device` opens a serial port with ``os`` and configures it raw with
  ``termios``; :class:`Serial` offers the same interface on pyserial.
- :class:`Driver` moves bytes between such a port and its ``.rxbs`` and
  ``.txbs`` buffers, queueing what the port cannot take at once.

Opening a port (Device, Serial) at a path that does not exist raises
:class:`FileNotFoundError`; opening one that is not a terminal raises
:class:`OSError` with ``errno.ENOTTY``. Both carry the path as ``.filename``.
A Console that cannot open its terminal (none at all, as in a service or a
test run without one) logs why and returns False instead, so that a console
doer simply does nothing. Closing twice is harmless.
"""

from __future__ import annotations

import errno
import os
import select
import stat
import termios
from collections.abc import Callable
from typing import Any

import serial
from hio.base.servicing import Alias, ServiceDoer
from hio.base.waking import Waker, Watcher
from hio.help import Deck, ogler
from hio.hioing import HioError

logger = ogler.getLogger(__name__)

# errno values that a non-blocking read or write raises when it would block
_WOULDBLOCK = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR})


class LineError(HioError):
    """Serial line error. Too big for buffer.

    Raised by :meth:`Console.get` when a line, newline included, does not fit
    in the read buffer of ``bs`` bytes.

    Usage:
        raise LineError("error message")

    Attributes:
        line (bytes): the first bytes of the over-long line, at most ``bs``
            of them, so that a caller may still inspect or log them.
    """

    def __init__(self, *args: object, line: bytes = b"") -> None:
        """Initialize instance.

        Parameters:
            args: exception arguments, usually one message.
            line: start of the over-long line that was dropped.
        """
        super().__init__(*args)
        self.line = bytes(line)


def _terminalPath(port: str | None) -> str:
    """Returns the device path for port, the controlling terminal when port is empty."""
    return port if port else os.ctermid()


def _openTerminal(port: str) -> int:
    """Opens port non-blocking for reading and writing and returns its fd.

    The port never becomes the controlling terminal of the process.

    Raises:
        FileNotFoundError: port does not exist.
        OSError: port cannot be opened, or is not a terminal (``errno.ENOTTY``).
    """
    fd = os.open(port, os.O_NONBLOCK | os.O_RDWR | os.O_NOCTTY)
    if not os.isatty(fd):
        os.close(fd)
        raise OSError(errno.ENOTTY, "Not a terminal", port)
    return fd


def _read(fd: int, bs: int) -> bytes:
    """Reads at most bs bytes available on non-blocking fd, empty bytes when none."""
    try:
        return os.read(fd, bs)
    except OSError as ex:
        if ex.errno in _WOULDBLOCK:
            return b""
        raise


def _write(fd: int, data: bytes | bytearray | memoryview) -> int:
    """Writes what non-blocking fd accepts of data now and returns that count."""
    if not data:
        return 0
    try:
        return os.write(fd, data)
    except OSError as ex:
        if ex.errno in _WOULDBLOCK:
            return 0
        raise


def _drain(txbs: bytearray, send: Callable[[bytearray], int]) -> int:
    """Sends from the front of the send queue txbs until it is empty or send takes no more.

    What is sent leaves txbs; the rest waits there, in order, for the next call.

    Parameters:
        txbs: the send queue.
        send: sends what it can of the bytes it is given now and returns that count.

    Returns:
        int: count of bytes sent.
    """
    total = 0
    while txbs:
        count = send(txbs)
        if not count:
            break
        del txbs[:count]
        total += count
    return total


def _closedError(what: str, port: str | None) -> OSError:
    """Returns the error for I/O on a closed console or port."""
    return OSError(errno.EBADF, f"{what} is not open", port)


class Console(Watcher):
    """Class to manage non blocking interactive I/O on serial console

    Opens non blocking read file descriptor on console. Use instance method
    .close to close file descriptor. Use instance methods .get to read lines
    & .put to write to console. Needs os module.

    Attributes:
        bs (int): max buffer size for each read, and so the longest line,
            newline included, that .get returns. Defaults to .MaxBufSize, 256.
        fd (int | None): file descriptor for console, None when closed.
        opened (bool): True means .fd opened, False means .fd closed.
        rxbs (bytearray): received characters (bytes) not yet returned as a line.
        port (str): device path that .open uses when given none. Empty means
            the controlling terminal, os.ctermid().

    Methods:
        open(): opens .fd on a port, sets .opened
        reopen(): closes and reopens .fd, sets .opened
        close(): closes .fd unsets .opened
        get(): returns one line without its newline, or empty bytes
        put(): writes characters

    A line longer than .bs is not returned in pieces: .get raises LineError
    for it and drops it up to and including its newline, so that the next
    .get returns the next whole line.
    """

    MaxBufSize = 256

    def __init__(self, bs: int | None = None, *, port: str = "") -> None:
        """Initialize instance.

        Parameters:
            bs: max buffer size for each read, the longest line including its
                newline. Defaults to .MaxBufSize.
            port: device path of the terminal. Empty means the controlling
                terminal, os.ctermid(), looked up when opened.
        """
        self.bs = bs if bs is not None else self.MaxBufSize
        if self.bs < 1:
            raise ValueError(f"Invalid buffer size {self.bs}, must be positive")
        self.port = port
        self.fd: int | None = None
        self.opened = False
        self.rxbs = bytearray()
        self._dropping = False  # True while discarding the rest of an over-long line

    def open(self, port: str | None = None) -> bool:
        """Opens fd on terminal console in non blocking mode.

        os.O_NONBLOCK makes non blocking io. os.O_RDWR allows both read and
        write. os.O_NOCTTY don't make this the controlling terminal of the
        process.

        Don't use print at same time since it will mess up non blocking reads.

        Works in both canonical and non-canonical input mode. In canonical
        mode, no chars are available to read until eol newline is entered and
        eol is included in the read characters. Canonical mode is the default
        for the console os.ctermid() and for a new pseudo-terminal.

        Parameters:
            port: the serial port device path name, or if '' then use
                os.ctermid() which returns path name of console usually
                '/dev/tty'. None (default) means .port.

        Returns:
            bool: .opened: True when opened, False when the terminal cannot be
                opened (no controlling terminal, no such port, not a terminal,
                not permitted); why is logged and .fd stays None.
        """
        if self.opened:
            self.close()
        if port is not None:
            self.port = port
        self.rxbs.clear()
        self._dropping = False
        try:
            self.fd = _openTerminal(_terminalPath(self.port))
        except OSError as ex:
            logger.error("Console: cannot open %s: %s", self.port or "the controlling terminal", ex)
            return self.opened
        self._watch(self.fd)  # a real-time Doist wakes when a line is typed
        self.opened = True
        return self.opened

    def reopen(self) -> bool:
        """Idempotently opens console on .port, closing it first if opened.

        Returns:
            bool: .opened: True when opened, False when the terminal cannot be opened.
        """
        return self.open()

    def close(self) -> None:
        """Closes fd. Closing a closed console does nothing."""
        if self.fd is not None:
            self._unwatch(self.fd)
            try:
                os.close(self.fd)
            finally:
                self.fd = None
        self.opened = False

    def put(self, data: bytes | bytearray | memoryview = b"\n") -> int:
        """Writes data bytes to console and return number of bytes from data written.

        Writes only what the terminal accepts now, possibly none. The caller
        keeps the rest and puts it again later.

        Parameters:
            data: bytes to write.

        Returns:
            int: count of leading bytes of data written.
        """
        if self.fd is None:
            raise _closedError("Console", self.port)
        return _write(self.fd, data)

    def get(self, bs: int | None = None) -> bytes:
        """Gets nonblocking line of bytes from console.

        A line is returned once its eol newline has arrived and only if it
        fits, newline included, in bs characters. The newline, and a carriage
        return just before it, are stripped. Returns empty bytes if no whole
        line is available; partial input waits in .rxbs for later calls.
        Works in both canonical and non-canonical mode. In canonical mode,
        no chars are available to read until eol newline is entered.

        Parameters:
            bs: longest line including its newline. Defaults to .bs.

        Returns:
            bytes: one line without its newline, or empty bytes.

        Raises:
            LineError: the next line is longer than bs. It is dropped through
                its newline (the rest may still be arriving), and the error's
                .line holds its first bs bytes.
        """
        if self.fd is None:
            raise _closedError("Console", self.port)
        bs = self.bs if bs is None else bs
        if bs < 1:
            raise ValueError(f"Invalid buffer size {bs}, must be positive")
        while True:
            idx = self.rxbs.find(b"\n")
            if self._dropping:  # rest of an over-long line already reported
                if idx >= 0:
                    del self.rxbs[: idx + 1]
                    self._dropping = False
                    continue
                self.rxbs.clear()
            elif 0 <= idx < bs:  # whole line that fits
                line = bytes(self.rxbs[:idx])
                del self.rxbs[: idx + 1]
                return line[:-1] if line.endswith(b"\r") else line
            elif idx >= bs or len(self.rxbs) >= bs:  # over-long line
                line = bytes(self.rxbs[:bs])
                if idx >= 0:
                    del self.rxbs[: idx + 1]
                else:
                    self.rxbs.clear()
                    self._dropping = True
                raise LineError(f"Line longer than {bs} bytes on console {self.port!r}.", line=line)
            data = _read(self.fd, bs if self._dropping else bs - len(self.rxbs))
            if not data:
                return b""
            self.rxbs.extend(data)


class ConsoleDoer(ServiceDoer):
    """Basic Console Doer. Wraps console in doer context so opens and closes console

    It only opens the console on enter and closes it on exit: reading and
    writing the console is left to whoever holds it. When the console cannot
    be opened (no terminal) the doer runs without it.

    See Doer for inherited attributes, properties, and methods.

    Attributes:
        console (Console): serial Console instance
    """

    console = Alias[Console]("servant")

    def __init__(self, console: Console, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            console: serial Console instance to open on enter and close on exit.
            kwa: Doer parameters (tymth, tock, opts).
        """
        super().__init__(console, **kwa)

    def recur(self, tyme: float) -> bool:
        """Leaves the console to its users; never done by itself.

        Parameters:
            tyme: current tyme of the Doist, unused.
        """
        return False


class EchoConsoleDoer(ServiceDoer):
    """Basic Terminal Console IO to buffers. Echos input back to output

    Each whole line typed on the console is appended to .lines and echoed
    back, followed by a newline, through .txbs. What the terminal does not
    accept at once stays in .txbs for the next run. A line too long for the
    console's buffer is dropped and answered with an error notice. The
    console is opened on enter and closed on exit; when it cannot be opened
    (no terminal) the doer runs without it.

    See Doer for inherited attributes, properties, and methods.

    Attributes:
        console (Console): serial Console instance
        lines (Deck): lines received, without their newlines
        txbs (bytearray): output waiting to be written to the console
    """

    console = Alias[Console]("servant")

    def __init__(self, console: Console, lines: Deck | None = None, txbs: bytearray | None = None, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            console: serial Console instance.
            lines: deck that receives each line read. Default a new Deck.
            txbs: output buffer. Default a new bytearray.
            kwa: Doer parameters (tymth, tock, opts).
        """
        super().__init__(console, **kwa)
        self.lines = lines if lines is not None else Deck()
        self.txbs = txbs if txbs is not None else bytearray()

    def recur(self, tyme: float) -> bool:
        """Reads every whole line available, queues its echo and writes what fits.

        Parameters:
            tyme: current tyme of the Doist, unused.

        Returns:
            bool: False, an echo console runs until closed. While its console
                is not open (no terminal) it does nothing.
        """
        if not self.console.opened:
            return False
        while True:
            try:
                line = self.console.get()
            except LineError as ex:
                logger.warning("Console line dropped: %s", ex)
                self.txbs.extend(b"Error: line too long, dropped.\n")
                continue
            if not line:
                break
            self.lines.append(line)
            self.txbs.extend(line + b"\n")
        _drain(self.txbs, self.console.put)
        return False


# termios speed constants by bit rate, e.g. 9600: termios.B9600
_Speeds = {int(name[1:]): getattr(termios, name) for name in dir(termios) if name[0] == "B" and name[1:].isdigit()}


def _rawMode(attrs: list, speed: int) -> list:
    """Returns copy of termios attrs for raw mode at speed.

    Raw mode: no echo, no canonical line editing, no signals, no input or
    output translation, no software or hardware flow control, 8 data bits,
    no parity, receiver on, modem control lines ignored. Reads return
    whatever bytes are available.
    """
    iflag, oflag, cflag, lflag, _, _, cc = attrs
    iflag &= ~(
        termios.IGNBRK
        | termios.BRKINT
        | termios.PARMRK
        | termios.ISTRIP
        | termios.INLCR
        | termios.IGNCR
        | termios.ICRNL
        | termios.IXON
        | termios.IXOFF
        | termios.IXANY
        | termios.INPCK
        | getattr(termios, "IUCLC", 0)
    )
    oflag &= ~termios.OPOST
    lflag &= ~(
        termios.ECHO
        | termios.ECHOE
        | termios.ECHOK
        | termios.ECHONL
        | termios.ICANON
        | termios.ISIG
        | termios.IEXTEN
        | getattr(termios, "ECHOCTL", 0)
        | getattr(termios, "ECHOKE", 0)
    )
    cflag &= ~(termios.CSIZE | termios.PARENB | termios.CSTOPB | getattr(termios, "CRTSCTS", 0))
    cflag |= termios.CS8 | termios.CLOCAL | termios.CREAD
    cc = list(cc)
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    baud = _Speeds[speed]
    return [iflag, oflag, cflag, lflag, baud, baud, cc]


class Port(Watcher):
    """What Device and Serial share: the port they open, its speed, how much one
    read takes, and nonblocking .receive and .send on it once open.

    Each kind of port opens, closes, reads and writes its own way (.reopen,
    .close, ._receive, ._send); .receive and .send refuse a closed port.

    Attributes:
        port (str | None): serial port device path. None or empty means the
            controlling terminal, os.ctermid().
        speed (int): bit rate, e.g. 9600.
        bs (int): max bytes returned by one .receive.
        opened (bool): True means the port is open.
    """

    def __init__(self, port: str | None = None, speed: int | None = 9600, bs: int | None = 1024) -> None:
        """Initialize instance. Does not open the port; call .reopen.

        Parameters:
            port: serial port device path. None or '' means os.ctermid().
            speed: bit rate, e.g. 9600 or 115200; None or 0 means 9600.
            bs: max bytes returned by one .receive; None or 0 means 1024.
        """
        self.port = port
        self.speed = speed or 9600  # a falsy value means the default, as published
        self.bs = bs or 1024
        self.opened = False

    Kind = "Serial port"  # names the port in the error for I/O while closed

    def close(self) -> None:
        """Closes the port; each kind of port closes its own."""
        raise NotImplementedError

    def receive(self) -> bytes:
        """Reads nonblocking characters from serial device up to bs characters.

        Returns:
            bytes: all available up to .bs, empty bytes if no characters available.

        Raises:
            OSError: the port is not open (errno.EBADF).
        """
        if not self.opened:
            raise _closedError(self.Kind, self.port)
        return self._receive()

    def send(self, data: bytes | bytearray | memoryview = b"\n") -> int:
        """Writes data bytes to serial device port. Returns number of bytes sent

        Sends only what the port accepts now, possibly none.

        Parameters:
            data: bytes to send.

        Returns:
            int: count of leading bytes of data sent.

        Raises:
            OSError: the port is not open (errno.EBADF).
        """
        if not self.opened:
            raise _closedError(self.Kind, self.port)
        return self._send(data)

    def _receive(self) -> bytes:
        """Reads what the open port has, up to .bs; each kind of port reads its own way."""
        raise NotImplementedError

    def _send(self, data: bytes | bytearray | memoryview) -> int:
        """Writes what the open port accepts of data now; each kind of port writes its own way."""
        raise NotImplementedError

    def reopen(self, port: str | None = None, speed: int | None = None, bs: int | None = None) -> bool:
        """Idempotently opens the port in non blocking mode, closing it first when opened.

        The port is configured raw: 8 data bits, no parity, no flow control,
        the given speed. Each kind of port opens its own way (._open).

        Parameters:
            port: serial port device path name; None keeps .port, and an
                empty .port means os.ctermid(), the path name of the
                controlling terminal, usually '/dev/tty'.
            speed: bit rate. None means .speed.
            bs: max bytes returned by one .receive. None means .bs.

        Returns:
            bool: .opened, True.

        Raises:
            FileNotFoundError: port does not exist.
            OSError: port cannot be opened or configured, or is not a
                terminal (ENOTTY).
            ValueError: speed is not a rate the port takes.
        """
        self.close()
        if port is not None:
            self.port = port
        if speed is not None:
            self.speed = speed
        if bs is not None:
            self.bs = bs
        self._open(_terminalPath(self.port))
        self.opened = True
        return self.opened

    def _open(self, path: str) -> None:
        """Opens the port at path non blocking and watches it; each kind of port opens its own way."""
        raise NotImplementedError


class Device(Port):
    """Class to manage non blocking IO on serial device port.

    Opens non blocking read file descriptor on serial port and configures it
    raw with termios. Use instance method close to close file descriptor.
    Use instance methods receive & send to read & write to serial device.
    Needs os module.

    Attributes:
        port (str | None): serial port device path. None or empty means the
            controlling terminal, os.ctermid().
        speed (int): bit rate, one of the termios B* rates, e.g. 9600.
        bs (int): max bytes returned by one .receive.
        fd (int | None): file descriptor of the open port, None when closed.
        opened (bool): True means .fd opened.

    The port's termios attributes are saved when it is opened and put back
    when it is closed, so a terminal is not left in raw mode.
    """

    Kind = "Serial device"

    def __init__(self, port: str | None = None, speed: int = 9600, bs: int = 1024) -> None:
        """Initialize instance. Does not open the port; call .reopen.

        Parameters:
            port: serial port device path; None or '' means os.ctermid(), the
                controlling terminal
            speed: bit rate, e.g. 9600
            bs: most bytes one .receive returns
        """
        super().__init__(port=port, speed=speed, bs=bs)
        self.fd: int | None = None
        self._attrs: list[Any] | None = None  # termios attributes the port had before opening

    def _open(self, path: str) -> None:
        """Opens fd on the port non blocking, for reading and writing, never as the
        controlling terminal of the process, and puts it in raw mode with termios:
        no echo, no canonical (line) mode. Don't use print and console at the same
        time since it will mess up non blocking reads.
        """
        if self.speed not in _Speeds:
            raise ValueError(f"Unsupported speed {self.speed} for serial port {path!r}.")
        fd = _openTerminal(path)
        try:
            attrs = termios.tcgetattr(fd)
            termios.tcsetattr(fd, termios.TCSANOW, _rawMode(attrs, self.speed))
        except termios.error as ex:
            os.close(fd)
            code, reason = ex.args if len(ex.args) == 2 else (errno.EIO, str(ex))
            raise OSError(code, f"Cannot configure serial port: {reason}", path)
        self.fd = fd
        self._attrs = attrs
        self._watch(fd)  # a real-time Doist wakes when bytes arrive

    def close(self) -> None:
        """Closes fd, restoring the port's former termios attributes. Closing twice is harmless."""
        if self.fd is not None:
            self._unwatch(self.fd)
            try:
                if self._attrs is not None:
                    try:
                        termios.tcsetattr(self.fd, termios.TCSANOW, self._attrs)
                    except termios.error:
                        pass  # the other end may be gone; closing matters more
                os.close(self.fd)
            finally:
                self.fd = None
                self._attrs = None
        self.opened = False

    def _receive(self) -> bytes:
        """Reads what the port has, up to .bs."""
        if self.fd is None:
            raise _closedError(self.Kind, self.port)
        return _read(self.fd, self.bs)

    def _send(self, data: bytes | bytearray | memoryview) -> int:
        """Writes what the port accepts of data now."""
        if self.fd is None:
            raise _closedError(self.Kind, self.port)
        return _write(self.fd, data)


class Serial(Port):
    """Class to manage non blocking IO on serial device port using pyserial

    Same interface as Device. Opens the port with pyserial with read and
    write timeouts of zero so neither ever waits. Use instance method close
    to close the port. Use instance methods receive & send to read & write
    to serial device.

    Attributes:
        port (str | None): serial port device path. None or empty means the
            controlling terminal, os.ctermid().
        speed (int): bit rate, e.g. 9600.
        bs (int): max bytes returned by one .receive.
        serial (serial.Serial | None): the pyserial port, None when closed.
        opened (bool): True means .serial opened.
    """

    MaxSendSize = 65536  # most bytes handed to pyserial by one .send

    def __init__(self, port: str | None = None, speed: int = 9600, bs: int = 1024) -> None:
        """Initialize instance. Does not open the port; call .reopen.

        Parameters:
            port: serial port device path; None or '' means os.ctermid(), the
                controlling terminal
            speed: bit rate, e.g. 9600
            bs: most bytes one .receive returns
        """
        super().__init__(port=port, speed=speed, bs=bs)
        self.serial: serial.Serial | None = None

    def _open(self, path: str) -> None:
        """Opens the port with pyserial, whose read and write timeouts of zero never wait."""
        mode = os.stat(path).st_mode  # raises FileNotFoundError naming path
        if not stat.S_ISCHR(mode):
            raise OSError(errno.ENOTTY, "Not a terminal", path)
        try:
            self.serial = serial.Serial(port=path, baudrate=self.speed, timeout=0, write_timeout=0)
        except serial.SerialException as ex:
            code = ex.errno if ex.errno is not None else errno.EIO
            raise OSError(code, f"Cannot open serial port: {ex}", path) from ex
        self._watch(self.serial)  # a real-time Doist wakes when bytes arrive

    def close(self) -> None:
        """Closes .serial. Closing twice is harmless."""
        if self.serial is not None:
            self._unwatch(self.serial)
            try:
                self.serial.close()
            finally:
                self.serial = None
        self.opened = False

    def _receive(self) -> bytes:
        """Reads what the port has, up to .bs."""
        if self.serial is None:
            raise _closedError(self.Kind, self.port)
        return bytes(self.serial.read(self.bs))

    def _send(self, data: bytes | bytearray | memoryview) -> int:
        """Writes what the port accepts of data now, at most .MaxSendSize, none unless it has room."""
        if not data:
            return 0
        if self.serial is None:
            raise _closedError(self.Kind, self.port)
        fileno = getattr(self.serial, "fileno", None)
        if fileno is not None:
            # pyserial retries a write that would block; only write when the port has room
            _, writable, _ = select.select([], [fileno()], [], 0)
            if not writable:
                return 0
        # pyserial copies what it is given; hand it no more than a port could take at once
        return self.serial.write(bytes(data[: self.MaxSendSize])) or 0


class Driver(Watcher):
    """Nonblocking Serial Device Port Driver

    Moves bytes between a serial port (.server) and its buffers: received
    bytes are appended to .rxbs, bytes queued with .tx are sent from .txbs in
    order as fast as the port accepts them. Call .service once per run of a
    doer; nothing waits.

    Attributes:
        name (str): name of the driver for logs.
        uid (int): unique identifier of the driver.
        port (str | None): serial port device path.
        speed (int): bit rate.
        bs (int): max bytes per read of the port.
        server (Serial | Device): the port, opened when the driver is made.
        rxbs (bytearray): bytes received and not yet consumed.
        txbs (bytearray): bytes queued and not yet sent.
    """

    def __init__(
        self,
        name: str = "",
        uid: int = 0,
        port: str | None = None,
        speed: int = 9600,
        bs: int = 1024,
        server: Serial | Device | None = None,
    ) -> None:
        """Initialize instance and open the port when not yet opened.

        Parameters:
            name: name of the driver for logs.
            uid: unique identifier of the driver.
            port: serial port device path, used when server is None.
            speed: bit rate, used when server is None.
            bs: max bytes per read, used when server is None.
            server: port with reopen, close, receive and send, such as Device
                or Serial. Default a Serial on port at speed.
        """
        self.name = name
        self.uid = uid
        self.port = port
        self.speed = speed
        self.bs = bs
        self.server = server if server is not None else Serial(port=port, speed=speed, bs=bs)
        self.rxbs = bytearray()
        self.txbs = bytearray()
        if not self.server.opened:
            self.server.reopen()

    @property
    def waker(self) -> Waker | None:
        """The waker its port (.server) watches its descriptor on (see waking.Watcher)."""
        return getattr(self.server, "waker", None)

    @waker.setter
    def waker(self, waker: Waker | None) -> None:
        if isinstance(self.server, Watcher):
            self.server.waker = waker

    def reopen(self) -> bool:
        """Closes and reopens .server. Returns True when opened."""
        return self.server.reopen()

    def close(self) -> None:
        """Closes .server. Bytes still in .txbs stay there. Closing twice is harmless."""
        self.server.close()

    def serviceReceives(self) -> None:
        """Service receives until no more. Appends what arrives to .rxbs."""
        while True:
            data = self.server.receive()
            if not data:
                break
            self.rxbs.extend(data)

    def clearRxbs(self) -> None:
        """Clear .rxbs"""
        self.rxbs.clear()

    def scan(self, start: bytes | int | None, strip: bool = False) -> int | None:
        """Returns offset of given start byte in self.rxbs.

        Returns None if start is not given or not found. If strip then remove
        any bytes before offset, so the start byte is at offset 0.

        Parameters:
            start: start byte, as an int 0..255 or a bytes sequence.
            strip: True means drop the bytes before the start byte when found.

        Returns:
            int | None: offset of start in .rxbs (after any strip) or None.
        """
        if start is None or (not isinstance(start, int) and not start):
            return None
        offset = self.rxbs.find(start)
        if offset < 0:
            return None
        if strip and offset:
            del self.rxbs[:offset]
            offset = 0
        return offset

    def send(self, data: bytes | bytearray | memoryview) -> int:
        """Handle one tx data

        Sends data now when nothing is queued before it, and queues on .txbs
        what the port does not accept at once, so order is kept and nothing
        is lost.

        Parameters:
            data: bytes to send.

        Returns:
            int: count of bytes of data sent now.
        """
        count = 0
        if not self.txbs:
            count = self.server.send(data)
        if count < len(data):
            self.txbs.extend(data[count:])
        return count

    def tx(self, data: bytes | bytearray | memoryview) -> None:
        """Queue data onto .txbs

        Parameters:
            data: the bytes to queue
        """
        self.txbs.extend(data)

    def serviceSends(self) -> int:
        """Service .txbs, sending until it is empty or the port accepts no more.

        Returns:
            int: count of bytes sent.
        """
        return _drain(self.txbs, self.server.send)

    def service(self) -> None:
        """Service receives and sends"""
        self.serviceReceives()
        self.serviceSends()
