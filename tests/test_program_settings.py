"""The app's sections of the program file: crisis lines, on-call contacts, notifications."""

from __future__ import annotations

import pytest

from dashboard.program_settings import (
    APP_SECTIONS,
    DEFAULT_CRISIS_MESSAGE,
    AppSettings,
    Notifications,
    default_on_call_message,
)
from measures import load_catalog
from measures.program import ProgramConfig

DEMO = "data/fixtures/demo_program.toml"


def _settings(tmp_path, text: str) -> AppSettings:
    path = tmp_path / "program.toml"
    path.write_text(text)
    ProgramConfig.from_toml(path, catalog=load_catalog(), other_sections=APP_SECTIONS)
    return AppSettings.from_toml(path)


def test_the_defaults_give_the_crisis_lines_and_promise_no_follow_up():
    settings = AppSettings.from_toml(DEMO)
    assert settings.crisis_message == DEFAULT_CRISIS_MESSAGE
    assert "988" in DEFAULT_CRISIS_MESSAGE
    assert "911" in DEFAULT_CRISIS_MESSAGE
    assert "follow up" not in DEFAULT_CRISIS_MESSAGE
    assert settings.on_call == ()
    assert settings.on_call_for("Hillcrest") is None
    assert settings.notifications == Notifications()


def test_on_call_sites_and_notifications_are_read_from_the_program_file(tmp_path):
    settings = _settings(
        tmp_path,
        """
[[on_call]]
site = "Hillcrest"
email = ["oncall@hillcrest.example"]
webhooks = ["https://hooks.slack.com/services/T/B/X"]

[[on_call]]
site = "Riverside"
email = []
message = "Your answer has gone to the Riverside team."

[notifications]
base_url = "https://iop.example.org/"
smtp_host = "smtp.example.org"
smtp_security = "ssl"
smtp_port = 465
max_attempts = 8
""",
    )
    hillcrest = settings.on_call_for("Hillcrest")
    assert hillcrest is not None
    assert hillcrest.email == ("oncall@hillcrest.example",)
    assert hillcrest.message == default_on_call_message("Hillcrest")
    assert hillcrest.message == (
        "Your answer has been sent to your team at Hillcrest; they will contact you today."
    )
    assert settings.on_call_for("Riverside") is None  # nobody to send to
    assert settings.notifications.base_url == "https://iop.example.org"
    assert (settings.notifications.smtp_port, settings.notifications.max_attempts) == (465, 8)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[crisis]\nmesage = "x"', r"\[crisis\] unknown key\(s\) mesage"),
        ('[[on_call]]\nemail = ["a@b.org"]', "needs a site"),
        ('[[on_call]]\nsite = "A"\nemail = ["not an address"]', "is not an e-mail address"),
        ('[[on_call]]\nsite = "A"\nwebhooks = ["hooks.example.org"]', "each must be a URL"),
        ('[[on_call]]\nsite = "A"\n[[on_call]]\nsite = "A"', "names site\\(s\\) A more than once"),
        ('[notifications]\nsmtp_security = "tls"', "smtp_security must be one of"),
        ("[notifications]\nmax_attempts = 0", "max_attempts must be a whole number above 0"),
    ],
)
def test_a_mistake_in_the_apps_sections_is_named(tmp_path, text, error):
    with pytest.raises(ValueError, match=error):
        _settings(tmp_path, text)


def test_the_fhir_patient_identifier_system_is_read_from_the_program_file(tmp_path):
    path = tmp_path / "program.toml"
    path.write_text('[fhir]\npatient_identifier_system = "urn:oid:2.16.840.1.113883.19.5"\n')
    assert AppSettings.from_toml(path).patient_identifier_system == "urn:oid:2.16.840.1.113883.19.5"
    assert AppSettings.from_toml(DEMO).patient_identifier_system is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[fhir]\npatient_identifier_system = "MRN"\n', "must be the identifier system's URI"),
        ('[fhir]\nsystem = "urn:oid:1.2"\n', "unknown key(s) system"),
    ],
)
def test_a_bad_fhir_section_says_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "program.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AppSettings.from_toml(path)


def test_the_directors_small_cell_threshold_is_11_unless_the_program_sets_another(tmp_path):
    assert AppSettings.from_toml(DEMO).small_cell == 11
    assert _settings(tmp_path, "[privacy]\nsmall_cell = 20\n").small_cell == 20


@pytest.mark.parametrize("value", ["1", "0", "11.5", "true", '"11"'])
def test_a_small_cell_threshold_that_protects_nothing_is_refused(tmp_path, value):
    with pytest.raises(ValueError, match="small_cell must be a whole number of 2 or more"):
        _settings(tmp_path, f"[privacy]\nsmall_cell = {value}\n")
