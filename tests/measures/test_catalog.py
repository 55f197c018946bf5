"""The instrument catalog as data: sources for every clinical value, and refused definitions."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from measures import DefinitionError, load_catalog, load_definition, score_administrations
from measures.catalog import builtin_definitions_dir
from measures.definition import DEFAULT_ORDER, Display
from measures.definition_checks import check_instrument
from tests.measures.conftest import administration, frame

BUILTIN_FILES = sorted(builtin_definitions_dir().glob("*.toml"))
BUILTIN = load_catalog()
NO_PUBLISHED_CUTOFFS = ("craving_nrs", "confidence_nrs", "mood_nrs", "gse")

EXAMPLE = """\
id = "example_scale"
name = "Example Scale (fictional)"
abbreviation = "EXS"
construct = "Nothing real"
domain = "other"
recall_period = "Past week"

[licence]
text = "Fictional instrument for tests."
show_item_wording = true
source = "manual"

[item_defaults]
min = 0
max = 3

[[items]]
id = "item_1"
label = "First"
text = "How was the first thing?"

[[items]]
id = "item_2"
label = "Second"

[[items]]
id = "item_3"
label = "Third"

[[items]]
id = "item_4"
label = "Fourth"

[[scores]]
id = "exs_total"
label = "EXS total"
primary = true
items = "all"
formula = "sum"
min = 0
max = 12
higher_is_better = false
source = "manual"
missing = { max_missing = 0 }
caseness = { cutoff = 6, rule = ">=", source = "manual" }
reliable_change = { points = 4, source = "manual" }
bands_source = "manual"
bands = [
  { min = 0, max = 4, label = "Low" },
  { min = 5, max = 8, label = "Middle" },
  { min = 9, max = 12, label = "High" },
]

[sources]
manual.label = "Example Scale manual"
manual.text = "Example Scale manual (fictional)."
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def changed(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def cited_sources(instrument):
    """(what, source key) for every clinical value of an instrument that needs a source."""
    cited = []
    for score in instrument.scores:
        cited.append((f"{score.id} formula", score.source))
        if score.bands:
            cited.append((f"{score.id} bands", score.bands_source))
        if score.caseness:
            cited.append((f"{score.id} caseness", score.caseness.source))
        if score.reliable_change:
            cited.append((f"{score.id} reliable change", score.reliable_change.source))
        if score.missing.max_missing > 0:
            cited.append((f"{score.id} missing rule", score.missing.source))
        cited += [(f"{score.id} caseness for {c.value}", c.source) for c in score.caseness_by]
        cited += [(f"{score.id} {p.scheme}", p.source) for p in score.paired_outcomes]
    cited += [(f"critical {c.item}", c.source) for c in instrument.critical_items]
    cited += [(f"{i.id} skip rule", i.asked_if.source) for i in instrument.items if i.asked_if]
    if instrument.triage:
        cited.append(("risk levels", instrument.triage.source))
        cited.append(("risk level when no rule is met", instrument.triage.otherwise_source))
        cited += [(f"risk level {r.level}", r.source) for r in instrument.triage.rules]
    codes = instrument.codes
    if codes.loinc_panel or codes.loinc_total or codes.loinc_answers:
        cited.append(("LOINC codes", codes.source))
    if any(i.loinc for i in instrument.items):
        cited.append(("item LOINC codes", codes.source))
    if instrument.recall_period_days is not None:
        cited.append(("recall period", instrument.recall_source))
    cited.append(("licence", instrument.licence_source))
    return cited


def test_the_example_definition_used_below_is_itself_valid(tmp_path):
    instrument = load_definition(write(tmp_path, "example.toml", EXAMPLE))
    assert instrument.id == "example_scale"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[p.stem for p in BUILTIN_FILES])
def test_every_builtin_definition_loads_without_problems(path):
    instrument = load_definition(path)
    assert check_instrument(instrument) == []
    assert instrument.id in BUILTIN


def test_the_catalog_holds_every_builtin_file():
    assert len(BUILTIN) == len(BUILTIN_FILES)


@pytest.mark.parametrize("instrument", list(BUILTIN), ids=BUILTIN.ids)
def test_every_clinical_value_cites_a_listed_source(instrument):
    for what, key in cited_sources(instrument):
        assert key is not None, f"{instrument.id}: {what} has no source"
        assert key in instrument.sources, f"{instrument.id}: {what} cites unlisted {key!r}"
        assert instrument.cite(key).strip(), f"{instrument.id}: source {key!r} is empty"


def test_every_builtin_source_has_a_short_label_naming_one_reference():
    texts: dict[str, set[str]] = {}
    for instrument in BUILTIN:
        for key, source in instrument.sources.items():
            assert 0 < len(source.label) <= 60, f"{instrument.id} {key}: {source.label!r}"
            assert "http" not in source.label
            assert source.text == instrument.cite(key)
            texts.setdefault(source.label, set()).add(source.text)
    # a label cited on a page stands for one full reference in its Sources section
    assert {label: t for label, t in texts.items() if len(t) > 1} == {}
    phq9 = BUILTIN["phq9"].source("kroenke2001")
    assert phq9.label == "Kroenke et al. 2001, The PHQ-9"
    assert phq9.text.startswith("Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity")


def test_prorating_rules_are_the_published_phq9_rule_only():
    prorating = [(i.id, s.id) for i in BUILTIN for s in i.scores if s.missing.max_missing > 0]
    assert prorating == [("phq9", "phq9_total")]
    rule = BUILTIN["phq9"].primary.missing
    assert (rule.max_missing, rule.method, rule.source) == (2, "mean_of_answered", "nhs_dd")


def test_the_published_reliable_change_thresholds():
    thresholds = {
        i.id: i.primary.reliable_change.threshold
        for i in BUILTIN
        if i.primary and i.primary.reliable_change
    }
    assert thresholds == {"phq9": 6, "gad7": 4, "who5": 10}


def test_the_safety_items_are_phq9_item9_and_the_cssrs_high_risk_answers():
    [critical] = BUILTIN["phq9"].critical_items
    assert (critical.item, critical.above) == ("item_9", 0)
    # Columbia: a recent yes to 4 or 5, or behaviour in the past 3 months (6b = item_7)
    cssrs = [(c.item, c.above) for c in BUILTIN["cssrs_screen"].critical_items]
    assert cssrs == [("item_4", 0), ("item_5", 0), ("item_7", 0)]
    assert all(not i.critical_items for i in BUILTIN if i.id not in ("phq9", "cssrs_screen"))


@pytest.mark.parametrize("instrument_id", NO_PUBLISHED_CUTOFFS)
def test_instruments_without_published_cutoffs_have_none(instrument_id):
    for score in BUILTIN[instrument_id].scores:
        assert score.bands == ()
        assert score.caseness is None
        assert score.reliable_change is None


def test_pacs_has_a_caseness_cutoff_but_no_bands():
    total = BUILTIN["pacs"].primary
    assert total.bands == ()
    assert total.caseness is not None
    assert total.caseness.cutoff == 15


def test_wording_is_shown_only_where_the_licence_allows():
    for instrument in BUILTIN:
        if not instrument.show_item_wording:
            assert all(item.text is None for item in instrument.items), instrument.id


def test_a_program_folder_adds_its_instrument_to_the_builtins(tmp_path):
    write(tmp_path, "example.toml", EXAMPLE)
    catalog = load_catalog(tmp_path)
    assert set(catalog.ids) == {*BUILTIN.ids, "example_scale"}
    [row] = score_administrations(
        frame(administration("example_scale", 2, 2, 2, 1)), catalog
    ).to_dicts()
    assert (row["score"], row["severity"], row["caseness"]) == (7, "Middle", True)


def test_a_missing_program_folder_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="does not exist"):
        load_catalog(tmp_path / "nowhere")


def test_a_definition_reusing_a_builtin_id_is_refused(tmp_path):
    phq9 = (builtin_definitions_dir() / "phq9.toml").read_text(encoding="utf-8")
    path = write(tmp_path, "my_phq9.toml", phq9)
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    assert str(path) in str(error.value)
    assert "instrument id 'phq9' is already defined" in str(error.value)


def test_a_subscale_id_reusing_another_instruments_column_is_refused(tmp_path):
    subscale = """
[[scores]]
id = "use"
label = "Use"
items = ["item_1", "item_2"]
formula = "sum"
min = 0
max = 6
higher_is_better = false
source = "manual"
missing = { max_missing = 0 }
"""
    write(tmp_path, "example.toml", changed(EXAMPLE, "[sources]", subscale + "\n[sources]"))
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    message = str(error.value)
    assert "example_scale" in message
    assert "'use' is already used by bam_r" in message


BROKEN = {
    "unknown_key": (
        ("higher_is_better = false", "higher_is_beter = false"),
        "unknown key(s) higher_is_beter",
    ),
    "items_not_numbered": (
        ('id = "item_3"', 'id = "item_5"'),
        "items must be numbered item_1..item_N",
    ),
    "overlapping_bands": (
        ('{ min = 5, max = 8, label = "Middle" }', '{ min = 4, max = 8, label = "Middle" }'),
        "bands 'Low' and 'Middle' overlap",
    ),
    "gap_between_bands": (
        ('{ min = 5, max = 8, label = "Middle" }', '{ min = 6, max = 8, label = "Middle" }'),
        "gap between bands 'Low' and 'Middle'",
    ),
    "bands_short_of_the_range": (
        ('{ min = 9, max = 12, label = "High" }', '{ min = 9, max = 11, label = "High" }'),
        "bands cover 0-11, not the whole range 0-12",
    ),
    "caseness_outside_the_range": (
        ("cutoff = 6", "cutoff = 13"),
        "caseness cut-off 13 is outside the range",
    ),
    "prorating_without_a_source": (
        (
            "missing = { max_missing = 0 }",
            'missing = { max_missing = 1, method = "mean_of_answered" }',
        ),
        "prorating missing items needs a method and a published source",
    ),
    "unlisted_source": (
        (
            'caseness = { cutoff = 6, rule = ">=", source = "manual" }',
            'caseness = { cutoff = 6, rule = ">=", source = "smith2020" }',
        ),
        "source 'smith2020' is cited but not listed under [sources]",
    ),
    "reliable_change_with_only_a_source": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { source = "manual" }',
        ),
        "reliable_change needs points, or sd and reliability",
    ),
    "reliable_change_with_sd_but_no_reliability": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { sd = 5.0, source = "manual" }',
        ),
        "reliable_change needs points, or sd and reliability",
    ),
    "paired_outcome_cutoff_outside_the_range": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { points = 4, source = "manual" }\n'
            'paired_outcome = [{ scheme = "x", cutoff = 13, rule = ">=", '
            'reliable_change = 4, source = "manual" }]',
        ),
        "x cut-off 13 is outside the range",
    ),
    "paired_outcome_without_a_listed_source": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { points = 4, source = "manual" }\n'
            'paired_outcome = [{ scheme = "x", cutoff = 6, rule = ">=", '
            'reliable_change = 4, source = "nhs" }]',
        ),
        "source 'nhs' is cited but not listed under [sources]",
    ),
    "paired_outcome_with_an_unknown_key": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { points = 4, source = "manual" }\n'
            'paired_outcome = [{ scheme = "x", cutoff = 6, rule = ">=", '
            'reliable = 4, source = "manual" }]',
        ),
        "paired_outcome: unknown key(s) reliable",
    ),
    "paired_outcome_without_a_reliable_change": (
        (
            'reliable_change = { points = 4, source = "manual" }',
            'reliable_change = { points = 4, source = "manual" }\n'
            'paired_outcome = [{ scheme = "x", cutoff = 6, rule = ">=", '
            'reliable_change = 0, source = "manual" }]',
        ),
        "x reliable change 0 is out of range",
    ),
    "wording_the_licence_forbids": (
        ("show_item_wording = true", "show_item_wording = false"),
        "item_1: has wording but the licence does not allow showing it",
    ),
    "source_without_a_label": (
        (
            'manual.label = "Example Scale manual"\n'
            'manual.text = "Example Scale manual (fictional)."',
            'manual = "Example Scale manual (fictional)."',
        ),
        "source 'manual' has no short label: write it as manual.label = "
        '"Author et al. 2001, Short title" and manual.text = "the full reference" under [sources]',
    ),
    "source_label_too_long": (
        ('manual.label = "Example Scale manual"', f'manual.label = "{"Example " * 8}"'),
        "source 'manual': its label has 63 characters, a short label at most 60",
    ),
    "source_label_with_an_address": (
        ('manual.label = "Example Scale manual"', 'manual.label = "Manual, https://x.org"'),
        "source 'manual': its label holds a web address; put it in its text",
    ),
    "source_without_text": (
        ('manual.text = "Example Scale manual (fictional)."', 'manual.text = " "'),
        "source 'manual' has no text: give the full reference",
    ),
    "source_with_an_unknown_key": (
        ('manual.label = "Example Scale manual"', 'manual.label = "Manual"\nmanual.url = "x"'),
        "source 'manual': unknown key(s) url",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_definition_is_refused_naming_the_file_and_the_problem(tmp_path, case):
    (old, new), problem = BROKEN[case]
    path = write(tmp_path, f"{case}.toml", changed(EXAMPLE, old, new))
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    message = str(error.value)
    assert str(path) in message
    assert problem in message


def test_a_score_range_that_does_not_follow_from_the_items_is_refused(tmp_path):
    gse = (builtin_definitions_dir() / "gse.toml").read_text(encoding="utf-8")
    path = write(tmp_path, "gse.toml", changed(gse, "min = 10\nmax = 40", "min = 0\nmax = 40"))
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    assert str(path) in str(error.value)
    assert "range 0-40 does not follow from its items and formula (10-40)" in str(error.value)


def test_a_definition_that_is_not_toml_is_refused_naming_the_file(tmp_path):
    path = write(tmp_path, "broken.toml", 'id = "x\n')
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    assert str(error.value).startswith(f"{path}: ")


def test_a_definition_without_display_is_shown_like_a_builtin_after_them(tmp_path):
    write(tmp_path, "example.toml", EXAMPLE)
    catalog = load_catalog(tmp_path)
    display = catalog["example_scale"].display
    assert display == Display(
        order=DEFAULT_ORDER,
        client_name="Example Scale (fictional)",
        charted=True,
        daily=False,
        agenda=False,
        report=False,
        symptoms=False,
    )
    assert catalog.ordered()[-1].id == "example_scale"
    assert [i.id for i in catalog.where(lambda d: d.charted)][-1] == "example_scale"


SINGLE_ITEM = """\
id = "example_rating"
name = "Example rating (fictional)"
abbreviation = "EXR"
construct = "Nothing real"
domain = "other"
recall_period = "Today"

[licence]
text = "Fictional instrument for tests."
show_item_wording = false
source = "manual"

[[items]]
id = "item_1"
label = "Only"
min = 0
max = 10

[[scores]]
id = "exr_rating"
label = "EXR (0-10)"
primary = true
items = "all"
formula = "sum"
min = 0
max = 10
higher_is_better = true
source = "manual"
missing = { max_missing = 0 }

[sources]
manual.label = "Example rating manual"
manual.text = "Example rating manual (fictional)."
"""


def test_a_single_item_without_a_recall_period_is_a_daily_rating_by_default(tmp_path):
    assert load_definition(write(tmp_path, "rating.toml", SINGLE_ITEM)).display.daily
    weekly = changed(
        SINGLE_ITEM,
        'recall_period = "Today"',
        'recall_period = "Past week"\nrecall_period_days = 7\nrecall_source = "manual"',
    )
    assert not load_definition(write(tmp_path, "weekly.toml", weekly)).display.daily
    assert not load_definition(write(tmp_path, "example.toml", EXAMPLE)).display.daily


def test_a_display_table_sets_only_the_keys_it_names(tmp_path):
    shown = changed(EXAMPLE, "[licence]", "[display]\norder = 5\nagenda = true\n\n[licence]")
    display = load_definition(write(tmp_path, "example.toml", shown)).display
    assert (display.order, display.agenda, display.charted) == (5, True, True)
    assert display.client_name == "Example Scale (fictional)"
    assert load_catalog(tmp_path).ordered()[0].id == "example_scale"


BROKEN_DISPLAY = {
    "unknown_key": ('colour = "blue"', "display: unknown key(s) colour"),
    "order_as_text": ('order = "first"', "display: order should be a whole number, not 'first'"),
    "order_as_bool": ("order = true", "display: order should be a whole number, not True"),
    "charted_as_text": ('charted = "yes"', "display: charted should be true or false, not 'yes'"),
    "client_name_as_number": ("client_name = 3", "display: client_name should be text, not 3"),
    "empty_client_name": ('client_name = " "', "display: client_name should not be empty"),
}


@pytest.mark.parametrize("case", list(BROKEN_DISPLAY))
def test_a_broken_display_table_is_refused_naming_the_file(tmp_path, case):
    line, problem = BROKEN_DISPLAY[case]
    path = write(
        tmp_path, f"{case}.toml", changed(EXAMPLE, "[licence]", f"[display]\n{line}\n\n[licence]")
    )
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)


def test_display_as_a_value_instead_of_a_table_is_refused(tmp_path):
    path = write(
        tmp_path,
        "example.toml",
        changed(EXAMPLE, 'domain = "other"', 'domain = "other"\ndisplay = 3'),
    )
    with pytest.raises(DefinitionError, match=r"display should be a table \(\[display\]\), not 3"):
        load_definition(path)


def test_every_builtin_definition_sets_every_display_key():
    for path in BUILTIN_FILES:
        table = tomllib.loads(path.read_text(encoding="utf-8"))["display"]
        assert set(table) == {f.name for f in dataclasses.fields(Display)}, path.name
