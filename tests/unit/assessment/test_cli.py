"""`casehub assessment report` as a user runs it."""

from __future__ import annotations

import json

import pytest

from hub.cli import main


class TestAssessmentReport:
    @pytest.mark.usefixtures("data_dir")
    def test_report_from_the_view_after_a_rebuild(self, capsys):
        """After `consumers rebuild assessment`, the report reads the view."""
        assert main(["consumers", "rebuild", "assessment"]) == 0
        capsys.readouterr()
        assert main(["assessment", "report", "--year", "2026", "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert [r["agency_id"] for r in data["ranking"]][:1] == ["market-regulation"]

    @pytest.mark.usefixtures("data_dir")
    def test_report_straight_from_the_store_to_a_file(self, tmp_path, capsys):
        """--source store replays the event store; --out writes the page."""
        out = tmp_path / "report.html"
        args = ["assessment", "report", "--year", "2026", "--source", "store", "--lang", "en"]
        assert main([*args, "--out", str(out)]) == 0
        assert "wrote" in capsys.readouterr().out
        assert "<svg" in out.read_text(encoding="utf-8")

    @pytest.mark.usefixtures("data_dir")
    def test_an_empty_view_says_how_to_fill_it(self, capsys):
        """With no view yet: a one-line error that names the rebuild command, exit 2."""
        assert main(["assessment", "report", "--year", "2026"]) == 2
        err = capsys.readouterr().err
        assert "casehub consumers rebuild assessment" in err
        assert err.count("\n") == 1

    @pytest.mark.usefixtures("data_dir")
    def test_bad_input_is_one_line_and_exit_2(self, capsys):
        """A year with no data, an unknown format or language: one clear line, no traceback."""
        cases = [
            (["--year", "2025", "--source", "store"], "no assessment data for 2025"),
            (["--year", "2026", "--format", "pdf"], "unknown format 'pdf'"),
            (["--year", "2026", "--lang", "fr"], "unknown language 'fr'"),
        ]
        for extra, message in cases:
            assert main(["assessment", "report", *extra]) == 2
            err = capsys.readouterr().err
            assert message in err
            assert "Traceback" not in err
            assert err.count("\n") == 1
