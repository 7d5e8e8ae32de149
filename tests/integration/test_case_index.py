"""The case index built from the demo story via Kafka equals its replay of the store, and
searches the same on the PostgreSQL views store."""

from __future__ import annotations

import threading
from uuid import uuid4

import psycopg
import pytest

from console.search import CaseQuery, search
from consumers import case_index
from consumers.runner import KafkaViewRunner, catch_up
from consumers.store import SQLiteViewStore
from consumers.store_postgres import PostgresViewStore
from devkit.testing.consumers import story_hub
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from relay_mapping import publish_story

EVERYONE = {"reader_may_read": lambda _: True}


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()


@pytest.mark.kafka
def test_the_index_from_kafka_equals_the_index_from_the_store(
    story, hub_settings, kafka_bootstrap, tmp_path
):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    suffix = uuid4().hex[:10]
    topics = {"timeline": f"test.index.tl.{suffix}", "deadletter": f"test.index.dl.{suffix}"}
    with KafkaAdmin(settings) as admin:
        admin.create_topics([NewTopicSpec(n, 3, 1, {}) for n in topics.values()])
        try:
            publish_story(story, settings, topics, client_id="test-case-index")
            live = SQLiteViewStore(str(tmp_path / "live.sqlite"))
            runner = KafkaViewRunner(
                settings,
                live,
                [case_index.VIEW],
                topics=topics,
                group_prefix=f"test-index-{suffix}-",
                poll_timeout_ms=300,
            )
            applied = runner.run(threading.Event(), idle_s=4.0)
        finally:
            admin.delete_topics(topics.values())
    assert applied["case_index"] > 20
    rebuilt = SQLiteViewStore(str(tmp_path / "rebuilt.sqlite"))
    catch_up(story, rebuilt, case_index.VIEW)
    assert live.snapshot(case_index.VIEW) == rebuilt.snapshot(case_index.VIEW)
    assert search(live, CaseQuery(), **EVERYONE) == search(rebuilt, CaseQuery(), **EVERYONE)
    live.close()
    rebuilt.close()


@pytest.mark.postgres
def test_the_postgres_views_store_searches_like_sqlite(story, postgres_env, tmp_path):
    connect = {
        "dbname": postgres_env["POSTGRES_DBNAME"],
        "host": postgres_env["POSTGRES_HOST"],
        "port": int(postgres_env["POSTGRES_PORT"]),
        "user": postgres_env["POSTGRES_USER"],
        "password": postgres_env["POSTGRES_PASSWORD"],
    }
    schema = f"views_index_{uuid4().hex[:12]}"
    pg = PostgresViewStore(**connect, schema=schema)
    lite = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    try:
        catch_up(story, pg, case_index.VIEW)
        catch_up(story, lite, case_index.VIEW)
        assert pg.snapshot(case_index.VIEW) == lite.snapshot(case_index.VIEW)
        everything, total = search(lite, CaseQuery(), **EVERYONE)
        assert total >= 2
        word = everything[0].title[:4]
        queries = [
            CaseQuery(),
            CaseQuery(words=word),
            CaseQuery(words=word[:2]),
            CaseQuery(status="open"),
            CaseQuery(status="closed"),
            CaseQuery(participant="procuratorate"),
            CaseQuery(owning_agency=everything[0].owning_agency),
        ]
        for query in queries:
            assert search(pg, query, **EVERYONE) == search(lite, query, **EVERYONE), query
        assert search(pg, CaseQuery(words=word), **EVERYONE)[1] >= 1
    finally:
        pg.close()
        lite.close()
        with psycopg.connect(**connect, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.postgres
def test_postgres_title_search_uses_a_trigram_index(postgres_env):
    connect = {
        "dbname": postgres_env["POSTGRES_DBNAME"],
        "host": postgres_env["POSTGRES_HOST"],
        "port": int(postgres_env["POSTGRES_PORT"]),
        "user": postgres_env["POSTGRES_USER"],
        "password": postgres_env["POSTGRES_PASSWORD"],
    }
    schema = f"views_index_{uuid4().hex[:12]}"
    pg = PostgresViewStore(**connect, schema=schema)
    try:
        pg.ensure(case_index.VIEW)
        with psycopg.connect(**connect, autocommit=True) as conn:
            has_trgm = conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
            ).fetchone()
            indexes = {
                r[0]
                for r in conn.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,)
                )
            }
        assert ("case_index_title_trgm" in indexes) == bool(has_trgm)
        assert {"case_index_by_owner", "case_index_by_reference"} <= indexes
        pg.ensure(case_index.VIEW)  # idempotent
    finally:
        pg.close()
        with psycopg.connect(**connect, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
