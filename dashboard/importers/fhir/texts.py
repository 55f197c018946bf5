"""The catalog's published item texts, to recognise a response that carries nothing else."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dashboard.importers.fhir.codes import names
from measures.catalog import Catalog
from measures.definition import Instrument

_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACE = re.compile(r"\s+")
#: Punctuation a form adds at the end of a question.
_TRAILING = "?.:!"


def normalise(text: str) -> str:
    """An item text as compared: the same words in the same order, typography aside.

    Case, runs of white space, the spacing around a dash, the kind of dash or
    quote, and a question mark or full stop at the end do not count; every word
    and comma does.

    >>> normalise("Feeling bad about yourself - or that you\u2019re a failure?")
    "feeling bad about yourself-or that you're a failure"
    >>> normalise("Down, depressed, or hopeless") == normalise("down, depressed or hopeless")
    False
    """
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    folded = _SPACE.sub(" ", _DASHES.sub("-", folded)).strip()
    return folded.rstrip(_TRAILING).rstrip()


class ItemTexts:
    """Which catalog items a published item text is, for every instrument whose definition
    holds its items' wording (only where the licence allows it to be shipped).

    Examples
    --------
    >>> from measures import load_catalog
    >>> texts = ItemTexts(load_catalog())
    >>> [i.abbreviation for i in texts.holding([texts.key("Trouble relaxing?")])]
    ['GAD-7']
    """

    def __init__(self, catalog: Catalog) -> None:
        self.instruments = tuple(i for i in catalog if any(item.text for item in i.items))
        self._items: dict[str, dict[str, str]] = {}
        for instrument in self.instruments:
            for item in instrument.items:
                if item.text:
                    self._items.setdefault(normalise(item.text), {})[instrument.id] = item.id

    def key(self, text: object) -> str | None:
        """The normalised ``text`` when it is a catalog item's text, else None."""
        if not isinstance(text, str):
            return None
        found = normalise(text)
        return found if found in self._items else None

    def item(self, instrument: Instrument, key: str) -> str | None:
        """The ``item_k`` of ``instrument`` whose text is ``key``."""
        return self._items.get(key, {}).get(instrument.id)

    def holding(self, keys: Iterable[str]) -> list[Instrument]:
        """The instruments that have an item of each text in ``keys``."""
        wanted = set(keys)
        return [
            i
            for i in self.instruments
            if wanted and all(i.id in self._items.get(key, {}) for key in wanted)
        ]

    def identify(self, keys: Iterable[str]) -> tuple[Instrument | None, str | None]:
        """The instrument whose item texts these are, or why they do not tell.

        Like item codes: the one instrument holding every text found, else the
        one with exactly that many items (the first two PHQ-9 texts alone are a
        PHQ-2). ``(None, None)`` when no text is a catalog item's.
        """
        found = set(keys)
        if not found:
            return None, None
        holding = self.holding(found)
        exact = [i for i in holding if len(i.items) == len(found)]
        for candidates in (holding, exact):
            if len(candidates) == 1:
                return candidates[0], None
        if not holding:
            return None, f"the {len(found)} item texts found belong to different instruments"
        return None, f"the {len(found)} item texts found are items of {names(holding)} alike"
