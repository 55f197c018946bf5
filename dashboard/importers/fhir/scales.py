"""The scale of a FHIR total whose instrument's total has two (WHO-5 raw or percentage)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard.importers.fhir.files import Json
from dashboard.importers.fhir.record import Unreadable
from measures.definition import Instrument

#: The code system of UCUM units (a valueQuantity's ``system``).
UCUM = "http://unitsofmeasure.org"


def total_scale(
    instrument: Instrument, holder: Json, codes: Iterable[str], where: str
) -> str | None:
    """The ``total_scale`` of a total read from ``holder`` (an Observation, component or answer).

    None where the instrument's total has a single scale. Otherwise a scale's
    own LOINC code among ``codes`` (a score's ``loinc``) or the unit of the
    valueQuantity (a score's ``total_unit``, e.g. ``%`` for the WHO-5
    percentage) tells which; raises :class:`Unreadable` when neither does or
    they disagree, so a raw 20 is never read as 20%.

    Examples
    --------
    >>> from measures import load_catalog
    >>> who5 = load_catalog()["who5"]
    >>> quantity = {"valueQuantity": {"value": 80, "unit": "%", "system": UCUM, "code": "%"}}
    >>> total_scale(who5, quantity, [], "total")
    'percentage'
    >>> total_scale(who5, {"valueInteger": 20}, [], "total")
    Traceback (most recent call last):
    ...
    dashboard.importers.fhir.record.Unreadable: total: a WHO-5 total may be percentage (0-100) \
or raw (0-25), and neither its code nor its unit says which (unit '%': percentage)
    """
    scales = instrument.total_scales
    if len(scales) < 2:
        return None
    found = set(codes)
    by_code = {str(s.total_scale) for s in scales if s.loinc and s.loinc in found}
    unit = _unit(holder)
    by_unit = {str(s.total_scale) for s in scales if unit is not None and s.total_unit == unit}
    told = by_code | by_unit
    if len(told) == 1:
        return told.pop()
    choices = " or ".join(f"{s.total_scale} ({s.min:g}-{s.max:g})" for s in scales)
    if told:
        msg = (
            f"{where}: the code and the unit of the {instrument.abbreviation} total disagree "
            f"({' and '.join(sorted(told))})"
        )
        raise Unreadable(msg, column="total", value=unit)
    telling = [f"unit '{s.total_unit}': {s.total_scale}" for s in scales if s.total_unit]
    telling += [f"code {s.loinc}: {s.total_scale}" for s in scales if s.loinc]
    hint = f" ({'; '.join(telling)})" if telling else ""
    msg = (
        f"{where}: a {instrument.abbreviation} total may be {choices}, and neither its code "
        f"nor its unit says which{hint}"
    )
    raise Unreadable(msg, column="total", value=unit)


def _unit(holder: Json) -> str | None:
    """The UCUM code of a valueQuantity, else its unit text."""
    quantity = holder.get("valueQuantity")
    if not isinstance(quantity, Mapping):
        return None
    code = quantity.get("code")
    if isinstance(code, str) and code and quantity.get("system") in (None, "", UCUM):
        return code
    unit = quantity.get("unit")
    return unit.strip() if isinstance(unit, str) and unit.strip() else None
