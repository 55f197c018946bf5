"""Phone numbers in a plan's contacts and the crisis lines, found so a phone can call them."""

from __future__ import annotations

import re

# A number: digits with the usual separators, an optional leading + or (, never part of
# a word, a web address, an e-mail address or a link ("988lifeline.org" is no number).
_NUMBER = re.compile(r"(?<![\w.@/:#=?&%-])[+(]?\d(?:[\d.\- ()]*\d)?(?![\w@/]|\.\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
#: Fewer digits than this is no phone number ("after 6 pm"); 3 is a short code (988, 911).
MIN_DIGITS = 3
#: More digits than this is no phone number either (E.164 allows at most 15).
MAX_DIGITS = 15


def dial(number: str) -> str:
    """What a phone dials for ``number``: its digits, with a leading + kept.

    Examples
    --------
    >>> dial("(555) 010-0100"), dial("+44 20 7946 0958"), dial("988")
    ('5550100100', '+442079460958', '988')
    """
    digits = re.sub(r"\D", "", number)
    return f"+{digits}" if number.startswith("+") else digits


def split_numbers(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut into pieces, each with the number to dial if it is a phone number.

    Joined, the pieces give ``text`` back unchanged.

    Examples
    --------
    >>> split_numbers("Sam (sponsor): 555-0100 after 6 pm")
    [('Sam (sponsor): ', None), ('555-0100', '5550100'), (' after 6 pm', None)]
    >>> split_numbers("call or text **988**, or chat at 988lifeline.org")
    [('call or text **', None), ('988', '988'), ('**, or chat at 988lifeline.org', None)]
    >>> split_numbers("Mum, since 2026-11-26 or 26/11/2026"), split_numbers("")
    ([('Mum, since 2026-11-26 or 26/11/2026', None)], [])
    """
    pieces: list[tuple[str, str | None]] = []
    start = 0
    for found in _NUMBER.finditer(text):
        number = found.group().removesuffix(")").removesuffix(" ")
        if number.startswith("(") and ")" not in number:
            number = number[1:]
        digits = dial(number).removeprefix("+")
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or _DATE.fullmatch(number):
            continue
        at = found.start() + found.group().index(number)
        if at > start:
            pieces.append((text[start:at], None))
        pieces.append((number, dial(number)))
        start = at + len(number)
    if start < len(text):
        pieces.append((text[start:], None))
    return pieces


def has_number(text: str) -> bool:
    """Whether ``text`` holds a phone number to call.

    Examples
    --------
    >>> has_number("Sam: 555-0100"), has_number("Sam: by e-mail")
    (True, False)
    """
    return any(number for _piece, number in split_numbers(text))
