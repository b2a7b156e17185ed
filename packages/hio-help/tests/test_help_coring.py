"""Tests of hio.core.coring host utilities."""

import errno
import ipaddress
import socket
import stat
import sys

import pytest

from hio.core import coring
from hio.core.coring import ArpError, arpCreate, arpDelete, getDefaultBroadcast, getDefaultHost, normalizeHost
from hio.hioing import HioError


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("FE80:0:0:0:0:0:0:1", "fe80::1"),
        ("", ""),
    ],
)
def test_normalize_host_literals(host, expected):
    assert normalizeHost(host) == expected


def test_normalize_host_name():
    assert normalizeHost("localhost") in ("127.0.0.1", "::1")


def fake_getaddrinfo(results):
    """Returns a resolver answering results, standing in for the OS resolver."""

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        return [(fam, socket.SOCK_STREAM, 6, "", sockaddr) for fam, sockaddr in results]

    return getaddrinfo


def test_normalize_host_prefers_ipv4(monkeypatch):
    monkeypatch.setattr(
        coring.socket,
        "getaddrinfo",
        fake_getaddrinfo(
            [
                (socket.AF_INET6, ("2001:db8:0::5", 0, 0, 0)),
                (socket.AF_INET, ("192.0.2.7", 0)),
                (socket.AF_INET, ("192.0.2.8", 0)),
            ]
        ),
    )
    assert normalizeHost("dual.example") == "192.0.2.7"


def test_normalize_host_ipv6_only_when_no_ipv4(monkeypatch):
    monkeypatch.setattr(
        coring.socket,
        "getaddrinfo",
        fake_getaddrinfo(
            [(socket.AF_INET6, ("2001:db8:0:0::5", 0, 0, 0)), (socket.AF_INET6, ("fe80::1%eth0", 0, 0, 2))]
        ),
    )
    assert normalizeHost("six.example") == "2001:db8::5"
    monkeypatch.setattr(
        coring.socket, "getaddrinfo", fake_getaddrinfo([(socket.AF_INET6, ("fe80::0:1%eth0", 0, 0, 2))])
    )
    assert normalizeHost("link.example") == "fe80::1%eth0"  # scope id kept


def test_normalize_host_unresolvable():
    with pytest.raises(socket.gaierror, match=r"Cannot resolve host 'no-such-host\.invalid'") as ex:
        normalizeHost("no-such-host.invalid")
    assert isinstance(ex.value, OSError)


@pytest.mark.parametrize("host", ["bad host name with spaces.invalid", "a" * 300 + ".invalid", "999.1.1.1.invalid"])
def test_normalize_host_malformed(host):
    with pytest.raises(OSError, match="Cannot resolve host"):
        normalizeHost(host)


def test_default_host():
    host = getDefaultHost()
    addr = ipaddress.IPv4Address(host)  # a valid IPv4 address
    assert not addr.is_multicast and not addr.is_unspecified
    if not addr.is_loopback:  # a real interface address can be bound
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((host, 0))
            assert sock.getsockname()[0] == host


def test_default_broadcast():
    host = ipaddress.IPv4Address(getDefaultHost())
    broadcast = ipaddress.IPv4Address(getDefaultBroadcast())
    if str(broadcast) != coring.LIMITED_BROADCAST:
        # the broadcast address ends the default interface's network
        network = next(
            ipaddress.IPv4Network(f"{host}/{n}", strict=False)
            for n in range(32, -1, -1)
            if ipaddress.IPv4Network(f"{host}/{n}", strict=False).broadcast_address == broadcast
        )
        assert host in network


@pytest.mark.skipif(coring._SIOCGIFADDR is None, reason="no interface ioctls on this platform")
def test_loopback_netmask():
    assert coring._netmask("127.0.0.1") == "255.0.0.0"
    assert coring._netmask("0.0.0.1") is None  # no interface has this address


@pytest.fixture
def fake_path(tmp_path, monkeypatch):
    """PATH holding only tmp_path/bin, where tests place stand-ins for OS commands."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


def script(bindir, name, body):
    path = bindir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def add_sudo(bindir):
    """Stand-in sudo for a non-root run: drops -n and runs the command."""
    script(bindir, "sudo", '[ "$1" = "-n" ] && shift\nexec "$@"\n')


def test_arp_missing_command(fake_path):
    assert not any(fake_path.iterdir())  # PATH lacks arp
    with pytest.raises(ArpError, match="arp command was not found on PATH"):
        arpCreate("0a:1b:2c:3d:4e:5f", "192.0.2.10", interface="eth0")
    with pytest.raises(ArpError, match="arp command was not found"):
        arpDelete("192.0.2.10", interface="eth0")
    assert issubclass(ArpError, HioError)


def test_arp_needs_sudo_when_not_root(fake_path, monkeypatch):
    monkeypatch.setattr(coring.os, "geteuid", lambda: 1000)  # as a regular user
    script(fake_path, "arp", "exit 0\n")
    with pytest.raises(ArpError, match="sudo command was not found"):
        arpDelete("192.0.2.10", interface="eth0")


@pytest.mark.parametrize("euid, via", [(0, ""), (1000, "sudo -n ")])
def test_arp_command_lines(fake_path, tmp_path, monkeypatch, euid, via):
    """Root runs arp directly, a regular user through 'sudo -n'."""
    monkeypatch.setattr(coring.os, "geteuid", lambda: euid)
    record = tmp_path / "argv.txt"
    script(fake_path, "arp", f'echo "$SUDOED$@" >> "{record}"\n')
    if euid:  # stand-in sudo marks what it runs, dropping -n
        script(fake_path, "sudo", '[ "$1" = "-n" ] && shift && export SUDOED="sudo -n "\nexec "$@"\n')
    arpCreate("0a:1b:2c:3d:4e:5f", "192.0.2.10", interface="eth0")
    arpCreate("0a:1b:2c:3d:4e:5f", "192.0.2.10", interface="eth0", temp=False)
    arpDelete("192.0.2.10", interface="eth0")
    lines = record.read_text().splitlines()
    if sys.platform.startswith("linux"):
        assert lines == [
            f"{via}-i eth0 -s 192.0.2.10 0a:1b:2c:3d:4e:5f temp",
            f"{via}-i eth0 -s 192.0.2.10 0a:1b:2c:3d:4e:5f",
            f"{via}-i eth0 -d 192.0.2.10",
        ]
    else:
        assert lines == [
            f"{via}-s 192.0.2.10 0a:1b:2c:3d:4e:5f temp ifscope eth0",
            f"{via}-s 192.0.2.10 0a:1b:2c:3d:4e:5f ifscope eth0",
            f"{via}-d 192.0.2.10 ifscope eth0",
        ]


def test_arp_not_permitted(fake_path):
    script(fake_path, "arp", 'echo "SIOCSARP: Operation not permitted" >&2\nexit 255\n')
    add_sudo(fake_path)
    with pytest.raises(ArpError, match="exit status 255: SIOCSARP: Operation not permitted"):
        arpCreate("0a:1b:2c:3d:4e:5f", "192.0.2.10", interface="eth0")
    with pytest.raises(ArpError, match="Operation not permitted"):
        arpDelete("192.0.2.10", interface="eth0")


@pytest.mark.parametrize(
    "ether, host, interface, what",
    [
        ("0a:1b:2c:3d:4e", "192.0.2.10", "eth0", "ethernet"),
        ("0a:1b:2c:3d:4e:5f:60", "192.0.2.10", "eth0", "ethernet"),
        ("zz:1b:2c:3d:4e:5f", "192.0.2.10", "eth0", "ethernet"),
        ("0a:1b:2c:3d:4e:5f", "not-an-ip", "eth0", "host"),
        ("0a:1b:2c:3d:4e:5f", "::1", "eth0", "host"),
        ("0a:1b:2c:3d:4e:5f", "192.0.2.10", "-d", "interface"),
        ("0a:1b:2c:3d:4e:5f", "192.0.2.10", "eth 0", "interface"),
        ("0a:1b:2c:3d:4e:5f", "192.0.2.10", "", "interface"),
    ],
)
def test_arp_bad_arguments(fake_path, tmp_path, ether, host, interface, what):
    record = tmp_path / "argv.txt"
    script(fake_path, "arp", f'echo "$@" >> "{record}"\n')
    add_sudo(fake_path)
    with pytest.raises(ValueError, match=f"Invalid arp {what}"):
        arpCreate(ether, host, interface=interface)
    if what != "ethernet":
        with pytest.raises(ValueError, match=f"Invalid arp {what}"):
            arpDelete(host, interface=interface)
    assert not record.exists()  # arp never ran


def test_starvation_paces_retries_doubling_to_the_longest_pause():
    starvation = coring.Starvation(first=0.01, longest=0.04)
    assert starvation.due() and not starvation.starved
    assert starvation.failed() is True  # the first failure begins an episode
    assert starvation.starved and not starvation.due()  # the first pause has begun
    pauses = [starvation._pause]
    for _ in range(4):
        assert starvation.failed() is False  # later failures do not begin another
        pauses.append(starvation._pause)
    assert pauses == [0.01, 0.02, 0.04, 0.04, 0.04]
    assert starvation.fed() is True and not starvation.starved and starvation.due()
    assert starvation.fed() is False  # no episode to end
    assert starvation.failed() is True and starvation._pause == 0.01  # a new episode starts from the first pause


def test_exhausted_names_the_lack_of_resources():
    import errno

    assert {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM} == coring.EXHAUSTED
    assert errno.EADDRINUSE not in coring.EXHAUSTED


def test_addressed_names_the_host_and_port_of_ha():
    class Endpoint(coring.Addressed):
        def __init__(self, ha):
            self.ha = ha

    endpoint = Endpoint(("127.0.0.1", 6101))
    assert (endpoint.host, endpoint.port) == ("127.0.0.1", 6101)
    endpoint.ha = ("::1", 0)
    assert (endpoint.host, endpoint.port) == ("::1", 0)


def test_placed_error_names_where_and_keeps_the_kind_of_error():
    ex = coring.placedError(OSError(errno.EADDRINUSE, "Address already in use"), ("127.0.0.1", 8080))
    assert type(ex) is OSError and ex.errno == errno.EADDRINUSE
    assert str(ex) == "[Errno 98] Address already in use: '127.0.0.1:8080'"
    denied = coring.placedError(PermissionError(errno.EACCES, "Permission denied"), ("::1", 80))
    assert type(denied) is PermissionError and str(denied).endswith(": '[::1]:80'")
    assert str(coring.placedError(OSError("no errno"), "/tmp/x.uxd")) == "no errno: /tmp/x.uxd"
    assert coring.placeOf(("", 5)) == "*:5" and coring.placeOf("/a/path") == "/a/path"


def test_external_host_is_where_local_clients_reach_a_socket():
    assert coring.externalHost("") == coring.externalHost("0.0.0.0") == "127.0.0.1"
    assert coring.externalHost("::") == "::1"
    assert coring.externalHost("localhost") == "127.0.0.1"
    assert coring.externalHost("10.1.2.3") == "10.1.2.3"
