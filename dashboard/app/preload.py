"""What the server imports as it starts, so that the first viewer does not wait for it."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterable

#: What the pages draw with that Streamlit does not import as it starts: pandas and its
#: Styler (the weekly review's coloured bands), about 0.5 s. Imported before serving.
PRELOAD = ("pandas.io.formats.style",)
#: What only the directors' cohort comparison computes with: statsmodels' least squares
#: (the baseline-adjusted change) and scipy's t quantiles, about 1 s. Imported on a
#: thread once the server is up (:func:`preload_later`), so a start is not slower.
LATER = ("scipy.special", "statsmodels.regression.linear_model")
#: Seconds after the start at which :data:`LATER` is imported.
LATER_SECONDS = 5.0


def preload(names: Iterable[str] = PRELOAD) -> None:
    """Import the modules ``names`` (a start or a deploy pays for them, not the first page).

    >>> preload(["json"])
    """
    for name in names:
        importlib.import_module(name)


def preload_later(*, seconds: float = LATER_SECONDS) -> threading.Timer:
    """Import :data:`LATER` on a thread ``seconds`` from now (a page that needs them
    first waits only for what is left). A failed import is logged by its class: the page
    that needs the module imports it itself and shows its error."""

    def run() -> None:
        try:
            preload(LATER)
        except Exception as exc:  # an optimisation: never fail the server
            logging.getLogger(__name__).warning("preload failed: %s", type(exc).__name__)

    timer = threading.Timer(seconds, run)
    timer.name, timer.daemon = "iop-preload", True
    timer.start()
    return timer
