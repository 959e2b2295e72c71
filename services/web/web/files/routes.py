"""Files are stored by db-api; web forwards uploads and serves downloads as attachments.

A download is always an attachment with a type derived from its name and
``nosniff``: a shared file can never run as a page of this site.
"""

import mimetypes
import re
import secrets
import unicodedata
from io import BytesIO
from urllib.parse import unquote

from flask import abort, flash, g, redirect, send_file, url_for

from servicekit.bodies import accepts_uploads
from servicekit.internal_api import DbApiError, db_api
from web.auth.guards import login_required
from web.files import bp
from web.files.forms import UploadForm
from web.rooms.routes import api_path, render_room

UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_filename(name: str | None) -> str:
    """A name that is only a name: no directories, control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = UNSAFE_NAME_CHARS.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return name[:200] or "download"


def human_size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


@bp.post("/rooms/<slug>/files")
@accepts_uploads
@login_required
def upload(slug: str):
    form = UploadForm()
    if not form.validate_on_submit():
        flash("Nothing was shared.", "error")
        return render_room(slug, upload_form=form, status=400)
    upload = form.file.data
    filename = safe_filename(upload.filename)
    try:
        stored = (
            db_api()
            .request(
                "POST",
                api_path(slug, "files"),
                files={"file": (filename, upload.stream, upload.mimetype or "application/octet-stream")},
                data={"user_id": str(g.user["id"])},
            )
            .json()
        )
        download = url_for("files.download", file_id=stored["id"])
        # Not counted against the message budget (the upload has its own
        # bound): refusing it would leave a stored file nobody was told about.
        db_api().post_json(
            api_path(slug, "messages"),
            {
                "user_id": g.user["id"],
                "body": f"shared {stored['filename']} ({human_size(stored['size'])}): {download}",
                "client_id": "file-" + secrets.token_hex(8),
                "limited": False,
            },
            idempotent=True,
        )
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no room at this address.")
        form.file.errors.append(exc.error.get("message") or "That file could not be stored.")
        flash("Nothing was shared.", "error")
        return render_room(slug, upload_form=form, status=exc.status)
    flash(f"Shared {stored['filename']}.", "success")
    return redirect(url_for("rooms.room", slug=slug))


@bp.get("/files/<int:file_id>")
@login_required
def download(file_id: int):
    try:
        stored = db_api().request("GET", f"/api/internal/files/{file_id}")
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no file at this address.")
        raise
    name = safe_filename(unquote(stored.headers.get("X-Filename", "")))
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = send_file(BytesIO(stored.content), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
