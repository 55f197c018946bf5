"""The application's own program settings (crisis information), from the program file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

#: Sections of the program file the application reads (measures reads the others).
APP_SECTIONS = ("crisis",)

#: Shown at once when a client answers the PHQ-9 self-harm item above 0. Programs
#: outside the US set their own services in [crisis] of the program file.
DEFAULT_CRISIS_MESSAGE = (
    "Thank you for telling us. You do not have to handle these thoughts alone.\n\n"
    "If you are thinking about suicide or hurting yourself, you can call or text **988**, "
    "the 988 Suicide & Crisis Lifeline, at any time, day or night, or chat at 988lifeline.org.\n\n"
    "If you are in danger right now, call **911** or go to the nearest emergency department.\n\n"
    "Your care team will see your answer and will follow up with you."
)


@dataclass(frozen=True)
class AppSettings:
    """Settings from the program file that only the application uses."""

    crisis_message: str = DEFAULT_CRISIS_MESSAGE

    @classmethod
    def from_toml(cls, path: str | Path | None) -> AppSettings:
        """The [crisis] section of the program file (``message = "..."``), or the default."""
        if path is None:
            return cls()
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        crisis = data.get("crisis", {})
        unknown = sorted(set(crisis) - {"message"})
        if unknown:
            msg = f"{path}: [crisis] unknown key(s) {', '.join(unknown)} (known: message)"
            raise ValueError(msg)
        return cls(crisis_message=crisis.get("message", DEFAULT_CRISIS_MESSAGE))
