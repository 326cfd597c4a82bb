"""The one store of previewed import files: only the previewer's own, unchanged bytes are applied, and
previews nobody confirmed do not pile up in the temporary folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from accord.core.views import PreviewedUploads


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return PreviewedUploads("example")


def _request() -> SimpleNamespace:
    return SimpleNamespace(session={})


PROGRAM = SimpleNamespace(pk=7)


def test_the_previewer_gets_back_exactly_the_previewed_bytes_and_options(uploads):
    request = _request()
    digest = uploads.keep(request, PROGRAM, filename="june.csv", content=b"kpi,value\n", decimal="comma")
    assert digest == hashlib.sha256(b"kpi,value\n").hexdigest()
    pending, content = uploads.take(request, PROGRAM, digest)
    assert content == b"kpi,value\n"
    assert pending == {"hash": digest, "filename": "june.csv", "decimal": "comma"}


def test_someone_else_or_another_program_cannot_confirm_a_preview(uploads):
    previewer = _request()
    digest = uploads.keep(previewer, PROGRAM, filename="june.csv", content=b"rows")
    with pytest.raises(ValidationError, match="expired or was not yours"):
        uploads.take(_request(), PROGRAM, digest)
    with pytest.raises(ValidationError, match="expired or was not yours"):
        uploads.take(previewer, SimpleNamespace(pk=8), digest)
    with pytest.raises(ValidationError, match="expired or was not yours"):
        uploads.take(previewer, PROGRAM, "../" + digest[3:])


def test_a_file_changed_on_the_server_is_refused(uploads):
    request = _request()
    digest = uploads.keep(request, PROGRAM, filename="june.csv", content=b"rows")
    (uploads.folder() / digest).write_bytes(b"other rows")
    with pytest.raises(ValidationError, match="changed on the server"):
        uploads.take(request, PROGRAM, digest)


def test_forget_removes_the_file_and_the_sessions_entry_for_that_program_only(uploads):
    request = _request()
    digest = uploads.keep(request, PROGRAM, filename="june.csv", content=b"rows")
    other = uploads.keep(request, SimpleNamespace(pk=8), filename="july.csv", content=b"more rows")
    uploads.forget(request, PROGRAM, digest)
    assert not (uploads.folder() / digest).exists()
    assert list(request.session["example_import"]) == ["8"]
    assert (uploads.folder() / other).exists()


def test_previews_nobody_confirmed_are_removed_after_a_day(uploads):
    stale = uploads.folder() / ("a" * 64)
    recent = uploads.folder() / ("b" * 64)
    stale.write_bytes(b"old")
    recent.write_bytes(b"new")
    day_and_a_minute_ago = time.time() - uploads.keep_hours * 3600 - 60
    os.utime(stale, (day_and_a_minute_ago, day_and_a_minute_ago))
    uploads.keep(_request(), PROGRAM, filename="june.csv", content=b"rows")
    assert not stale.exists()
    assert recent.exists()
