"""The weekly review's packet as the page draws it: why each client is there, who drew it."""

from __future__ import annotations

import io

import pypdf


def test_the_packet_says_why_each_client_is_on_the_agenda_and_who_drew_it(open_app):
    at = open_app("clinician", "weekly_review")
    assert not at.exception, at.exception
    button = next(b for b in at.button if b.label.startswith("Prepare the weekly review packet"))
    button.click().run()
    assert not at.exception, at.exception
    _, data = at.session_state["review_packet"]
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Why now" in text
    assert "Safety answer to follow up: PHQ-9 item 9 answered" in text
    assert "Cypress Meerkat (C0230)" in text
    assert f"by Demo Clinician. Page 1 of {len(reader.pages)}." in text
    for internal in ("None", "00:00:00", "issue "):
        assert internal not in text
