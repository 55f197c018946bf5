"""Access is decided in the data layer from the viewer: roles, sites, own records."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from dashboard import access, clock
from dashboard.auth.oidc import sign_in_with_identity
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role
from dashboard.checkin.safety import record_safety_answer
from dashboard.program_settings import AppSettings
from dashboard.review.actions import record_decision
from dashboard.review.follow_ups import Flag, record_follow_up
from dashboard.review.record import load_client_record
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of

TODAY = clock.today()


def _episode_clients(engine, viewer):
    with read(engine) as connection:
        return set(access.episodes(connection, viewer)["client_id"].to_list())


def test_a_client_reads_only_their_own_record(demo_engine):
    client = viewer_of(demo_engine, "client")
    assert _episode_clients(demo_engine, client) == {"C0215"}
    with read(demo_engine) as connection:
        mine = load_client_record(connection, client, "C0215", catalog=load_catalog(), as_of=TODAY)
        assert mine.scores["measure"].len() > 0
        with pytest.raises(NotPermitted):
            load_client_record(connection, client, "C0001", catalog=load_catalog(), as_of=TODAY)


def test_unknown_and_forbidden_ids_get_the_same_answer(demo_engine):
    client = viewer_of(demo_engine, "client")
    with read(demo_engine) as connection:
        messages = set()
        for code in ("C0001", "NOPE-404"):
            with pytest.raises(NotPermitted) as refused:
                load_client_record(connection, client, code, catalog=load_catalog(), as_of=TODAY)
            messages.add(str(refused.value))
    assert len(messages) == 1


@pytest.mark.parametrize("username", ["director", "admin"])
def test_directors_and_admins_read_no_individual_record(demo_engine, username):
    assert _episode_clients(demo_engine, viewer_of(demo_engine, username)) == set()


def test_a_clinician_reads_the_clients_of_their_sites_only(demo_engine):
    clinician = viewer_of(demo_engine, "clinician")
    with read(demo_engine) as connection:
        sites = set(access.episodes(connection, clinician)["site"].to_list())
    assert sites == {"Hillcrest"}


def test_a_client_cannot_record_decisions_or_follow_ups(demo_engine):
    client = viewer_of(demo_engine, "client")
    with pytest.raises(NotPermitted):
        record_decision(demo_engine, client, episode_id="E0234", decision="continue", note="")
    with pytest.raises(NotPermitted):
        record_follow_up(
            demo_engine,
            client,
            Flag("C0215", "phq9", "endorsed", TODAY),
            action="contacted",
            outcome="no_current_risk",
            note="x",
            catalog=load_catalog(),
        )


def test_a_clinician_cannot_decide_for_another_sites_episode(demo_engine):
    clinician = viewer_of(demo_engine, "clinician")
    with demo_engine.connect() as connection:
        riverside = connection.execute(
            sa.text(
                "SELECT e.code FROM episodes e JOIN sites s ON s.id = e.site_id "
                "WHERE s.name = 'Riverside' LIMIT 1"
            )
        ).scalar()
    with pytest.raises(NotPermitted):
        record_decision(demo_engine, clinician, episode_id=riverside, decision="continue", note="")


def test_a_clinicians_caseload_holds_only_episodes_at_their_sites(demo_copy):
    # a former Hillcrest client, now in treatment at Riverside
    with demo_copy.begin() as connection:
        client_pk, code = connection.execute(
            sa.text(
                "SELECT c.id, c.code FROM clients c JOIN episodes e ON e.client_id = c.id "
                "JOIN sites s ON s.id = e.site_id WHERE s.name = 'Hillcrest' "
                "AND e.discharged_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM episodes o "
                "WHERE o.client_id = c.id AND o.discharged_on IS NULL) LIMIT 1"
            )
        ).one()
        connection.execute(
            sa.text(
                "INSERT INTO episodes (code, client_id, site_id, track_id, admitted_on) "
                "SELECT 'EXRIVER', :client, s.id, (SELECT min(id) FROM tracks), :day "
                "FROM sites s WHERE s.name = 'Riverside'"
            ),
            {"client": client_pk, "day": TODAY - dt.timedelta(days=3)},
        )
    clinician = viewer_of(demo_copy, "clinician")
    with read(demo_copy) as connection:
        readable = access.episodes(connection, clinician, client_pks=[client_pk])
        caseload = access.episodes(connection, clinician, active_on=TODAY, caseload=True)
    assert "EXRIVER" in readable["episode_id"].to_list()  # the history travels with the client
    assert set(caseload["site"].to_list()) == {"Hillcrest"}
    assert code not in caseload["client_id"].to_list()
    with pytest.raises(NotPermitted):
        record_decision(demo_copy, clinician, episode_id="EXRIVER", decision="continue", note="")


def test_an_identity_provider_sign_in_maps_to_an_account_by_email(demo_copy):
    demo_engine = demo_copy
    from dashboard.auth.accounts import create_user
    from dashboard.auth.viewer import Role, operator_viewer

    create_user(
        demo_engine,
        operator_viewer("test"),
        username="oidc-clinician",
        role=Role.CLINICIAN,
        password=None,
        sites=["Hillcrest"],
        email="Juniper.Finch@example.org",
    )
    claims = {"email": "juniper.finch@example.org", "email_verified": True, "name": "J F"}
    viewer = sign_in_with_identity(demo_engine, claims).viewer
    assert viewer is not None
    assert (viewer.username, viewer.role) == ("oidc-clinician", Role.CLINICIAN)
    unknown = sign_in_with_identity(demo_engine, {"email": "x@y.org"})
    assert unknown.viewer is None
    assert unknown.message == (
        "No IOP Outcomes account has the e-mail address x@y.org. "
        "Ask an administrator to add it to your account."
    )
    unverified = {"email": "juniper.finch@example.org", "email_verified": False}
    assert sign_in_with_identity(demo_engine, unverified).viewer is None
    assert sign_in_with_identity(demo_engine, {"sub": "no e-mail"}).viewer is None
    other_claim = {"upn": "Juniper.Finch@example.org"}
    assert sign_in_with_identity(demo_engine, other_claim, email_claim="upn").viewer == viewer


def test_a_clients_own_record_carries_no_team_notes(demo_copy):
    clinician, client = viewer_of(demo_copy, "clinician"), viewer_of(demo_copy, "client")
    with read(demo_copy) as connection:
        episode = access.episodes(connection, client)["episode_id"][-1]
        pk = access.client_pk_of(connection, client, "C0215")
        administration = connection.execute(
            sa.text("SELECT min(id) FROM administrations WHERE client_id = :pk"), {"pk": pk}
        ).scalar()
    record_decision(demo_copy, clinician, episode_id=episode, decision="continue", note="team only")
    with demo_copy.begin() as connection:  # an acknowledgement from before follow-ups
        connection.execute(
            sa.text(
                "INSERT INTO flag_acknowledgements (administration_id, acknowledged_by, note) "
                "VALUES (:a, 'clinician', 'called her')"
            ),
            {"a": administration},
        )
    catalog = load_catalog()
    record_safety_answer(
        demo_copy,
        client,
        measure="phq9",
        item="item_9",
        value=1,
        catalog=catalog,
        settings=AppSettings(),
    )
    record_follow_up(
        demo_copy,
        clinician,
        Flag("C0215", "phq9", "endorsed", TODAY),
        action="contacted",
        outcome="no_current_risk",
        note="team only: spoke at length",
        catalog=catalog,
    )
    with read(demo_copy) as connection:
        team = load_client_record(connection, clinician, "C0215", catalog=catalog, as_of=TODAY)
        own = load_client_record(connection, client, "C0215", catalog=catalog, as_of=TODAY)
        team_acks = access.acknowledgements(connection, clinician, client_pks=[pk])
        own_acks = access.acknowledgements(connection, client, client_pks=[pk])
    assert "team only" in team.decisions["note"].to_list()
    assert own.decisions.is_empty()
    # people by the name they know each other by, not the account's username
    assert team_acks.select("acknowledged_by", "ack_note").row(0) == (
        "Demo Clinician",
        "called her",
    )
    assert team.decisions["decided_by"].to_list() == ["Demo Clinician"]
    assert own_acks.select("acknowledged_by", "ack_note").row(0) == (None, None)
    assert own_acks["acknowledged_at"].null_count() == 0
    assert team.follow_ups.select("recorded_by", "note").row(0) == (
        "Demo Clinician",
        "team only: spoke at length",
    )
    assert own.follow_ups.select("recorded_by", "note").row(0) == (None, None)
    assert own.flags.filter(pl.col("measure") == "phq9")["follow_up_note"].to_list() == [None]


def test_only_an_administrator_or_the_operator_manages_accounts(demo_copy):
    from dashboard.auth.accounts import create_user, reset_password, set_active
    from dashboard.auth.viewer import Role, operator_viewer

    for username in ("clinician", "director", "client"):
        viewer = viewer_of(demo_copy, username)
        with pytest.raises(NotPermitted):
            create_user(demo_copy, viewer, username="new", role=Role.ADMIN, password="x")
        with pytest.raises(NotPermitted):
            set_active(demo_copy, viewer, "admin", active=False)
        with pytest.raises(NotPermitted):
            reset_password(demo_copy, viewer, "admin", "x")
    set_active(demo_copy, viewer_of(demo_copy, "admin"), "director", active=False)
    reset_password(demo_copy, operator_viewer("cli:someone"), "director", "quiet harbour pencil 27")
    with demo_copy.connect() as connection:
        actors = connection.execute(
            sa.text(
                "SELECT action, actor FROM audit_log WHERE resource_type = 'user' "
                "AND action IN ('disable-user', 'reset-password') ORDER BY id"
            )
        ).all()
    assert [tuple(a) for a in actors] == [
        ("disable-user", "admin"),
        ("reset-password", "cli:someone"),
    ]


def test_the_operator_role_is_never_an_account(demo_copy):
    from dashboard.auth.accounts import AccountError, create_user
    from dashboard.auth.viewer import Role, operator_viewer

    with pytest.raises(AccountError, match="cannot have the role 'operator'"):
        create_user(
            demo_copy, operator_viewer("test"), username="op", role=Role.OPERATOR, password="x"
        )


def test_the_operator_reads_no_client_record_and_only_it_exports_every_score(demo_copy):
    from dashboard.admin.operator import export_scores
    from dashboard.auth.viewer import operator_viewer

    operator = operator_viewer("cli:someone")
    assert _episode_clients(demo_copy, operator) == set()
    with read(demo_copy) as connection, pytest.raises(NotPermitted):
        load_client_record(connection, operator, "C0215", catalog=load_catalog(), as_of=TODAY)
    for username in ("clinician", "director", "admin", "client"):
        with pytest.raises(NotPermitted):
            export_scores(
                demo_copy, viewer_of(demo_copy, username), catalog=load_catalog(), destination="x"
            )
    scores = export_scores(demo_copy, operator, catalog=load_catalog(), destination="out.csv")
    with demo_copy.connect() as connection:
        audited = connection.execute(
            sa.text("SELECT actor, detail FROM audit_log WHERE action = 'export'")
        ).all()
    assert [tuple(a) for a in audited] == [
        ("cli:someone", f'{{"file": "out.csv", "rows": {scores.height}}}')
    ]


def test_a_weak_password_is_refused_for_every_account_in_the_data_layer(demo_copy):
    from dashboard.auth.accounts import AccountError, create_user, reset_password

    admin = viewer_of(demo_copy, "admin")
    for weak, why in (
        ("x", r"at least 12 characters \(this one has 1\)"),
        ("password1234", "too easy to guess"),
        ("{name}-{name}-{name}", "too easy to guess"),  # made of the username
    ):
        with pytest.raises(AccountError, match=why):
            create_user(
                demo_copy,
                admin,
                username="nurse",
                role=Role.ADMIN,
                password=weak.format(name="nurse"),
            )
        with pytest.raises(AccountError, match=why):
            reset_password(demo_copy, admin, "director", weak.format(name="director"))
    create_user(
        demo_copy, admin, username="nurse", role=Role.ADMIN, password="quiet harbour pencil 27"
    )


def test_a_refused_sign_in_verifies_a_hash_whether_or_not_the_username_exists(demo_copy):
    """No username enumeration by timing: unknown and disabled names cost a hash check too."""
    import sys

    from argon2 import PasswordHasher

    from dashboard.auth.accounts import set_active, sign_in

    def verifications(username: str) -> int:
        calls = []

        def watch(frame, event, arg):
            if event == "call" and frame.f_code is PasswordHasher.verify.__code__:
                calls.append(frame)

        sys.setprofile(watch)
        try:
            assert sign_in(demo_copy, username, "wrong password here").viewer is None
        finally:
            sys.setprofile(None)
        return len(calls)

    set_active(demo_copy, viewer_of(demo_copy, "admin"), "client", active=False)
    assert verifications("director") == verifications("no-such-person") == 1
    assert verifications("client") == 1  # disabled


def test_what_is_typed_as_an_unknown_username_never_reaches_the_audit_log(demo_copy):
    from dashboard.auth.accounts import UNKNOWN_ACCOUNT, sign_in

    sign_in(demo_copy, "Tr0ub4dor&3-my-password", "whatever")
    with demo_copy.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, detail FROM audit_log WHERE action = 'sign-in' ORDER BY id")
        ).all()
    assert rows[-1].actor == UNKNOWN_ACCOUNT
    assert not any("Tr0ub4dor" in str(value) for row in rows for value in row)


def test_decisions_name_who_decided_by_display_name_on_both_back_ends(engine):
    from pathlib import Path

    from dashboard.auth.accounts import create_user
    from dashboard.auth.viewer import operator_viewer
    from dashboard.imports import import_files
    from measures.program import ProgramConfig

    fixtures = Path(__file__).resolve().parents[1] / "data" / "fixtures"
    catalog = load_catalog()
    operator = operator_viewer("cli:test")
    import_files(
        engine,
        [fixtures / "clinicians.csv", fixtures / "episodes.csv"],
        viewer=operator,
        catalog=catalog,
        program=ProgramConfig.from_toml(None, catalog=catalog),
    )
    create_user(
        engine,
        operator,
        username="alee",
        role=Role.CLINICIAN,
        password=None,
        display_name="Dr. Ana Lee",
        sites=["Hillcrest"],
    )
    clinician = viewer_of(engine, "alee")
    record_decision(engine, clinician, episode_id="E0234", decision="continue", note="")
    with engine.begin() as connection:  # a decision by an account since removed
        connection.execute(
            sa.text(
                "INSERT INTO review_decisions (episode_id, week_of, decision, decided_by) "
                "SELECT episode_id, week_of, 'continue', 'gone' FROM review_decisions"
            )
        )
    with read(engine) as connection:
        pk = access.client_pk_of(connection, clinician, "C0215")
        decisions = access.decisions(connection, clinician, client_pks=[pk])
    assert sorted(decisions["decided_by"].to_list()) == ["Dr. Ana Lee", "gone"]
