"""A program's settings: the library defaults merged with the program's own TOML file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from measures.catalog import Catalog, load_catalog
from measures.config import ConfigError
from measures.expected import ExpectedConfig
from measures.readiness_config import ReadinessConfig
from measures.schedule import ScheduleConfig

#: The sections a program file may have.
SECTIONS = ("readiness", "expected_response", "schedule")


def defaults_path() -> Path:
    """The library's default settings file, every key with its reason or source."""
    return Path(str(resources.files("measures") / "program_defaults.toml"))


@dataclass(frozen=True)
class ProgramConfig:
    """Readiness criteria, expected-response and schedule settings of one program.

    Examples
    --------
    >>> config = ProgramConfig.from_toml(None)
    >>> config.readiness.attendance.attendance_min is None
    True
    >>> config.schedule.instruments["phq9"].every_days
    7
    """

    readiness: ReadinessConfig = field(default_factory=ReadinessConfig)
    expected_response: ExpectedConfig = field(default_factory=ExpectedConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    source: Path | None = None

    @classmethod
    def from_toml(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        catalog: Catalog | None = None,
        other_sections: Collection[str] = (),
    ) -> ProgramConfig:
        """The defaults merged with the program's file at ``path`` (None: defaults only).

        The program's file is applied over the defaults file, table by table.
        Every instrument of ``catalog`` (default: the built-ins) is scheduled:
        one the defaults do not name gets
        :func:`~measures.schedule.unnamed_schedule` before the program's file
        is applied. Unknown sections or keys, values of the wrong kind and
        scheduled instruments missing from ``catalog`` are errors naming the
        file and key; ``other_sections`` are sections the application reads
        itself (skipped here).
        """
        catalog = catalog or load_catalog()
        defaults = cls._layer(cls(), defaults_path(), ())
        defaults = replace(defaults, schedule=defaults.schedule.covering(catalog))
        program = Path(path) if path is not None else None
        config = cls._layer(defaults, program, other_sections) if program is not None else defaults
        where = program or defaults_path()
        unknown = sorted(set(config.schedule.instruments) - set(catalog.ids))
        if unknown:
            msg = f"{where}: [schedule] has no instrument definition for {', '.join(unknown)}"
            raise ConfigError(msg)
        return replace(config, source=program)

    @classmethod
    def _layer(cls, base: ProgramConfig, path: Path, skip: Collection[str]) -> ProgramConfig:
        try:
            data = {k: v for k, v in _read(path).items() if k not in skip}
            return cls.from_mapping(data, policy_source=path.name, base=base)
        except ConfigError as exc:
            msg = f"{path}: {exc}"
            raise ConfigError(msg) from exc

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        *,
        policy_source: str = "program.toml",
        base: ProgramConfig | None = None,
    ) -> ProgramConfig:
        """``base`` (default: the dataclass defaults) updated with a whole settings mapping."""
        base = base or cls()
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            msg = f"unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})"
            raise ConfigError(msg)
        return cls(
            readiness=ReadinessConfig.from_mapping(
                data.get("readiness", {}), policy_source=policy_source, base=base.readiness
            ),
            expected_response=ExpectedConfig.from_mapping(
                data.get("expected_response", {}), base=base.expected_response
            ),
            schedule=ScheduleConfig.from_mapping(data.get("schedule", {}), base=base.schedule),
            source=base.source,
        )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise ConfigError(msg) from exc
