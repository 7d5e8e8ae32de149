"""``casehub schemas check``: backward-transitive compatibility of every record's versions."""

from __future__ import annotations

from pathlib import Path

from hub.cli import main
from hub.codec import SCHEMA_DIR, Catalog, default_catalog
from hub.codec.compat import check_catalog

FIXTURES = Path(__file__).parent / "fixtures" / "incompatible"


class TestCompatibility:
    def test_the_committed_schemas_are_backward_transitive(self):
        """Every version of every committed record reads every earlier version."""
        assert check_catalog(default_catalog()) == []

    def test_an_incompatible_version_is_caught_by_record_version_and_field(self):
        """The fixture's InformationShared v3 adds a field without a default: both breaks named."""
        catalog = Catalog.load(SCHEMA_DIR, FIXTURES)
        problems = [str(p) for p in check_catalog(catalog)]
        assert problems == [
            f"casehub.events.InformationShared v3 cannot read v{v}: field source_system: "
            "reader_field_missing_default_value (source_system)"
            for v in (1, 2)
        ]

    def test_the_cli_check_fails_on_the_fixture_and_passes_on_the_schemas(self, capsys):
        """Exit 1 with INCOMPATIBLE lines on the fixture, 0 on the committed schemas."""
        code = main(
            ["schemas", "--schema-dir", str(SCHEMA_DIR), "--schema-dir", str(FIXTURES), "check"]
        )
        out = capsys.readouterr().out
        assert code == 1
        assert (
            "INCOMPATIBLE: casehub.events.InformationShared v3 cannot read v1: field source_system"
            in out
        )
        assert main(["schemas", "check"]) == 0
        assert "backward-transitive compatible" in capsys.readouterr().out
