"""The application's own program settings (crisis lines, on-call contacts) from the program file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from dashboard.privacy import SMALL_CELL

#: Sections of the program file the application reads (measures reads the others).
APP_SECTIONS = ("crisis", "on_call", "notifications", "fhir", "privacy")

#: Shown at once, whatever else happens, when a client answers a safety item above
#: its threshold. Programs outside the US set their own lines in [crisis] message.
DEFAULT_CRISIS_MESSAGE = (
    "Thank you for telling us. You do not have to handle these thoughts alone.\n\n"
    "If you are thinking about suicide or hurting yourself, you can call or text **988**, "
    "the 988 Suicide & Crisis Lifeline, at any time, day or night, or chat at 988lifeline.org.\n\n"
    "If you are in danger right now, call **911** or go to the nearest emergency department."
)
#: What a client is told where their site has nobody on call to notify.
NEXT_REVIEW_MESSAGE = (
    "Your answer is saved for your care team: they will see it at their next review, "
    "not before. If you need help sooner, please use the lines above."
)
SmtpSecurity = Literal["starttls", "ssl", "none"]
_SECURITY: tuple[SmtpSecurity, ...] = ("starttls", "ssl", "none")


def default_on_call_message(site: str) -> str:
    """What a client is told once their answer has gone to their site's on-call contacts."""
    return f"Your answer has been sent to your team at {site}; they will contact you today."


@dataclass(frozen=True, kw_only=True)
class OnCall:
    """Whom to tell at once of a safety answer at ``site``, and what the client is told."""

    site: str
    email: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    message: str = ""

    @property
    def reachable(self) -> bool:
        """Whether there is anyone to send to."""
        return bool(self.email or self.webhooks)


@dataclass(frozen=True, kw_only=True)
class Notifications:
    """How on-call notifications are sent: the app's address, SMTP, retries.

    The SMTP account's user name and password come from the environment
    (IOP_SMTP_USERNAME, IOP_SMTP_PASSWORD), never from the program file.
    """

    base_url: str = "http://localhost:8501"
    sender: str = "iop-outcomes@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: SmtpSecurity = "starttls"
    max_attempts: int = 5
    retry_seconds: int = 60


@dataclass(frozen=True)
class AppSettings:
    """Settings from the program file that only the application uses."""

    crisis_message: str = DEFAULT_CRISIS_MESSAGE
    on_call: tuple[OnCall, ...] = ()
    notifications: Notifications = field(default_factory=Notifications)
    #: [fhir] patient_identifier_system: a FHIR record's client is its Patient's
    #: identifier of this system (the EHR's MRN), not the Patient's resource id.
    patient_identifier_system: str | None = None
    #: Directors' counts from 1 to ``small_cell - 1`` are withheld ([privacy] small_cell).
    small_cell: int = SMALL_CELL

    def on_call_for(self, site: str | None) -> OnCall | None:
        """The on-call contacts of ``site`` if it has anyone to send to."""
        for entry in self.on_call:
            if entry.site == site and entry.reachable:
                return entry
        return None

    @classmethod
    def from_toml(cls, path: str | Path | None) -> AppSettings:
        """The [crisis], [[on_call]], [notifications], [fhir] and [privacy] sections of the
        program file."""
        if path is None:
            return cls()
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_mapping(data, where=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str) -> AppSettings:
        """The settings from a parsed program file; unknown keys or bad values raise."""
        crisis = _table(data.get("crisis", {}), f"{where}: [crisis]", {"message"})
        entries = data.get("on_call", [])
        if not isinstance(entries, list):
            msg = f"{where}: on_call must be a list of tables ([[on_call]])"
            raise ValueError(msg)
        on_call = tuple(
            _on_call(entry, f"{where}: [[on_call]] {i + 1}") for i, entry in enumerate(entries)
        )
        sites = [entry.site for entry in on_call]
        repeated = sorted({s for s in sites if sites.count(s) > 1})
        if repeated:
            msg = f"{where}: [[on_call]] names site(s) {', '.join(repeated)} more than once"
            raise ValueError(msg)
        return cls(
            crisis_message=_text(crisis, "message", DEFAULT_CRISIS_MESSAGE, f"{where}: [crisis]"),
            on_call=on_call,
            notifications=_notifications(
                data.get("notifications", {}), f"{where}: [notifications]"
            ),
            patient_identifier_system=_identifier_system(data.get("fhir", {}), f"{where}: [fhir]"),
            small_cell=_small_cell(data.get("privacy", {}), f"{where}: [privacy]"),
        )


def _table(value: object, where: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        msg = f"{where} must be a table"
        raise ValueError(msg)
    unknown = sorted(set(value) - known)
    if unknown:
        msg = f"{where} unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        raise ValueError(msg)
    return value


def _text(table: dict[str, Any], key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        msg = f"{where} {key} must be a non-empty string"
        raise ValueError(msg)
    return value


def _texts(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        msg = f"{where} {key} must be a list of strings"
        raise ValueError(msg)
    return tuple(v.strip() for v in value)


def _identifier_system(value: object, where: str) -> str | None:
    """[fhir] patient_identifier_system: a URI (``urn:oid:...``, ``http://...``), or none."""
    table = _table(value, where, {"patient_identifier_system"})
    if "patient_identifier_system" not in table:
        return None
    system = _text(table, "patient_identifier_system", "", where).strip()
    if ":" not in system or any(c.isspace() for c in system):
        msg = (
            f"{where} patient_identifier_system must be the identifier system's URI "
            "(such as urn:oid:2.16.840.1.113883.19.5 or https://hospital.example/mrn)"
        )
        raise ValueError(msg)
    return system


def _on_call(value: object, where: str) -> OnCall:
    table = _table(value, where, {"site", "email", "webhooks", "message"})
    if "site" not in table:
        msg = f"{where} needs a site"
        raise ValueError(msg)
    site = _text(table, "site", "", where)
    email = _texts(table, "email", where)
    bad = [address for address in email if "@" not in address or " " in address]
    if bad:
        msg = f"{where} email: {', '.join(bad)} is not an e-mail address"
        raise ValueError(msg)
    webhooks = _texts(table, "webhooks", where)
    bad = [url for url in webhooks if "://" not in url]
    if bad:
        msg = f"{where} webhooks: each must be a URL (https://... or an Apprise URL)"
        raise ValueError(msg)
    message = _text(table, "message", default_on_call_message(site), where)
    return OnCall(site=site, email=email, webhooks=webhooks, message=message)


def _notifications(value: object, where: str) -> Notifications:
    defaults = Notifications()
    table = _table(value, where, set(Notifications.__dataclass_fields__))
    numbers = {}
    for key in ("smtp_port", "max_attempts", "retry_seconds"):
        number = table.get(key, getattr(defaults, key))
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            msg = f"{where} {key} must be a whole number above 0"
            raise ValueError(msg)
        numbers[key] = number
    security = table.get("smtp_security", defaults.smtp_security)
    if security not in _SECURITY:
        msg = f"{where} smtp_security must be one of {', '.join(_SECURITY)}"
        raise ValueError(msg)
    return Notifications(
        base_url=_text(table, "base_url", defaults.base_url, where).rstrip("/"),
        sender=_text(table, "sender", defaults.sender, where),
        smtp_host=_text(table, "smtp_host", defaults.smtp_host, where),
        smtp_security=cast("SmtpSecurity", security),
        **numbers,
    )


def _small_cell(value: object, where: str) -> int:
    table = _table(value, where, {"small_cell"})
    number = table.get("small_cell", SMALL_CELL)
    if not isinstance(number, int) or isinstance(number, bool) or number < 2:
        msg = f"{where} small_cell must be a whole number of 2 or more (default {SMALL_CELL})"
        raise ValueError(msg)
    return number
