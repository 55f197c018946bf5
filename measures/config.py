"""Frozen config dataclasses updated from TOML tables; unknown keys and wrong types are errors."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

#: What a criterion, measure or option says when a program setting is empty.
NOT_SET = "not set by the program"


class ConfigError(ValueError):
    """A program configuration table has an unknown key or a value of the wrong kind."""


def table_keys(default: DataclassInstance) -> tuple[str, ...]:
    """The keys a TOML table may hold for ``default``'s class (its public init fields)."""
    return tuple(
        f.name
        for f in dataclasses.fields(default)
        if f.init and not f.name.startswith("_") and not f.metadata.get("internal", False)
    )


def updated(default: T, data: object, where: str) -> T:
    """``default`` with the values of the TOML table ``data``; nested tables go deeper.

    Errors name the table path (``where``) and the key.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Window:
    ...     days: int = 14
    ...     enabled: bool = True
    >>> updated(Window(), {"days": 7}, "demo")
    Window(days=7, enabled=True)
    >>> updated(Window(), {"dayz": 7}, "demo")
    Traceback (most recent call last):
    ...
    measures.config.ConfigError: [demo] unknown key 'dayz' (known: days, enabled)
    """
    if not isinstance(data, Mapping):
        msg = f"[{where}] should be a table, not {_kind(data)}"
        raise ConfigError(msg)
    known = table_keys(default)
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        names = ", ".join(repr(k) for k in unknown)
        msg = f"[{where}] unknown {noun} {names} (known: {', '.join(known)})"
        raise ConfigError(msg)
    hints = get_type_hints(type(default))
    changes: dict[str, Any] = {}
    for key, value in data.items():
        current = getattr(default, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            changes[key] = updated(current, value, f"{where}.{key}")
        else:
            changes[key] = convert(value, hints[key], f"[{where}] {key}")
    try:
        return dataclasses.replace(default, **changes)
    except ValueError as exc:
        msg = f"[{where}] {exc}"
        raise ConfigError(msg) from exc


def convert(value: object, hint: Any, where: str) -> Any:
    """``value`` checked against the type ``hint`` (TOML lists become tuples)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        errors = []
        for option in options:
            try:
                return convert(value, option, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            msg = f"{where} should be one of {', '.join(repr(a) for a in allowed)}, not {value!r}"
            raise ConfigError(msg)
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            msg = f"{where} should be a list, not {_kind(value)}"
            raise ConfigError(msg)
        item = get_args(hint)[0]
        return tuple(convert(v, item, f"{where} item {n}") for n, v in enumerate(value, 1))
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{where} should be a number, not {_kind(value)}"
            raise ConfigError(msg)
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"{where} should be a whole number, not {_kind(value)}"
            raise ConfigError(msg)
        return value
    if hint in (bool, str):
        if not isinstance(value, hint):
            noun = "true or false" if hint is bool else "text"
            msg = f"{where} should be {noun}, not {_kind(value)}"
            raise ConfigError(msg)
        return value
    msg = f"{where}: unsupported setting type {hint!r}"  # pragma: no cover - a coding error
    raise TypeError(msg)  # pragma: no cover


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{value!r}"
