"""What a password must be: long enough and not guessable (zxcvbn), for every account."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: NIST SP 800-63B (5.1.1.2) asks for at least 8 characters and a check against
#: common and breached passwords; 12 is the program default, as OWASP's
#: Authentication Cheat Sheet advises for longer passphrases.
DEFAULT_MIN_LENGTH = 12
#: zxcvbn's score, 0 (guessable in under 10^3 tries) to 4 (over 10^10); 3 resists
#: an offline slow-hash attack ("safely unguessable", zxcvbn's documentation).
DEFAULT_MIN_STRENGTH = 3


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    """The rules a new password must pass; set by the deployment.

    ``IOP_PASSWORD_MIN_LENGTH`` and ``IOP_PASSWORD_MIN_STRENGTH`` (0-4) override the
    defaults (:meth:`from_env`).

    Examples
    --------
    >>> policy = PasswordPolicy()
    >>> policy.problems("demo", user_inputs=["clinician"])[0]
    'A password needs at least 12 characters (this one has 4).'
    >>> policy.problems("correct horse battery staple", user_inputs=["clinician"])
    []
    """

    min_length: int = DEFAULT_MIN_LENGTH
    min_strength: int = DEFAULT_MIN_STRENGTH

    def __post_init__(self) -> None:
        if self.min_length < 8:
            msg = f"a minimum password length under 8 is not allowed (got {self.min_length})"
            raise ValueError(msg)
        if not 0 <= self.min_strength <= 4:
            msg = f"the minimum password strength is 0-4 (got {self.min_strength})"
            raise ValueError(msg)

    @classmethod
    def from_env(cls) -> PasswordPolicy:
        """The policy of this deployment (``IOP_PASSWORD_MIN_LENGTH``, ``..._MIN_STRENGTH``)."""
        values = {}
        for key, variable in (
            ("min_length", "IOP_PASSWORD_MIN_LENGTH"),
            ("min_strength", "IOP_PASSWORD_MIN_STRENGTH"),
        ):
            text = os.environ.get(variable)
            if text:
                try:
                    values[key] = int(text)
                except ValueError:
                    msg = f"{variable} must be a whole number, not {text!r}"
                    raise ValueError(msg) from None
        return cls(**values)

    def summary(self) -> str:
        """The policy in one sentence, for the people choosing a password.

        Examples
        --------
        >>> PasswordPolicy().summary()[:60]
        'At least 12 characters, and hard to guess: not a common pass'
        >>> PasswordPolicy(min_length=16, min_strength=0).summary()
        'At least 16 characters.'
        """
        hard = (
            ", and hard to guess: not a common password, word or name, nor made of the "
            "username. A few unrelated words make a good one."
            if self.min_strength
            else "."
        )
        return f"At least {self.min_length} characters{hard}"

    def problems(self, password: str, *, user_inputs: Sequence[str] = ()) -> list[str]:
        """Why ``password`` is refused, in plain words; empty when it passes.

        ``user_inputs`` (username, display name, e-mail) count against the
        password's strength, whole and word by word: a password built from them
        is easy to guess.
        """
        if len(password) < self.min_length:
            return [
                f"A password needs at least {self.min_length} characters "
                f"(this one has {len(password)})."
            ]
        from zxcvbn import zxcvbn

        words = [w for u in user_inputs for w in re.split(r"[^\w]+", u) if len(w) >= 3]
        known = list(dict.fromkeys([*(u for u in user_inputs if u), *words]))
        # zxcvbn's estimate is meaningful for the first 100 characters only
        result = zxcvbn(password[:100], user_inputs=known)
        if result["score"] >= self.min_strength:
            return []
        feedback = result["feedback"]
        advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        return [("This password is too easy to guess. " + advice).strip()]
