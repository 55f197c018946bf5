"""Every colour the figures use: Okabe-Ito for marks, light sequences for bands and cells."""

from __future__ import annotations

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

SCORE = OKABE_ITO["blue"]
EXPECTED = OKABE_ITO["sky_blue"]
EXPECTED_FILL = "rgba(86, 180, 233, 0.22)"
SAFETY = OKABE_ITO["vermillion"]
CARE_CHANGE = OKABE_ITO["reddish_purple"]
CUTOFF = "#333333"
RELIABLE_FILL = "rgba(0, 0, 0, 0.06)"
#: Okabe-Ito bluish green, darkened so text on the light bands stays readable.
RELIABLE_EDGE = "#00664A"
ATTENDED = OKABE_ITO["blue"]
MISSED = OKABE_ITO["orange"]
MISSING_FILL = "#D9D9D9"
MISSING_PATTERN = "#7F7F7F"
GRID_TEXT = "#444444"

#: Severity bands, least to most severe: a light single-hue (yellow-orange-brown)
#: sequence from ColorBrewer YlOrBr, safe for colour-blind readers; every band
#: also carries its label as text, so colour is never the only cue.
BAND_FILLS = ("#FFFFE5", "#FFF7BC", "#FEE391", "#FEC44F", "#FE9929", "#EC7014")
BAND_OPACITY = 0.4

#: Item answers (0 = none to the highest answer): ColorBrewer Blues, light to dark.
ANSWER_SCALE = ("#EFF3FF", "#BDD7E7", "#6BAED6", "#3182BD", "#08519C", "#08306B")


def band_fills(count: int, *, worst_first: bool) -> list[str]:
    """``count`` band colours in definition order; the most severe band is the darkest.

    ``worst_first`` is True where the first band is the most severe (scales on
    which higher is better, such as the WHO-5).
    """
    if count > len(BAND_FILLS):
        msg = f"at most {len(BAND_FILLS)} severity bands can be shaded, not {count}"
        raise ValueError(msg)
    fills = list(BAND_FILLS[:count])
    return fills[::-1] if worst_first else fills


def answer_colours(levels: int) -> list[str]:
    """``levels`` colours for answers 0..levels-1, light to dark."""
    if levels <= len(ANSWER_SCALE):
        step = (len(ANSWER_SCALE) - 1) / max(levels - 1, 1)
        return [ANSWER_SCALE[round(i * step)] for i in range(levels)]
    return [ANSWER_SCALE[min(i * len(ANSWER_SCALE) // levels, 5)] for i in range(levels)]
