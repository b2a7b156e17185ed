"""hio.deploying.apping module

Finds the WSGI application a command line names, the way Python's WSGI
servers name one: ``MODULE:APP``.

- ``module:app`` is the attribute ``app`` of module ``module``;
- ``package.module:attr.attr`` follows dotted attributes;
- ``module:factory()`` calls ``factory`` and serves what it returns; literal
  arguments may be given, ``module:factory('prod', workers=2)``;
- ``module`` alone means ``module:app``, else ``module:application``.

The module is imported with the current directory first on ``sys.path``, so
that ``hio serve yourmodule:app`` run beside ``yourmodule.py`` finds it.
Every way this can fail raises :class:`AppError` with a one-line message.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["AppError", "findModule", "loadApp", "parseSpec"]

DEFAULT_NAMES = ("app", "application")
"""Attributes looked for when a spec names only a module."""


class AppError(Exception):
    """The application named on the command line cannot be served; str() is a one-line reason."""


def parseSpec(spec: str) -> tuple[str, list[str], tuple[list[Any], dict[str, Any]] | None]:
    """Splits ``spec`` into (module, attribute names, call arguments or None).

    Parameters:
        spec: ``MODULE[:ATTR[.ATTR...][(ARGS)]]``

    Raises:
        AppError: when spec is not of that form or its arguments are not literals
    """
    module, _, target = spec.strip().partition(":")
    if not module or any(not part.isidentifier() for part in module.split(".")):
        raise AppError(f"{spec!r} is not MODULE:APP (a module name such as 'mymodule' or 'package.module')")
    if not target:
        return module, [], None
    try:
        node = ast.parse(target, mode="eval").body
    except SyntaxError:
        raise AppError(f"{spec!r}: {target!r} is not an attribute name nor a call of one") from None
    call = None
    if isinstance(node, ast.Call):
        try:
            args = [ast.literal_eval(arg) for arg in node.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg is not None}
        except ValueError:
            raise AppError(f"{spec!r}: the arguments of the call must be literals") from None
        if len(kwargs) != len(node.keywords):
            raise AppError(f"{spec!r}: the arguments of the call must be literals")
        call = (args, kwargs)
        node = node.func
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise AppError(f"{spec!r}: {target!r} is not an attribute name nor a call of one")
    names.insert(0, node.id)
    return module, names, call


def _onPath(directory: str | None) -> str:
    """Puts directory (None: the current one), made absolute, first on sys.path unless there; returns it."""
    here = os.path.abspath(directory if directory is not None else os.getcwd())
    if here not in sys.path:
        sys.path.insert(0, here)
    return here


def findModule(spec: str, directory: str | None = None) -> str:
    """Returns the module that ``spec`` names once it is known to be importable, without running it.

    The supervisor asks this before it listens or starts a worker, so that a
    misspelt module is told in one line at once; the workers import the
    module itself (see loadApp). Parent packages of a dotted name are
    imported to find their child.

    Parameters:
        spec: ``MODULE:APP``, ``MODULE:FACTORY()``, ``PACKAGE.MODULE:ATTR.ATTR`` or ``MODULE``
        directory: put first on sys.path before looking, None means the current directory

    Raises:
        AppError: when no such module can be found
    """
    modname = parseSpec(spec)[0]
    here = _onPath(directory)
    try:
        found = importlib.util.find_spec(modname)
    except (ImportError, ValueError):  # a parent package that is missing or fails
        found = None
    if found is None:
        raise AppError(f"cannot import {modname!r}: no such module (looked in {here} and sys.path)")
    return modname


def loadApp(spec: str, directory: str | None = None) -> Callable[..., Any]:
    """Imports and returns the WSGI application that ``spec`` names (see module docs).

    Parameters:
        spec: ``MODULE:APP``, ``MODULE:FACTORY()``, ``PACKAGE.MODULE:ATTR.ATTR`` or ``MODULE``
        directory: put first on sys.path before importing, None means the current directory

    Raises:
        AppError: when the module cannot be imported, the attribute is missing,
            the factory fails or what is found is not callable
    """
    modname, names, call = parseSpec(spec)
    here = _onPath(directory)
    try:
        module = importlib.import_module(modname)
    except ModuleNotFoundError as ex:
        if ex.name is not None and (modname == ex.name or modname.startswith(ex.name + ".")):
            raise AppError(f"cannot import {modname!r}: no such module (looked in {here} and sys.path)") from None
        raise AppError(f"cannot import {modname!r}: {type(ex).__name__}: {ex}") from None
    except Exception as ex:
        raise AppError(f"cannot import {modname!r}: {type(ex).__name__}: {ex}") from None
    if not names:
        for name in DEFAULT_NAMES:
            if hasattr(module, name):
                names = [name]
                break
        else:
            raise AppError(f"module {modname!r} has no 'app' nor 'application': name one, {modname}:NAME")
    found: Any = module
    path = modname
    for name in names:
        try:
            found = getattr(found, name)
        except AttributeError:
            raise AppError(f"{path!r} has no attribute {name!r}") from None
        path = f"{path}:{name}" if path == modname else f"{path}.{name}"
    if call is not None:
        if not callable(found):
            raise AppError(f"{path} is not callable, it cannot be called as a factory")
        args, kwargs = call
        try:
            found = found(*args, **kwargs)
        except Exception as ex:
            raise AppError(f"{path}() failed: {type(ex).__name__}: {ex}") from None
        path += "()"
    if not callable(found):
        raise AppError(f"{path} is not a WSGI application: {type(found).__name__} is not callable")
    return found
