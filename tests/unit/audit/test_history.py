"""`casehub audit history`: a case as it stood at a moment or a version, from the store."""

from __future__ import annotations

import json

import pytest

from hub.audit.history import AuditError, history, parse_case_ref, parse_moment
from hub.audit.render import render_history
from hub.cli import main

FOOD = "market-regulation/市监案〔2026〕001号"


class TestAsOf:
    def test_the_case_as_it_stood_at_a_moment(self, story_app, food):
        """As of 2 April the recommendation was served, not yet received or answered."""
        found = history(story_app, food, as_of=parse_moment("2026-04-02"))
        assert found.case.version == 13
        assert found.latest_version == 17
        (rec,) = found.case.recommendations
        assert (rec.recommendation_id, rec.status, rec.adoption) == ("JJ-2026-01", "SERVED", "")
        assert [e.version for e in found.events] == list(range(1, 14))

    def test_a_version_gives_that_state(self, story_app, food):
        """--version 1 is the registration: one notice, nothing acknowledged yet."""
        found = history(story_app, food, version=1)
        (notice,) = found.case.notices
        assert notice.acknowledged == ()
        assert found.case.case_number == "市监案〔2026〕001号"

    def test_the_latest_state_by_default(self, story_app, food):
        """With neither --as-of nor --version, the case as it stands now."""
        assert history(story_app, food).case.version == 17

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"as_of": "2026-01-01"}, "did not exist yet at 2026-01-01T23:59:59"),
            ({"version": 18}, "versions 1 to 17; there is no version 18"),
            ({"version": 0}, "there is no version 0"),
        ],
    )
    def test_impossible_requests_say_why(self, story_app, food, kwargs, message):
        """A time before the case existed or a version it never had: a clear error."""
        if "as_of" in kwargs:
            kwargs = {"as_of": parse_moment(kwargs["as_of"])}
        with pytest.raises(AuditError, match=message):
            history(story_app, food, **kwargs)

    def test_references_and_times_are_checked(self, story_app):
        """A malformed reference, an unknown case or a bad time is an AuditError."""
        with pytest.raises(AuditError, match="not owning-agency/case-number"):
            parse_case_ref("no-slash")
        with pytest.raises(AuditError, match="unknown case market-regulation/X-1"):
            history(story_app, parse_case_ref("market-regulation/X-1"))
        with pytest.raises(AuditError, match="not an ISO date"):
            parse_moment("yesterday")
        assert parse_moment("2026-04-02T10:00:00").utcoffset().total_seconds() == 8 * 3600


class TestOutput:
    def test_table_json_and_html(self, story_app, food):
        """Three formats of the same history; JSON carries state and events, HTML is one page."""
        found = history(story_app, food, version=5)
        table = render_history(found, "table", "en")
        assert "version:        5 / 17" in table
        assert "notice acknowledged" in table
        data = json.loads(render_history(found, "json", "zh"))
        assert data["version"] == 5
        assert len(data["events"]) == 5
        assert data["events"][0]["type"] == "Case.Registered"
        page = render_history(found, "html", "zh")
        assert page.startswith("<!DOCTYPE html>")
        assert "案件历史" in page
        assert "<script" not in page


class TestCommandLine:
    @pytest.mark.usefixtures("data_dir")
    def test_history_as_of_a_time(self, capsys):
        """`casehub audit history REF --as-of T --lang en` prints the case then."""
        assert main(["audit", "history", FOOD, "--as-of", "2026-04-02", "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert "version:        13 / 17" in out
        assert "recommendation served" in out

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["market-regulation/nope"], "unknown case market-regulation/nope"),
            ([FOOD, "--as-of", "2025-12-31"], "did not exist yet"),
            ([FOOD, "--format", "xml"], "unknown format 'xml'"),
            ([FOOD, "--lang", "fr"], "unknown language 'fr'"),
            (["nonsense"], "is not owning-agency/case-number"),
        ],
    )
    @pytest.mark.usefixtures("data_dir")
    def test_bad_input_is_one_line_and_exit_2(self, capsys, args, message):
        """Bad input: one clear line on stderr, exit 2, never a stack trace."""
        assert main(["audit", "history", *args]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert err.count("\n") == 1
        assert "Traceback" not in err

    def test_a_missing_store_is_reported(self, tmp_path, monkeypatch, capsys):
        """Pointing at a data dir without an event store says so."""
        monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("CASEHUB_STORE", "sqlite")
        monkeypatch.delenv("CASEHUB_SQLITE_PATH", raising=False)
        assert main(["audit", "history", FOOD]) == 2
        assert "there is no event store" in capsys.readouterr().err
