"""Personal data on PostgreSQL: stored rows hold ciphertext only; erasure keeps chains whole.

Each test gets its own schema (dropped afterwards) and its own key store in a temporary dir.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from case_builders import JUSTICE, World
from hub.cases import commands as c
from hub.privacy import ERASED, Revealer
from hub.privacy.subjects import party_subject
from hub.vocabulary import Party
from privacy_people import APPLICANT, APPLICANT_ID, NAMELESS_PARTY, OFFICER_NAME

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_env: dict[str, str]) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """eventsourcing's environment for a fresh schema, and psycopg's connection parameters."""
    import psycopg  # noqa: PLC0415 - only this tier needs it

    schema = f"test_{uuid4().hex[:12]}"
    params = {
        "host": postgres_env["POSTGRES_HOST"],
        "port": postgres_env["POSTGRES_PORT"],
        "dbname": postgres_env["POSTGRES_DBNAME"],
        "user": postgres_env["POSTGRES_USER"],
        "password": postgres_env["POSTGRES_PASSWORD"],
    }
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    env = {**postgres_env, "POSTGRES_SCHEMA": schema, "POSTGRES_ENABLE_DB_FUNCTIONS": "n"}
    yield env, {**params, "schema": schema}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def stored_values(params: dict[str, str]) -> list[bytes]:
    """Every value of every row of every table in the schema, as bytes."""
    import psycopg  # noqa: PLC0415

    schema = params["schema"]
    connect = {k: v for k, v in params.items() if k != "schema"}
    out: list[bytes] = []
    with psycopg.connect(**connect) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        assert tables
        for (table,) in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        out.append(bytes(value))
                    elif value is not None:
                        out.append(str(value).encode())
    return out


def test_stored_rows_hold_no_personal_data_before_or_after_erasure(
    pg: tuple[dict[str, str], dict[str, str]], tmp_path: Path
):
    env, params = pg
    world = World(dict(env), tmp_path)
    world.register()
    world.send(
        c.OpenDispute,
        JUSTICE,
        dispute_id="D-1",
        subject="Fine contested",
        parties=(
            Party(APPLICANT, "applicant", APPLICANT_ID),
            Party(NAMELESS_PARTY, "third-party"),
        ),
    )
    rows = stored_values(params)
    assert any(b"pii:v1:" in v for v in rows)
    for value in (APPLICANT, APPLICANT_ID, NAMELESS_PARTY, OFFICER_NAME):
        assert not any(value.encode() in v for v in rows), value

    subject = party_subject(world.hub.personal_data.pepper, world.case_ref, APPLICANT, APPLICANT_ID)
    world.hub.erase_personal_data(subject, "request under PIPL art. 47", by="dpo")
    assert world.hub.verify_chain(world.case_id).first_bad is None
    dispute = world.hub.get_case(world.case_id).disputes[0]
    revealed = Revealer(world.hub.keystore).reveal_payload(dispute.parties)
    assert [p.name for p in revealed] == [ERASED, NAMELESS_PARTY]
    assert world.hub.case_events(world.case_id)[-1].type == "Case.PersonalDataErased"
