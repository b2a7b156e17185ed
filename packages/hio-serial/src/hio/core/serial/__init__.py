"""hio.core.serial package: non-blocking serial ports and the interactive console.

The documented package-level name is :class:`Console`; the other classes of
:mod:`hio.core.serial.serialing` are re-exported for convenience.

Example:
    from hio.core.serial import Console

    console = Console(port="/dev/ttyUSB0")
    console.reopen()
    line = console.get()  # one whole line without its newline, or b""
    console.close()
"""

from .serialing import Console as Console
from .serialing import ConsoleDoer as ConsoleDoer
from .serialing import Device as Device
from .serialing import Driver as Driver
from .serialing import EchoConsoleDoer as EchoConsoleDoer
from .serialing import LineError as LineError
from .serialing import Serial as Serial

__all__ = ["Console", "ConsoleDoer", "Device", "Driver", "EchoConsoleDoer", "LineError", "Serial"]
