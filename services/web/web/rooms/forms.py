"""The forms of the rooms pages: creating a room (the rules match db-api's,
1-64 characters once trimmed) and sharing a file from a room's page."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RoomForm(FlaskForm):
    name = StringField(
        "Room name",
        filters=[_strip],
        validators=[
            DataRequired(message="Give the room a name."),
            Length(max=64, message="A room name is at most 64 characters."),
        ],
        render_kw={"placeholder": "e.g. Design reviews", "autocomplete": "off"},
    )
    submit = SubmitField("Create room")


class UploadForm(FlaskForm):
    """Rendered here, never parsed by WTForms: web.files reads the upload as it
    arrives (web.files.multipart), so the token comes before the file."""

    file = FileField("File")
    submit = SubmitField("Share file")
