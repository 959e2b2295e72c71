"""Rooms and messages live in db-api; these views fetch them and render pages."""

from flask import abort, current_app, flash, g, redirect, render_template, url_for

from servicekit.internal_api import DbApiError, db_api, internal_path
from servicekit.ratelimit import limit_rooms
from web.auth.guards import login_required
from web.errors.handlers import render_error
from web.room_page import MessageForm, render_room
from web.rooms import bp
from web.rooms.forms import RoomForm


def _rooms_page(before: int | None) -> dict:
    params = {"limit": current_app.config["ROOMS_PER_PAGE"]}
    if before is not None:
        params["before"] = before
    return db_api().get_json(internal_path("rooms"), params=params)


def render_rooms(form: RoomForm, before: int | None = None, status: int = 200):
    page = _rooms_page(before)
    return render_template(
        "rooms/index.html", form=form, rooms=page["items"], next_before=page.get("next_before")
    ), status


@bp.get("", defaults={"before": None}, strict_slashes=False)
@bp.get("/older/<int:before>")
@login_required
def index(before: int | None):
    """Newest rooms first; ``/rooms/older/<id>`` pages back through older ones."""
    return render_rooms(RoomForm(), before)


@bp.post("", endpoint="create", strict_slashes=False)
@login_required
@limit_rooms
def create():
    form = RoomForm()
    if not form.validate_on_submit():
        flash("The room was not created.", "error")
        return render_rooms(form, status=422)
    try:
        room = (
            db_api()
            .post_json(internal_path("rooms"), {"name": form.name.data, "user_id": g.user["id"]})
            .json()
        )
    except DbApiError as exc:
        if exc.status == 409:
            form.name.errors.append("A room with this address exists already; pick another name.")
        else:
            form.name.errors.append((exc.error.get("fields") or {}).get("name", "That name does not work."))
        flash("The room was not created.", "error")
        return render_rooms(form, status=exc.status)
    flash(f"Room “{room['name']}” created. Invite people with its address.", "success")
    return redirect(url_for("rooms.room", slug=room["slug"]))


@bp.get("/<slug>")
@login_required
def room(slug: str):
    return render_room(slug)


@bp.post("/<slug>/messages")
@login_required
def post_message(slug: str):
    """The message form without JavaScript: stored the way a WebSocket frame is.

    db-api's internal message route, with this account's message budget
    (the bucket ws and the API draw on), then 303 back to the room, where the
    message is among the rendered ones. chat.js never gets here: it sends
    over the socket and stops the form's own submit.
    """
    form = MessageForm()
    if not form.validate_on_submit():
        flash("The message was not sent.", "error")
        return render_room(slug, message_form=form, status=422)
    payload = {"user_id": g.user["id"], "body": form.body.data, "client_id": form.client_id.data}
    try:
        db_api().post_json(internal_path("rooms", slug, "messages"), payload, idempotent=True)
    except DbApiError as exc:
        if exc.status == 404:
            abort(404, "There is no room at this address.")
        if exc.status == 429:
            return over_message_budget(exc)
        form.body.errors.append((exc.error.get("fields") or {}).get("body") or "That message does not work.")
        flash("The message was not sent.", "error")
        return render_room(slug, message_form=form, status=exc.status)
    return redirect(url_for("rooms.room", slug=slug), 303)


def over_message_budget(exc: DbApiError):
    """The 429 page with db-api's limit and its ``Retry-After``."""
    response = render_error(429, "rate_limited", exc.error.get("message") or "the account's message budget")
    response.headers["Retry-After"] = str(exc.retry_after or 1)
    return response
