"""Files are stored by db-api; web streams uploads to it and downloads from it.

Neither direction holds a file in memory. An upload's body is read as it
arrives (:mod:`web.files.multipart`) and forwarded to db-api chunked; the
login, the rate limit, the CSRF token, the room and the account's free
storage are all checked before the first byte of the file is forwarded. A
download is relayed from db-api in 64 KiB pieces. Either one ends after
``FILE_TRANSFER_TIMEOUT`` seconds, however slow the client: while it lasts
it holds one of db-api's few file transfer slots.

A download is always an attachment with a type derived from its name,
``nosniff`` and ``Content-Security-Policy: sandbox``: a shared file can never
run as a page of this site, even in a browser that renders it anyway.
"""

import mimetypes
import secrets
import time
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote, unquote

import gevent
import requests
from flask import Response, abort, current_app, flash, g, make_response, redirect, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.http import dump_options_header, parse_options_header

from servicekit.bodies import accepts_uploads
from servicekit.internal_api import DbApiError, DbApiUnavailable, db_api, internal_path, start_budget
from servicekit.logs import get_logger
from servicekit.ratelimit import limit_uploads
from servicekit.rules import safe_filename
from web.auth.guards import login_required
from web.extensions import csrf
from web.files import bp
from web.files.multipart import MultipartUpload, UploadTooLarge
from web.room_page import UploadForm, render_room
from web.templating import human_size

DEFAULT_TYPE = "application/octet-stream"
RELAY_BYTES = 64 * 1024
FILE_CSP = "default-src 'none'; sandbox"
BUSY = "Too many files are being transferred right now. Please try again in a moment."
TOO_SLOW = "The upload took too long. Try a smaller file or a faster connection."
NOT_STORED = "That file could not be stored."

log = get_logger(__name__)


class TransferTimedOut(Exception):
    """The client took longer than ``FILE_TRANSFER_TIMEOUT`` to send its file."""


def attachment(name: str) -> str:
    """``Content-Disposition`` as Werkzeug's ``send_file`` writes it: an ASCII
    ``filename`` for old clients, the exact name as RFC 5987 ``filename*``."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        names = {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")}
    else:
        names = {"filename": name}
    return dump_options_header("attachment", names)


def part_type(headers) -> str:
    """The part's own ``Content-Type`` without parameters, if it is a plain ASCII token."""
    mimetype = parse_options_header(headers.get("Content-Type", ""))[0]
    return mimetype if mimetype and mimetype.isascii() and mimetype.isprintable() else DEFAULT_TYPE


def check_csrf(fields: dict[str, str]) -> None:
    """CSRFProtect's own check (the token, and the Referer over HTTPS) on the
    fields read so far. The upload view is exempt from the automatic check,
    which would parse the whole body first; these fields *are* its form."""
    request.form = ImmutableMultiDict(fields)
    request.files = ImmutableMultiDict()
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


def within(seconds: float, pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``pieces``, each awaited for at most what is left of ``seconds`` in all:
    a client trickling its upload cannot hold the transfer for longer."""
    deadline = time.monotonic() + seconds
    source = iter(pieces)
    while True:
        with gevent.Timeout(max(0.0, deadline - time.monotonic()), TransferTimedOut):
            piece = next(source, None)
        if piece is None:
            return
        yield piece


def relay(upstream: requests.Response, seconds: float) -> Iterator[bytes]:
    """db-api's answer in 64 KiB pieces, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    try:
        for piece in upstream.iter_content(RELAY_BYTES):
            yield piece
            if time.monotonic() > deadline:
                log.warning("download_timed_out", url=upstream.url)
                return
    except requests.RequestException as exc:
        # Too late for an error page: the short body (Content-Length) tells the browser.
        log.warning("download_failed", error=repr(exc))


def upload_failed(slug: str, form: UploadForm, status: int, message: str) -> Response:
    """The room page again, the reason under the file field."""
    form.file.errors = [message]
    flash("Nothing was shared.", "error")
    return make_response(render_room(slug, upload_form=form, status=status))


def free_storage(slug: str) -> tuple[int, int]:
    """The room must exist (404 otherwise); returns the account's free and total storage."""
    try:
        db_api().get_json(internal_path("rooms", slug))
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no room at this address.")
        raise
    usage = db_api().get_json(internal_path("users", g.user["id"], "storage"))
    return usage["quota"] - usage["used"], usage["quota"]


def quota_message(free: int, quota: int) -> str:
    if free <= 0:
        return f"You have used all {human_size(quota)} of your file storage."
    return f"This file does not fit in your file storage: {human_size(free)} of {human_size(quota)} left."


def forward(slug: str, part, chunks: Iterable[bytes]) -> dict:
    """Stream the file to db-api as it arrives; its answer is the stored file."""
    filename = safe_filename(part.filename)
    seconds = current_app.config["FILE_TRANSFER_TIMEOUT"]
    try:
        return (
            db_api()
            .transfer(
                "POST",
                internal_path("rooms", slug, "files"),
                seconds,
                params={"user_id": g.user["id"]},
                data=within(seconds, chunks),
                headers={"Content-Type": part_type(part.headers), "X-Filename": quote(filename, safe="")},
            )
            .json()
        )
    finally:
        # The transfer took its own time: what the page asks of db-api next
        # (the message, or the room page again) gets a budget of its own.
        start_budget()


def announce(slug: str, stored: dict) -> None:
    """The message in the room that links the new file."""
    download = url_for("files.download", file_id=stored["id"])
    db_api().post_json(
        internal_path("rooms", slug, "messages"),
        {
            "user_id": g.user["id"],
            "body": f"shared {stored['filename']} ({human_size(stored['size'])}): {download}",
            "client_id": "file-" + secrets.token_hex(8),
            # Not counted against the message budget (the upload has its own
            # bound): refusing it would leave a stored file nobody was told about.
            "limited": False,
        },
        idempotent=True,
    )


@bp.post("/rooms/<slug>/files")
@accepts_uploads
@csrf.exempt
@limit_uploads
@login_required
def upload(slug: str):
    form = UploadForm(formdata=None)
    if request.mimetype != "multipart/form-data":
        # No file can be in it: the ordinary check of an ordinary (small) form.
        csrf.protect()
        return upload_failed(slug, form, 400, "Choose a file to share.")
    body = MultipartUpload.of(request)
    fields, part = body.fields_until("file")
    check_csrf(fields)
    if part is None or not part.filename:
        return upload_failed(slug, form, 400, "Choose a file to share.")
    free, quota = free_storage(slug)
    if free <= 0:
        return upload_failed(slug, form, 413, quota_message(free, quota))
    try:
        stored = forward(slug, part, body.file_bytes(free))
        announce(slug, stored)
    except UploadTooLarge:
        return upload_failed(slug, form, 413, quota_message(free, quota))
    except TransferTimedOut:
        return upload_failed(slug, form, 408, TOO_SLOW)
    except DbApiUnavailable:
        response = upload_failed(slug, form, 503, BUSY)
        response.headers["Retry-After"] = "5"
        return response
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no room at this address.")
        return upload_failed(slug, form, exc.status, exc.error.get("message") or NOT_STORED)
    flash(f"Shared {stored['filename']}.", "success")
    return redirect(url_for("rooms.room", slug=slug))


@bp.get("/files/<int:file_id>")
@login_required
def download(file_id: int):
    try:
        seconds = current_app.config["FILE_TRANSFER_TIMEOUT"]
        upstream = db_api().transfer("GET", internal_path("files", file_id), seconds, stream=True)
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no file at this address.")
        raise
    except DbApiUnavailable:
        raise ServiceUnavailable(BUSY, retry_after=5) from None
    name = safe_filename(unquote(upstream.headers.get("X-Filename", "")))
    response = Response(
        relay(upstream, seconds),
        mimetype=mimetypes.guess_type(name)[0] or DEFAULT_TYPE,
    )
    if "Content-Length" in upstream.headers:
        response.content_length = int(upstream.headers["Content-Length"])
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # The WSGI server closes the response when it ends or the client goes
    # away; db-api's stream (and its transfer slot) ends with it.
    response.call_on_close(upstream.close)
    return response
