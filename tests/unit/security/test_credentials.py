"""Passwords come from private files or the environment and never print themselves."""

from __future__ import annotations

import logging

import pytest

from hub.errors import SetupError
from hub.security.credentials import (
    CREDENTIALS_FILE_ENV,
    Secret,
    credentials_file,
    generate_password,
    load_credentials,
    lookup_password,
    masked,
    read_password_file,
    upsert_credentials_file,
    write_password_file,
)
from hub.settings import load_settings

PASSWORD = "correct-horse-battery-staple"


def private(path, text):
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


class TestSecret:
    def test_a_secret_hides_itself_in_str_repr_and_formatting(self):
        secret = Secret(PASSWORD)
        logged = "%s" % (secret,)  # noqa: UP031 - stdlib logging formats with %
        for shown in (str(secret), repr(secret), f"{secret}", logged, repr([secret])):
            assert PASSWORD not in shown
        assert secret.reveal() == PASSWORD

    def test_a_masked_password_is_still_the_password_to_code(self):
        """kafka-python encodes it for SCRAM; printing its config shows stars."""
        value = masked(PASSWORD)
        assert value == PASSWORD
        assert value.encode("utf-8") == PASSWORD.encode("utf-8")
        assert PASSWORD not in repr({"sasl_plain_password": value})
        assert PASSWORD not in "%s" % value  # noqa: UP031 - stdlib logging formats with %
        assert masked(value) is value

    def test_a_masked_password_in_a_logged_dict_stays_masked(self, caplog):
        """A masked password logged inside a client's config dict prints as asterisks."""
        # On the logger itself: `casehub` commands run in-process raise kafka's level.
        caplog.set_level(logging.DEBUG, logger="kafka.test")
        logging.getLogger("kafka.test").debug(
            "config: %s", {"sasl_plain_password": masked(PASSWORD)}
        )
        assert "config:" in caplog.text
        assert PASSWORD not in caplog.text

    def test_generated_passwords_are_long_and_distinct(self):
        one, two = generate_password().reveal(), generate_password().reveal()
        assert one != two
        assert len(one) >= 40


class TestCredentialsFile:
    def test_the_file_maps_principals_to_passwords(self, tmp_path):
        path = private(
            tmp_path / "kafka.toml", f'agency-a = "{PASSWORD}"\ncasehub-hub = "{PASSWORD}2"\n'
        )
        loaded = load_credentials(path)
        assert {k: v.reveal() for k, v in loaded.items()} == {
            "agency-a": PASSWORD,
            "casehub-hub": PASSWORD + "2",
        }

    def test_a_file_others_can_read_is_refused(self, tmp_path):
        """Mode 0640 is refused with the chmod that fixes it; the password is not shown."""
        path = private(tmp_path / "kafka.toml", f'agency-a = "{PASSWORD}"\n')
        path.chmod(0o640)
        with pytest.raises(SetupError, match="chmod 600") as error:
            load_credentials(path)
        assert PASSWORD not in str(error.value)

    def test_a_missing_file_is_named(self, tmp_path):
        with pytest.raises(SetupError, match="does not exist"):
            load_credentials(tmp_path / "nope.toml")

    def test_bad_entries_are_refused_without_echoing_them(self, tmp_path):
        for text in ("agency-a = 12\n", 'agency-a = "short"\n', '"a b" = "' + PASSWORD + '"\n'):
            path = private(tmp_path / "kafka.toml", text)
            with pytest.raises(SetupError) as error:
                load_credentials(path)
            assert 'short"' not in str(error.value)

    def test_the_settings_or_environment_name_the_file(self, tmp_path, monkeypatch):
        """The file comes from the setting, which CASEHUB_KAFKA_CREDENTIALS_FILE sets."""
        monkeypatch.delenv(CREDENTIALS_FILE_ENV, raising=False)
        assert credentials_file(load_settings()) is None
        path = private(tmp_path / "kafka.toml", f'agency-a = "{PASSWORD}"\n')
        monkeypatch.setenv(CREDENTIALS_FILE_ENV, str(path))
        settings = load_settings()
        assert credentials_file(settings) == path
        secret = lookup_password(settings, "agency-a")
        assert secret is not None
        assert secret.reveal() == PASSWORD
        with pytest.raises(SetupError, match="no password for agency-b"):
            lookup_password(settings, "agency-b")

    def test_upsert_creates_a_private_file_and_replaces_an_entry(self, tmp_path):
        path = tmp_path / "creds" / "kafka.toml"
        upsert_credentials_file(path, "agency-a", Secret(PASSWORD))
        upsert_credentials_file(path, "agency-b", Secret(PASSWORD + "b"))
        upsert_credentials_file(path, "agency-a", Secret(PASSWORD + "a"))
        assert path.stat().st_mode & 0o777 == 0o600
        assert {k: v.reveal() for k, v in load_credentials(path).items()} == {
            "agency-a": PASSWORD + "a",
            "agency-b": PASSWORD + "b",
        }


class TestPasswordFile:
    def test_a_written_password_file_is_private_and_reads_back(self, tmp_path):
        path = tmp_path / "agency-a.password"
        write_password_file(path, Secret(PASSWORD))
        assert path.stat().st_mode & 0o777 == 0o600
        assert read_password_file(path).reveal() == PASSWORD

    def test_a_readable_password_file_is_refused(self, tmp_path):
        path = private(tmp_path / "p", PASSWORD + "\n")
        path.chmod(0o644)
        with pytest.raises(SetupError, match="readable or writable by others"):
            read_password_file(path)

    def test_a_password_with_a_quote_is_refused(self, tmp_path):
        path = private(tmp_path / "p", 'abc"defghijklmnopqrs\n')
        with pytest.raises(SetupError, match="quote"):
            read_password_file(path)
