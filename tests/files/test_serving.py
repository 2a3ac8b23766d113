"""Downloads through send_stored, from the local folder and from S3 alike: whole files, ranges,
304s, and headers that keep a file from acting as a page of the site."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from workspace.files.serving import FILE_CONTENT_SECURITY_POLICY, content_disposition
from workspace.files.storage import LocalStorage, Storage, storage

DATA = bytes(range(256)) * 40  # 10,240 bytes
PDF = "application/pdf"


@pytest.fixture
def client(files_app: Flask) -> FlaskClient:
    return files_app.test_client()


@pytest.fixture
def stored(files_app: Flask, put_bytes: Callable[[Storage, bytes], str]) -> str:
    return put_bytes(storage(), DATA)


def test_a_whole_file_downloads_as_an_attachment(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}?name=report.pdf")

    assert response.status_code == 200
    assert response.data == DATA
    assert response.headers["Content-Type"] == PDF
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["ETag"] == f'"{stored}"'
    assert response.headers["Accept-Ranges"] == "bytes"


def test_the_files_own_policy_survives_the_apps_security_headers(client: FlaskClient,
                                                                  stored: str):
    response = client.get(f"/test-files/{stored}")

    assert response.headers.getlist("Content-Security-Policy") == [FILE_CONTENT_SECURITY_POLICY]
    assert FILE_CONTENT_SECURITY_POLICY == ("sandbox; default-src 'none'; img-src 'self'; "
                                            "style-src 'unsafe-inline'")
    assert response.headers["X-Frame-Options"] == "DENY"  # the app's headers still apply
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_only_safe_images_are_shown_inline(client: FlaskClient, stored: str):
    image = client.get(f"/test-files/{stored}?type=image/png&name=chart.png&inline=1")
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith('inline; filename="chart.png"')

    pdf = client.get(f"/test-files/{stored}?type=application/pdf&inline=1")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    html = client.get(f"/test-files/{stored}?type=text/html&name=page.html&inline=1")
    assert html.headers["Content-Disposition"].startswith("attachment;")


def test_text_is_sent_as_utf8(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}?type=text/csv&name=states.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_a_private_cache_may_keep_it_when_asked(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}?max_age=3600")
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert "Expires" not in response.headers


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=2-5", 2, 5),
    ("bytes=-300", len(DATA) - 300, len(DATA) - 1),  # the last 300 bytes
    ("bytes=10000-", 10000, len(DATA) - 1),
    ("bytes=10200-99999", 10200, len(DATA) - 1),  # clipped to the file
])
def test_a_range_is_sent_partially(client: FlaskClient, stored: str, header: str,
                                   start: int, end: int):
    response = client.get(f"/test-files/{stored}", headers={"Range": header})

    assert response.status_code == 206
    assert response.data == DATA[start:end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.headers["Content-Security-Policy"] == FILE_CONTENT_SECURITY_POLICY
    assert response.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("header", ["bytes=20000-30000", "bytes=0-1,5-9", "bytes=abc"])
def test_an_unsatisfiable_range_is_416(client: FlaskClient, stored: str, header: str):
    response = client.get(f"/test-files/{stored}", headers={"Range": header})

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"
    assert response.data == b""
    assert response.headers["Content-Security-Policy"] == FILE_CONTENT_SECURITY_POLICY


def test_a_range_for_another_version_sends_the_whole_file(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}",
                          headers={"Range": "bytes=0-9", "If-Range": '"' + "0" * 64 + '"'})
    assert response.status_code == 200
    assert response.data == DATA

    same = client.get(f"/test-files/{stored}",
                      headers={"Range": "bytes=0-9", "If-Range": f'"{stored}"'})
    assert same.status_code == 206
    assert same.data == DATA[:10]


def test_a_copy_the_browser_has_is_not_sent_again(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}", headers={"If-None-Match": f'"{stored}"'})

    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == f'"{stored}"'
    assert response.headers["Cache-Control"] == "private, no-cache"

    changed = client.get(f"/test-files/{stored}", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_head_sends_headers_only(client: FlaskClient, stored: str):
    response = client.head(f"/test-files/{stored}")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.data == b""


@pytest.mark.parametrize("digest", ["0" * 64, "A" * 64, "..%2F..%2Fetc%2Fpasswd", "x"])
def test_a_missing_or_malformed_digest_is_404(client: FlaskClient, digest: str):
    assert client.get(f"/test-files/{digest}").status_code == 404


def test_names_with_any_characters_download_as_given(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}",
                          query_string={"name": "Résumé “final” 報告.pdf"})
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Resume final .pdf\"; "
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%9Cfinal%E2%80%9D%20%E5%A0%B1%E5%91%8A.pdf")


def test_a_name_cannot_add_headers(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}",
                          query_string={"name": "a.pdf\r\nSet-Cookie: session=stolen"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="a.pdfSet-Cookie: session=stolen";')


@pytest.mark.parametrize(("name", "expected"), [
    ('say "hi"\\.pdf', "attachment; filename=\"say _hi__.pdf\"; "
                       "filename*=UTF-8''say%20%22hi%22%5C.pdf"),
    ("報告.pdf", "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"),
    ("bad\r\nSet-Cookie: x.pdf", "attachment; filename=\"badSet-Cookie: x.pdf\"; "
                                 "filename*=UTF-8''badSet-Cookie%3A%20x.pdf"),
    ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
])
def test_content_disposition_never_breaks_the_header(name: str, expected: str):
    assert content_disposition(name, inline=False) == expected


@pytest.fixture
def big_file(files_app: Flask) -> tuple[str, int]:
    store = storage()
    assert isinstance(store, LocalStorage)
    size = 60 * 1024 * 1024
    source = store.temp_dir() / "big"
    sha256 = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(source, "wb") as file:
        for _ in range(size // len(block)):
            file.write(block)
            sha256.update(block)
    digest = sha256.hexdigest()
    store.put(digest, source)
    return digest, size


# Local only: the S3 test server runs in this process and keeps its objects in memory.
@pytest.mark.parametrize("backend", ["local"])
def test_a_60_mb_download_streams_without_loading_the_file(client: FlaskClient,
                                                            big_file: tuple[str, int]):
    digest, size = big_file
    tracemalloc.start()
    try:
        response = client.get(f"/test-files/{digest}", buffered=False)
        received = 0
        for chunk in response.response:
            received += len(chunk)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"


# --- Behind nginx: ACCEL_REDIRECT_PREFIX ------------------------------------------------------

PREFIX = "/_stored-files"


@pytest.fixture
def accel_client(files_app: Flask) -> FlaskClient:
    files_app.config["ACCEL_REDIRECT_PREFIX"] = PREFIX
    return files_app.test_client()


def _in_store(digest: str) -> str:
    return f"{digest[:2]}/{digest[2:4]}/{digest}"


@pytest.mark.parametrize("backend", ["local"])
def test_behind_nginx_a_local_file_is_a_redirect_with_every_header_and_no_body(
        accel_client: FlaskClient, stored: str):
    response = accel_client.get(f"/test-files/{stored}?type=text/csv&name=states.csv"
                                "&max_age=60")

    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"{PREFIX}/{_in_store(stored)}"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"states.csv\"; filename*=UTF-8''states.csv")
    assert response.headers.getlist("Content-Security-Policy") == [FILE_CONTENT_SECURITY_POLICY]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.headers["ETag"] == f'"{stored}"'


@pytest.mark.parametrize("backend", ["local"])
def test_behind_nginx_a_trailing_slash_on_the_prefix_makes_no_double_slash(
        files_app: Flask, stored: str):
    files_app.config["ACCEL_REDIRECT_PREFIX"] = PREFIX + "/"
    response = files_app.test_client().get(f"/test-files/{stored}")
    assert response.headers["X-Accel-Redirect"] == f"{PREFIX}/{_in_store(stored)}"


@pytest.mark.parametrize("backend", ["local"])
def test_behind_nginx_ranges_are_left_to_nginx(accel_client: FlaskClient, stored: str):
    response = accel_client.get(f"/test-files/{stored}", headers={"Range": "bytes=2-5"})

    # nginx answers the Range (and If-Range, against the ETag) from the file itself.
    assert response.status_code == 200
    assert response.data == b""
    assert "Content-Range" not in response.headers
    assert response.headers["X-Accel-Redirect"] == f"{PREFIX}/{_in_store(stored)}"


@pytest.mark.parametrize("backend", ["local"])
def test_behind_nginx_the_app_answers_a_copy_the_browser_has(accel_client: FlaskClient,
                                                             stored: str):
    response = accel_client.get(f"/test-files/{stored}",
                                headers={"If-None-Match": f'"{stored}"'})

    assert response.status_code == 304
    assert "X-Accel-Redirect" not in response.headers
    assert response.headers["ETag"] == f'"{stored}"'
    assert response.headers["Cache-Control"] == "private, no-cache"

    changed = accel_client.get(f"/test-files/{stored}", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200 and "X-Accel-Redirect" in changed.headers


@pytest.mark.parametrize("backend", ["local"])
@pytest.mark.parametrize("digest", ["0" * 64, "A" * 64, "..%2F..%2Fetc%2Fpasswd"])
def test_behind_nginx_a_missing_or_malformed_digest_is_404_without_a_redirect(
        accel_client: FlaskClient, digest: str):
    response = accel_client.get(f"/test-files/{digest}")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response.headers


@pytest.mark.parametrize("backend", ["s3"])
def test_behind_nginx_an_s3_file_is_still_sent_by_the_app(accel_client: FlaskClient,
                                                          stored: str):
    response = accel_client.get(f"/test-files/{stored}", headers={"Range": "bytes=2-5"})

    assert "X-Accel-Redirect" not in response.headers
    assert response.status_code == 206 and response.data == DATA[2:6]


@pytest.mark.parametrize("backend", ["local"])
def test_without_the_setting_the_app_sends_the_file(client: FlaskClient, stored: str):
    response = client.get(f"/test-files/{stored}")
    assert "X-Accel-Redirect" not in response.headers
    assert response.data == DATA
