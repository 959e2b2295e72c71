"""Creating a room: servicekit's room name rule, the one db-api enforces."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from servicekit.rules import ROOM_NAME
from web.validators import Follows


class RoomForm(FlaskForm):
    name = StringField(
        "Room name",
        validators=[Follows(ROOM_NAME)],
        render_kw={"placeholder": "e.g. Design reviews", "autocomplete": "off"},
    )
    submit = SubmitField("Create room")
