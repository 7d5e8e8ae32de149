"""hub.logging: one line shape for our events and for the libraries' stdlib logging."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from hub.logging import configure_logging, get_logger, logging_to_file


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    kafka_level = logging.getLogger("kafka").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(kafka_level)
    structlog.reset_defaults()


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class TestJsonOffATerminal:
    def test_our_events_are_json_lines_with_static_names_and_fields(self, capsys):
        """Off a terminal (stderr captured), a structlog event is one JSON object per line."""
        configure_logging("INFO")
        get_logger("hub.test").info("event_dead_lettered", topic="casehub.in", offset=7)

        [line] = json_lines(capsys.readouterr().err)
        assert line["event"] == "event_dead_lettered"
        assert (line["topic"], line["offset"]) == ("casehub.in", 7)
        assert (line["level"], line["logger"]) == ("info", "hub.test")
        assert line["timestamp"].endswith("Z")

    def test_stdlib_records_from_kafka_share_the_shape(self, capsys):
        """kafka-python's stdlib warnings come out through the same JSON renderer."""
        configure_logging("INFO")
        logging.getLogger("kafka.conn").warning("broker %s unreachable", "127.0.0.1:19092")

        [line] = json_lines(capsys.readouterr().err)
        assert line["event"] == "broker 127.0.0.1:19092 unreachable"
        assert (line["level"], line["logger"]) == ("warning", "kafka.conn")
        assert "timestamp" in line

    def test_kafka_info_chatter_is_held_back(self, capsys):
        """At INFO, kafka-python's INFO lines are dropped while ours are kept."""
        configure_logging("INFO")
        logging.getLogger("kafka.coordinator").info("joined group")
        logging.getLogger("eventsourcing.application").info("application started")

        lines = json_lines(capsys.readouterr().err)
        assert [line["logger"] for line in lines] == ["eventsourcing.application"]

    def test_bound_context_and_exceptions_are_kept(self, capsys):
        """contextvars are merged, and a stdlib exception is rendered into the JSON line."""
        configure_logging("INFO")
        with structlog.contextvars.bound_contextvars(case_id="c-1"):
            get_logger("hub.test").info("case_loaded")
        try:
            int("bad offset")
        except ValueError:
            logging.getLogger("eventsourcing").exception("recorder failed")

        ours, theirs = json_lines(capsys.readouterr().err)
        assert ours["case_id"] == "c-1"
        assert theirs["event"] == "recorder failed"
        assert "ValueError: invalid literal" in theirs["exception"]

    def test_level_filters_our_events_too(self, capsys):
        """Below the configured level, nothing is written."""
        configure_logging("WARNING")
        get_logger("hub.test").info("not_shown")
        assert capsys.readouterr().err == ""


class TestConsoleAndReconfiguration:
    def test_console_output_is_not_json(self, capsys):
        """json=False (a terminal) renders readable text, not JSON."""
        configure_logging("INFO", json=False)
        get_logger("hub.test").info("broker_started", profile="single")

        err = capsys.readouterr().err
        assert "broker_started" in err
        assert "profile" in err
        with pytest.raises(json.JSONDecodeError):
            json.loads(err.splitlines()[0])

    def test_configuring_twice_keeps_one_handler(self, capsys):
        """configure_logging is idempotent: one line per event after repeated calls."""
        configure_logging("INFO")
        configure_logging("INFO")
        get_logger("hub.test").info("once")
        assert len(json_lines(capsys.readouterr().err)) == 1

    def test_a_logger_made_before_configuration_follows_it(self, capsys):
        """A module-level logger used early still writes through the configured renderer."""
        early = get_logger("hub.early")
        early.info("before_configure")  # default structlog output; may be cached
        capsys.readouterr()
        configure_logging("INFO")
        early.info("after_configure", n=1)

        [line] = json_lines(capsys.readouterr().err)
        assert line["event"] == "after_configure"

    def test_capture_logs_sees_events_of_a_used_logger(self):
        """structlog.testing.capture_logs works on loggers that have already logged."""
        configure_logging("INFO")
        log = get_logger("hub.test")
        log.info("warm_up")
        with structlog.testing.capture_logs() as captured:
            log.info("captured_event", n=2)
        assert captured == [{"event": "captured_event", "n": 2, "log_level": "info"}]


class TestLoggingToAFile:
    def test_inside_lines_go_to_the_file_and_afterwards_to_stderr_again(self, capsys, tmp_path):
        """``logging_to_file`` (the demo's): nothing reaches stderr while inside, every line is
        in the file as JSON; afterwards stderr has the lines again."""
        configure_logging("INFO")
        path = tmp_path / "hub.log"
        with logging_to_file(path):
            get_logger("hub.test").warning("event_rejected", reason="not_authorized")
            logging.getLogger("eventsourcing").warning("a library's line")
        get_logger("hub.test").info("after_the_file")

        [after] = json_lines(capsys.readouterr().err)
        assert after["event"] == "after_the_file"
        inside = json_lines(path.read_text(encoding="utf-8"))
        assert [line["event"] for line in inside] == ["event_rejected", "a library's line"]
        assert inside[0]["reason"] == "not_authorized"
