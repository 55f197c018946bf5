"""The LOINC codes of the catalog's instruments, and which instrument a set of codes means."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from measures.catalog import Catalog
from measures.definition import Instrument

LOINC = "http://loinc.org"
#: The base of the canonical URLs of the Questionnaires this project generates
#: (``iop export questionnaires``): ``<base>/Questionnaire/<instrument id>``.
CANONICAL_BASE = "http://iop-outcomes.org/fhir"

_LOINC_LIKE = re.compile(r"(?<!\d)\d{1,7}-\d(?!\d)")


class CatalogCodes:
    """Panel, total, item and answer codes, taken from the catalog (never hard-coded).

    Examples
    --------
    >>> from measures import load_catalog
    >>> codes = CatalogCodes(load_catalog())
    >>> codes.identify(["44250-9", "44255-8", "44259-0"])[0].id
    'phq9'
    >>> codes.identify(["44250-9", "44255-8"])[0].id
    'phq2'
    >>> codes.codes_in("http://loinc.org/q/44249-1|2.68")
    ['44249-1']
    """

    def __init__(self, catalog: Catalog) -> None:
        self.instruments = tuple(i for i in catalog if _has_codes(i))
        self.panels = {i.codes.loinc_panel: i for i in self.instruments if i.codes.loinc_panel}
        self.totals = {i.codes.loinc_total: i for i in self.instruments if i.codes.loinc_total}
        # a total whose instrument has two scales has a code per scale (on its score)
        self.totals |= {s.loinc: i for i in self.instruments for s in i.total_scales if s.loinc}
        self.items: dict[str, list[Instrument]] = {}
        for instrument in self.instruments:
            for item in instrument.items:
                if item.loinc:
                    self.items.setdefault(item.loinc, []).append(instrument)
        self.known = frozenset(self.panels) | frozenset(self.totals) | frozenset(self.items)
        self.generated = {canonical(i): i for i in catalog}

    def generated_by(self, url: object) -> Instrument | None:
        """The instrument whose generated Questionnaire has the canonical ``url``
        (a ``|version`` ignored), or None.

        >>> from measures import load_catalog
        >>> codes = CatalogCodes(load_catalog())
        >>> codes.generated_by(CANONICAL_BASE + "/Questionnaire/who5|1").id
        'who5'
        """
        if not isinstance(url, str):
            return None
        return self.generated.get(url.strip().split("|")[0])

    def columns(self, instrument: Instrument) -> dict[str, str]:
        """Item LOINC code -> ``item_k``, and the total code -> ``total``."""
        columns = {item.loinc: item.id for item in instrument.items if item.loinc}
        if instrument.codes.loinc_total:
            columns[instrument.codes.loinc_total] = "total"
        columns |= {s.loinc: "total" for s in instrument.total_scales if s.loinc}
        return columns

    def answer(self, instrument: Instrument, coding: Mapping[str, Any]) -> int | None:
        """The score of a LOINC answer code (``LA...``) on ``instrument``'s answer list."""
        if coding.get("system") not in (None, "", LOINC):
            return None
        return dict(instrument.codes.loinc_answers).get(str(coding.get("code")))

    def answer_lists(self, codes: Iterable[str]) -> list[Instrument]:
        """The instruments whose LOINC answer list holds every one of ``codes``
        (none when no code is a catalog answer code).

        >>> from measures import load_catalog
        >>> sorted(i.abbreviation for i in CatalogCodes(load_catalog()).answer_lists(["LA6570-1"]))
        ['GAD-7', 'PHQ-2', 'PHQ-9']
        """
        wanted = set(codes)
        if not wanted:
            return []
        return [i for i in self.instruments if wanted <= set(dict(i.codes.loinc_answers))]

    def codes_in(self, text: object) -> list[str]:
        """The catalog codes written in a canonical URL or a linkId, in order."""
        if not isinstance(text, str):
            return []
        return [code for code in _LOINC_LIKE.findall(text) if code in self.known]

    def identify(self, codes: Iterable[str]) -> tuple[Instrument | None, str | None]:
        """The instrument meant by ``codes``, or a reason when they are ambiguous.

        A panel code decides, then a total code, then the item codes: the
        instruments holding every item found, preferring the one with exactly
        those items (items 1-2 of the PHQ-9 alone are a PHQ-2). Returns
        ``(None, None)`` when no code belongs to the catalog.
        """
        codes = [c for c in codes if c in self.known]
        for table in (self.panels, self.totals):
            found = {table[c].id: table[c] for c in codes if c in table}
            if len(found) == 1:
                return next(iter(found.values())), None
            if found:
                return None, f"codes of several instruments ({names(found.values())})"
        items = {c for c in codes if c in self.items}
        if not items:
            return None, None
        holding = [i for i in self.instruments if items <= {it.loinc for it in i.items}]
        exact = [i for i in holding if len(i.items) == len(items)]
        for candidates in (holding, exact):
            if len(candidates) == 1:
                return candidates[0], None
        listed = ", ".join(sorted(items))
        if not holding:
            return None, f"item codes {listed} belong to different instruments"
        return None, (
            f"item codes {listed} are items of {names(holding)}; "
            "the panel code is needed to tell which"
        )


def questionnaire_id(instrument: Instrument) -> str:
    """The id of an instrument's generated Questionnaire (its catalog id as a FHIR id).

    >>> from measures import load_catalog
    >>> questionnaire_id(load_catalog()["audit_c"])
    'audit-c'
    """
    return instrument.id.replace("_", "-")


def canonical(instrument: Instrument) -> str:
    """The canonical URL of the Questionnaire generated for ``instrument``."""
    return f"{CANONICAL_BASE}/Questionnaire/{questionnaire_id(instrument)}"


def _has_codes(instrument: Instrument) -> bool:
    codes = instrument.codes
    coded = codes.loinc_panel or codes.loinc_total or any(s.loinc for s in instrument.scores)
    return bool(coded or any(i.loinc for i in instrument.items))


def names(instruments: Iterable[Instrument]) -> str:
    """Abbreviations in words: ``PHQ-9``, ``PHQ-9 and PHQ-2``, ``GAD-7, PHQ-2 and PHQ-9``."""
    found = [i.abbreviation for i in instruments]
    return " and ".join(found) if len(found) < 3 else f"{', '.join(found[:-1])} and {found[-1]}"
