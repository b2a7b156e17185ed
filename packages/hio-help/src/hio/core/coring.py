"""hio.core.coring module

Host address utilities shared by the transports: normalizing host names to
ip addresses, finding the default interface's address and broadcast address
with the standard library only, and managing arp table entries.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

from ..hioing import HioError

__all__ = [
    "ArpError",
    "arpCreate",
    "arpDelete",
    "externalHost",
    "getDefaultBroadcast",
    "getDefaultHost",
    "normalizeHost",
    "placeOf",
    "placedError",
]

# Address in the documentation range TEST-NET-2 (RFC 5737). Connecting a UDP
# socket to it makes the kernel pick the route, and hence the source address,
# of the default interface without sending any packet.
PROBE_ADDRESS = "198.51.100.1"
PROBE_PORT = 9  # discard

LOOPBACK = "127.0.0.1"
LIMITED_BROADCAST = "255.255.255.255"

# ioctl request numbers to read an interface's address and netmask (struct ifreq).
if sys.platform.startswith("linux"):
    _SIOCGIFADDR, _SIOCGIFNETMASK = 0x8915, 0x891B
elif sys.platform == "darwin" or "bsd" in sys.platform:
    _SIOCGIFADDR, _SIOCGIFNETMASK = 0xC0206921, 0xC0206925
else:
    _SIOCGIFADDR = _SIOCGIFNETMASK = None

_ETHER = re.compile(r"^[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}$")

ARP_TIMEOUT = 10.0  # seconds to wait for the arp command


class ArpError(HioError):
    """Error running the arp command: missing, not permitted or failed.

    Usage:
        raise ArpError("error message")
    """


def normalizeHost(host: str) -> str:
    """Returns the ip address of host in normalized form, or empty string.

    Converts host, which may be a dns name or an ip address, to its ip
    address: dotted quad for IPv4, compressed form for IPv6. Prefers IPv4
    addresses over IPv6: an IPv6 address is returned only if no IPv4
    address is available. An empty host (any interface) returns "".

    Parameters:
        host: dns name or ip address

    Returns:
        str: normalized ip address, or "" for an empty host

    Raises:
        socket.gaierror: (an OSError) when host does not resolve
    """
    if not host:
        return ""
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except socket.gaierror as ex:
        raise socket.gaierror(ex.errno, f"Cannot resolve host {host!r}: {ex.strerror}") from ex
    except UnicodeError as ex:
        raise socket.gaierror(socket.EAI_NONAME, f"Cannot resolve host {host!r}: {ex}") from ex
    for family in (socket.AF_INET, socket.AF_INET6):
        for fam, _, _, _, sockaddr in infos:
            if fam == family:
                addr, sep, scope = str(sockaddr[0]).partition("%")  # keep an IPv6 scope id
                return str(ipaddress.ip_address(addr)) + sep + scope
    raise socket.gaierror(socket.EAI_ADDRFAMILY, f"Cannot resolve host {host!r} to an IPv4 or IPv6 address.")


def getDefaultHost() -> str:
    """Returns the IPv4 address of the default interface.

    Uses the standard library only: connecting a UDP socket to an outside
    address (PROBE_ADDRESS, a documentation address) sends no packet but
    makes the kernel choose the route and so the local source address, which
    getsockname() then reports. Returns "127.0.0.1" when there is no route
    (no network).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((PROBE_ADDRESS, PROBE_PORT))
            return sock.getsockname()[0]
        except OSError:
            return LOOPBACK


def _netmask(host: str) -> str | None:
    """Returns the IPv4 netmask of the interface that has address host, or None.

    Uses the standard library only: lists interfaces with socket.if_nameindex()
    and reads each one's address and netmask with the SIOCGIFADDR and
    SIOCGIFNETMASK ioctls (Linux, macOS, BSD).
    """
    if _SIOCGIFADDR is None or not hasattr(socket, "if_nameindex"):
        return None
    try:
        import fcntl
    except ImportError:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            interfaces = socket.if_nameindex()
        except OSError:
            return None
        for _, name in interfaces:
            ifreq = struct.pack("256s", name.encode()[:15])
            try:
                addr = socket.inet_ntoa(fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, ifreq)[20:24])
                if addr != host:
                    continue
                return socket.inet_ntoa(fcntl.ioctl(sock.fileno(), _SIOCGIFNETMASK, ifreq)[20:24])
            except OSError:  # interface without IPv4 address
                continue
    return None


def getDefaultBroadcast() -> str:
    """Returns the IPv4 broadcast address of the default interface.

    Uses the standard library only: the default interface's address comes
    from getDefaultHost() (a UDP connect, no packet sent), its netmask from
    the SIOCGIFNETMASK ioctl on the interface that has that address, and the
    broadcast address is computed with ipaddress. Returns the limited
    broadcast address "255.255.255.255" when the netmask cannot be read.
    """
    host = getDefaultHost()
    mask = _netmask(host)
    if mask is None:
        return LIMITED_BROADCAST
    return str(ipaddress.IPv4Network(f"{host}/{mask}", strict=False).broadcast_address)


def _checkArpArgs(host: str, interface: str, ether: str | None = None) -> None:
    """Raises ValueError when an arp argument is malformed."""
    try:
        ipaddress.IPv4Address(host)
    except (ipaddress.AddressValueError, ValueError):
        raise ValueError(f"Invalid arp host {host!r}: expected an IPv4 address.")
    if not interface or interface.startswith("-") or any(c.isspace() for c in interface):
        raise ValueError(f"Invalid arp interface {interface!r}.")
    if ether is not None and not _ETHER.match(ether):
        raise ValueError(f"Invalid arp ethernet address {ether!r}: expected six hex octets like 0a:1b:2c:3d:4e:5f.")


def _runArp(args: list[str]) -> None:
    """Runs the arp command with args, through 'sudo -n' unless root.

    Raises:
        ArpError: when arp (or sudo) is not on PATH, is not permitted or fails
    """
    arp = shutil.which("arp")
    if arp is None:
        raise ArpError("The arp command was not found on PATH; install net-tools (Linux) or add its directory to PATH.")
    cmd = [arp, *args]
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            raise ArpError("Changing the arp table needs root, and the sudo command was not found on PATH.")
        cmd = [sudo, "-n", *cmd]  # -n: fail instead of prompting for a password
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=ARP_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as ex:
        raise ArpError(f"Could not run {' '.join(cmd)!r}: {ex}") from ex
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise ArpError(f"Command {' '.join(cmd)!r} failed with exit status {done.returncode}: {detail}")


def arpCreate(ether: str, host: str, interface: str = "en0", temp: bool = True) -> None:
    """Creates an arp entry for ethernet mac address ether at ip address host on interface.

    If temp is False the entry is permanent, otherwise it is temporary. Runs
    the arp command found on PATH, as root or through 'sudo -n', which
    assumes an /etc/sudoers entry that lets the user's group run arp with no
    password ($ sudo visudo):

        ## Group to run arp as root with no password
        Cmnd_Alias ARP = /usr/sbin/arp
        %arp_group ALL=(ALL) NOPASSWD: ARP

    Parameters:
        ether: ethernet mac address, six hex octets separated by ':'
        host: IPv4 address
        interface: network interface name
        temp: True means a temporary entry, False a permanent one

    Raises:
        ValueError: when an argument is malformed
        ArpError: when arp is missing, not permitted or fails
    """
    _checkArpArgs(host, interface, ether)
    if sys.platform.startswith("linux"):  # net-tools arp: permanent unless temp
        args = ["-i", interface, "-s", host, ether]
        if temp:
            args.append("temp")
    else:  # BSD/macOS arp: permanent unless temp, interface via ifscope
        args = ["-s", host, ether]
        if temp:
            args.append("temp")
        args.extend(["ifscope", interface])
    _runArp(args)


def arpDelete(host: str, interface: str = "en0") -> None:
    """Deletes the arp entry for ip address host on interface.

    Runs arp as arpCreate does (root or 'sudo -n').

    Parameters:
        host: IPv4 address
        interface: network interface name

    Raises:
        ValueError: when an argument is malformed
        ArpError: when arp is missing, not permitted or fails
    """
    _checkArpArgs(host, interface)
    if sys.platform.startswith("linux"):
        args = ["-i", interface, "-d", host]
    else:
        args = ["-d", host, "ifscope", interface]
    _runArp(args)


EXHAUSTED = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))
"""errno values of an operation that failed for lack of descriptors, buffers or memory."""


class Starvation:
    """Paces the retries of an operation that fails for lack of resources.

    After a failure the next try waits ``first`` seconds of real time, the
    pause doubling after each further failure up to ``longest``, so that a
    starved transport neither spins nor gives up. ``failed`` and ``fed`` tell
    when an episode begins and ends, so that each is logged once.

    Attributes:
        first (float): first pause in seconds after a failure
        longest (float): longest pause in seconds between tries
        starved (bool): True from a failure until the next success
    """

    def __init__(self, first: float = 0.01, longest: float = 0.25) -> None:
        """Starts with no episode.

        Parameters:
            first: first pause in seconds after a failure
            longest: longest pause in seconds, which the doubling pauses reach
        """
        self.first = first
        self.longest = longest
        self.starved = False
        self._pause = 0.0  # seconds of the current pause
        self._retry = 0.0  # time.monotonic() from which trying again is due

    def due(self) -> bool:
        """True when the current pause is over (always True when not starved)."""
        return not self.starved or time.monotonic() >= self._retry

    def failed(self) -> bool:
        """Records a failure and starts the next pause; True when it begins an episode."""
        began = not self.starved
        self._pause = self.first if began else min(self._pause * 2.0, self.longest)
        self.starved = True
        self._retry = time.monotonic() + self._pause
        return began

    def fed(self) -> bool:
        """Records a success; True when it ends an episode."""
        ended = self.starved
        self.starved = False
        return ended


def externalHost(host: str) -> str:
    """The address that clients on this machine reach a socket bound to ``host`` at.

    Every interface ("" or "0.0.0.0") is reached at 127.0.0.1, "::" at ::1,
    any other host at its normalized ip address.

    Parameters:
        host: the host a socket is bound to
    """
    if host in ("", "0.0.0.0"):
        return LOOPBACK
    if host in ("::", "0:0:0:0:0:0:0:0"):
        return "::1"
    return normalizeHost(host) or host


def placeOf(where: tuple[object, ...] | str) -> str:
    """``where`` for messages: a path as it is, a (host, port) address as host:port ([host]:port for IPv6).

    Parameters:
        where: an address (host, port) or a path
    """
    if isinstance(where, str):
        return where
    host, port = where[0], where[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host or '*'}:{port}"


def placedError(ex: OSError, where: tuple[object, ...] | str) -> OSError:
    """An OSError like ``ex`` (same class and errno) whose message also names ``where``.

    For a failed bind or listen, e.g. ``[Errno 98] Address already in use:
    '127.0.0.1:8080'``. Raise it ``from ex``.

    Parameters:
        ex: the error the operating system raised
        where: the address, (host, port), or path the operation was on
    """
    if ex.errno is None:
        return type(ex)(f"{ex}: {placeOf(where)}")
    return type(ex)(ex.errno, ex.strerror, placeOf(where))


class Addressed:
    """Mixin for a transport with an address ``.ha``, a (host, port) duple: its host and port by name."""

    ha: tuple

    @property
    def host(self) -> str:
        """Host of .ha"""
        return self.ha[0]

    @property
    def port(self) -> int:
        """Port of .ha"""
        return self.ha[1]
