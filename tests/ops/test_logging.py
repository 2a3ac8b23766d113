"""Request ids and structured logs: one id per request, in the response and every log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from workspace.logging_setup import JsonFormatter, log_context


@pytest.fixture
def app_settings(app_settings: dict[str, Any]) -> dict[str, Any]:
    return {**app_settings, "LOG_FORMAT": "json"}


def _json_lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_sane_request_id_comes_back_and_a_strange_one_is_replaced(client):
    assert client.get("/", headers={"X-Request-ID": "lb-7.a_B"}).headers["X-Request-ID"] \
        == "lb-7.a_B"
    for strange in ("", "a" * 65, "two words", "<script>", "id\u00e9"):
        answered = client.get("/", headers={"X-Request-ID": strange}).headers["X-Request-ID"]
        assert answered != strange and len(answered) == 32, strange
    first, second = (client.get("/").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_each_request_writes_one_json_access_line(client_as, member, capsys):
    client_as(member).get("/", headers={"X-Request-ID": "req-42"})
    lines = [line for line in _json_lines(capsys.readouterr().err)
             if line["logger"] == "workspace.access"]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == member.id
    assert line["time"].endswith("+00:00")
    assert line["message"].startswith("GET / 200 ")


def test_an_exception_is_logged_with_its_request_id(app, client, capsys):
    def fail() -> str:
        raise RuntimeError("the kettle boiled over")

    app.add_url_rule("/test-failure", "test_failure", fail)
    response = client.get("/test-failure", headers={"X-Request-ID": "broken-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "broken-1"
    lines = _json_lines(capsys.readouterr().err)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "broken-1"
    assert error["path"] == "/test-failure"
    assert "RuntimeError: the kettle boiled over" in error["exception"]
    [access] = [line for line in lines if line["logger"] == "workspace.access"]
    assert (access["request_id"], access["status"]) == ("broken-1", 500)


def test_health_checks_stay_out_of_the_access_log(client, capsys):
    client.get("/health/live")
    assert not [line for line in _json_lines(capsys.readouterr().err)
                if line["logger"] == "workspace.access"]


def test_job_lines_carry_the_job_instead_of_a_request():
    record = logging.LogRecord("workspace", logging.WARNING, __file__, 1, "slow %s", ("mail",),
                               None)
    from workspace.logging_setup import ContextFilter  # noqa: PLC0415

    with log_context(job_id=7, job_kind="mail.send"):
        ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert (line["job_id"], line["job_kind"], line["message"]) == (7, "mail.send", "slow mail")
    assert "request_id" not in line


def test_text_stays_the_default_for_development(app_settings: dict[str, Any], capsys):
    from workspace import create_app  # noqa: PLC0415

    app = create_app({**app_settings, "LOG_FORMAT": "text"})
    app.test_client().get("/", headers={"X-Request-ID": "dev-1"})
    err = capsys.readouterr().err
    assert "INFO workspace.access [dev-1]: GET / " in err
    assert not _json_lines(err)


def test_a_job_logs_with_its_id_and_kind(app, capsys):
    from workspace.extensions import db  # noqa: PLC0415
    from workspace.jobs import queue  # noqa: PLC0415

    @queue.register("test.ops_logged")
    def logged(payload: dict[str, Any]) -> None:
        app.logger.warning("working on %s", payload["n"])

    job = queue.enqueue("test.ops_logged", {"n": 3})
    db.session.commit()
    assert queue.run_pending() == 1
    [line] = [line for line in _json_lines(capsys.readouterr().err)
              if line["message"] == "working on 3"]
    assert (line["job_id"], line["job_kind"]) == (job.id, "test.ops_logged")
    assert "request_id" not in line
