"""`casehub audit verify` and `casehub audit export`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys

import pytest

from hub.cli import main
from hub.ids import case_id_for

FOOD = "market-regulation/市监案〔2026〕001号"
FOOD_ID = case_id_for("market-regulation", "市监案〔2026〕001号").hex


def _tamper(data_dir, old: bytes, new: bytes) -> None:
    with sqlite3.connect(data_dir / "hub.sqlite") as conn:
        (rowid,) = conn.execute(
            "SELECT rowid FROM stored_events WHERE instr(state, ?) > 0", (old,)
        ).fetchone()
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE rowid = ?", (rowid,)
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(old, new), rowid)
        )


class TestVerify:
    @pytest.mark.usefixtures("data_dir")
    def test_every_chain_of_the_story_verifies(self, capsys):
        """`verify --all` checks each case's chain; all intact: exit 0."""
        assert main(["audit", "verify", "--all", "--anchor", "view"]) == 0
        out = capsys.readouterr().out
        assert f"ok {FOOD}: 17 event(s)" in out
        assert "2 case(s) checked, 0 broken" in out

    def test_an_altered_event_is_named_as_the_first_bad_link(self, data_dir, capsys):
        """Rewriting a stored event breaks its hash: verify names that version, exit 1."""
        _tamper(data_dir, b"Checked on site: rectified.", b"Checked on site: all fine.")
        assert main(["audit", "verify", FOOD, "--anchor", "view"]) == 1
        out = capsys.readouterr().out
        assert "BROKEN" in out
        assert "first bad link at version 16 (Case.RectificationChecked): event_hash" in out

    def test_a_cut_tail_is_caught_against_the_published_timeline(self, data_dir, capsys):
        """A deleted tail leaves a valid chain, but not the head the timeline published."""
        assert main(["consumers", "rebuild", "audit"]) == 0
        with sqlite3.connect(data_dir / "hub.sqlite") as conn:
            conn.execute(
                "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 17",
                (FOOD_ID,),
            )
        capsys.readouterr()
        assert main(["audit", "verify", FOOD, "--anchor", "view"]) == 1
        out = capsys.readouterr().out
        assert "the store's head is behind the audit view: the store ends at version 16" in out

    @pytest.mark.usefixtures("data_dir")
    def test_the_view_is_the_anchor_when_kafka_does_not_answer(self, capsys):
        """No broker reachable: verify says so and falls back to the audit view."""
        assert main(["audit", "verify", FOOD]) == 0
        out = capsys.readouterr().out
        assert "anchor: the audit view (cannot reach Kafka at 127.0.0.1:1" in out

    @pytest.mark.usefixtures("data_dir")
    def test_asking_for_the_kafka_anchor_needs_the_broker(self, capsys):
        """--anchor kafka without a broker: one line, exit 2."""
        assert main(["audit", "verify", FOOD, "--anchor", "kafka"]) == 2
        assert "cannot reach Kafka at 127.0.0.1:1" in capsys.readouterr().err

    @pytest.mark.usefixtures("data_dir")
    def test_verify_needs_one_case_or_all(self, capsys):
        """Neither a reference nor --all: a one-line error."""
        assert main(["audit", "verify"]) == 2
        assert "name one CASE_REF or give --all" in capsys.readouterr().err


class TestExport:
    @pytest.mark.usefixtures("data_dir", "capsys")
    def test_json_export_has_every_event_and_the_chain_check(self, tmp_path):
        """The JSON export holds every event with payload and hashes, the state and the check."""
        out = tmp_path / "food.json"
        assert main(["audit", "export", FOOD, "--format", "json", "--out", str(out)]) == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data["events"]) == 17
        assert data["chain"]["ok"] is True
        assert data["events"][0]["payload"]["case_number"] == "市监案〔2026〕001号"
        assert data["case"]["version"] == 17

    @pytest.mark.usefixtures("data_dir")
    def test_csv_and_html_exports(self, tmp_path, monkeypatch):
        """CSV: a row per event; HTML: one self-contained page. The default name is the case's."""
        monkeypatch.chdir(tmp_path)
        assert main(["audit", "export", FOOD, "--format", "csv"]) == 0
        (written,) = tmp_path.glob("case-market-regulation-*.csv")
        rows = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8"))))
        assert [int(r["version"]) for r in rows] == list(range(1, 18))
        assert rows[0]["prev_hash"] == "0" * 64
        assert rows[1]["prev_hash"] == rows[0]["event_hash"]
        assert main(["audit", "export", FOOD, "--format", "html", "--lang", "en"]) == 0
        (page,) = tmp_path.glob("case-market-regulation-*.html")
        text = page.read_text(encoding="utf-8")
        assert "hash chain intact" in text
        assert "<script" not in text

    @pytest.mark.usefixtures("data_dir")
    def test_a_pdf_without_weasyprint_names_what_to_install(self, tmp_path, monkeypatch, capsys):
        """No WeasyPrint on the machine: one line naming the extra, exit 2, no file."""
        monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails
        out = tmp_path / "food.pdf"
        assert main(["audit", "export", FOOD, "--format", "pdf", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "a PDF export needs WeasyPrint: pip install 'casehub[server]'" in err
        assert "Traceback" not in err
        assert not out.exists()

    @pytest.mark.usefixtures("data_dir")
    def test_an_unknown_export_format_is_refused(self, capsys):
        """--format docx: one line, exit 2, no file."""
        assert main(["audit", "export", FOOD, "--format", "docx"]) == 2
        assert "unknown format 'docx'" in capsys.readouterr().err
