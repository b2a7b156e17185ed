"""hio.core.tcp.tlsing module

TLS context helpers shared by the TCP clients and servers: secure defaults
(TLS 1.2 minimum), version pinning and certificate requirement parsing.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

MinimumVersion = ssl.TLSVersion.TLSv1_2
"""Lowest TLS version a context made here accepts unless the caller asks otherwise."""


class Secured:
    """Mixin: keeps the TLS settings a client, server or remoter was made
    with, each as an attribute of its name, and the context made from them."""

    context: ssl.SSLContext

    def _secure(
        self, initContext: Callable[..., ssl.SSLContext], context: ssl.SSLContext | None, **settings: Any
    ) -> None:
        """Keeps settings and sets .context to initContext(context=context, **settings)."""
        vars(self).update(settings)
        self.context = initContext(context=context, **settings)


def verifyMode(certify: bool | int | ssl.VerifyMode) -> ssl.VerifyMode:
    """Returns the ssl.VerifyMode for certify.

    Parameters:
        certify: True means ssl.CERT_REQUIRED, False means ssl.CERT_NONE, otherwise
            one of ssl.CERT_NONE (0), ssl.CERT_OPTIONAL (1) or ssl.CERT_REQUIRED (2)

    Raises:
        ValueError: when certify is none of these
    """
    if certify is True:
        return ssl.CERT_REQUIRED
    if certify is False:
        return ssl.CERT_NONE
    try:
        return ssl.VerifyMode(certify)
    except ValueError:
        raise ValueError(f"Invalid certify value {certify!r}: expected a bool or ssl.CERT_NONE/OPTIONAL/REQUIRED")


def newContext(protocol: int, version: int | ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """Returns a new SSLContext for protocol with secure version limits.

    Parameters:
        protocol: ``ssl.PROTOCOL_TLS_CLIENT`` or ``ssl.PROTOCOL_TLS_SERVER``, the side of
            the connection the context is for
        version: None means negotiate TLS 1.2 or later. An ssl.TLSVersion pins
            the connection to exactly that version. Any other int is an ssl
            protocol constant (``ssl.PROTOCOL_...``) used to create the context
            instead of protocol; a context so created still refuses anything
            below TLS 1.2 when its protocol allows a range.
    """
    if isinstance(version, ssl.TLSVersion):
        context = ssl.SSLContext(protocol)
        context.minimum_version = version
        context.maximum_version = version
        return context
    context = ssl.SSLContext(protocol if version is None else version)
    try:
        if context.minimum_version < MinimumVersion:
            context.minimum_version = MinimumVersion
    except ValueError:  # a fixed version protocol, its range cannot change
        pass
    return context
