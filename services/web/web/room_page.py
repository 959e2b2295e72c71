"""A room's page, shown by the rooms blueprint (also again when a message
form fails) and by the files blueprint when an upload fails; both import it
from here, so neither blueprint imports the other."""

import secrets
from urllib.parse import quote

from flask import abort, current_app, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField, TextAreaField

from servicekit.internal_api import DbApiError, db_api, internal_path
from servicekit.rules import CLIENT_ID, MESSAGE_BODY
from web.validators import Follows


class MessageForm(FlaskForm):
    """The message box. chat.js sends it over the WebSocket; without JavaScript
    it is an ordinary POST (``rooms.post_message``).

    ``client_id`` is made when the page is rendered, so sending the same form
    twice (a double click, a reload that re-posts) stores one message: db-api
    keeps a ``client_id`` once.
    """

    body = TextAreaField("Message", id="chat-body", validators=[Follows(MESSAGE_BODY)])
    client_id = HiddenField(validators=[Follows(CLIENT_ID)], default=lambda: secrets.token_hex(12))
    submit = SubmitField("Send", id="chat-send")


class UploadForm(FlaskForm):
    """Rendered here, never parsed by WTForms: web.files reads the upload as it
    arrives (web.files.multipart), so the token comes before the file."""

    file = FileField("File")
    submit = SubmitField("Share file")


def render_room(
    slug: str,
    upload_form: UploadForm | None = None,
    message_form: MessageForm | None = None,
    status: int = 200,
):
    """The room page; also re-rendered with errors when the message or upload form fails.

    One internal call brings the room and its newest messages (db-api's
    ``/rooms/<slug>/page``): the page never pays two round trips.
    """
    try:
        page = db_api().get_json(
            internal_path("rooms", slug, "page"), params={"limit": current_app.config["ROOM_HISTORY"]}
        )
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no room at this address.")
        raise
    room, messages = page["room"], page["messages"]["items"]
    return render_template(
        "rooms/room.html",
        room=room,
        messages=messages,
        last_id=messages[-1]["id"] if messages else 0,
        upload_form=upload_form or UploadForm(),
        message_form=message_form or MessageForm(formdata=None),
        ws_path="/ws/rooms/" + quote(room["slug"], safe=""),
        history_path=f"/api/v1/rooms/{quote(room['slug'], safe='')}/messages",
    ), status
