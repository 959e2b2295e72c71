"""Accounts live in db-api; web checks the form, asks db-api, and keeps the login in the session."""

from flask import current_app, flash, g, redirect, render_template, url_for

from servicekit.internal_api import DbApiError, db_api, internal_path
from servicekit.ratelimit import limit_login, limit_register
from servicekit.sessions import log_in, log_out
from web.auth import bp
from web.auth.forms import LoginForm, LogoutForm, RegisterForm
from web.auth.guards import next_or


def _apply_field_errors(form, error: dict) -> None:
    """Show db-api's per-field messages (422) beside the fields they concern."""
    for name, message in (error.get("fields") or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors.append(message)


@bp.route("/register", methods=["GET", "POST"])
@limit_register
def register():
    if g.user is not None:
        return redirect(url_for("rooms.index"))
    form = RegisterForm()
    if not form.validate_on_submit():
        if form.errors:
            flash("Please fix the marked fields.", "error")
        return render_template("auth/register.html", form=form), 422 if form.errors else 200
    try:
        user = (
            db_api()
            .post_json(
                internal_path("users"),
                {"username": form.username.data, "password": form.password.data},
                budget=current_app.config["DB_API_AUTH_TIMEOUT"],
            )
            .json()
        )
    except DbApiError as exc:
        if exc.status == 409:
            form.username.errors.append("That username is taken.")
        else:
            _apply_field_errors(form, exc.error)
        flash("We could not create that account.", "error")
        return render_template("auth/register.html", form=form), exc.status
    log_in(user)
    flash(f"Welcome, {user['username']}! Your account is ready.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/login", methods=["GET", "POST"])
# The name as the form reads it (Flask-WTF also reads a JSON body), so a
# JSON post to the form counts in the same buckets; Flask keeps the parse.
@limit_login(username_of=lambda: LoginForm().username.data)
def login():
    if g.user is not None:
        return redirect(next_or("rooms.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        if form.errors:
            flash("Please fill in both fields.", "error")
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    try:
        user = (
            db_api()
            .post_json(
                internal_path("users", "authenticate"),
                {"username": form.username.data, "password": form.password.data},
                budget=current_app.config["DB_API_AUTH_TIMEOUT"],
            )
            .json()
        )
    except DbApiError:
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    log_in(user)
    flash(f"Welcome back, {user['username']}.", "success")
    return redirect(next_or("rooms.index"))


@bp.post("/logout")
def logout():
    """CSRFProtect has checked the token; a valid form has nothing else to check."""
    form = LogoutForm()
    if form.validate_on_submit():
        log_out()
        # In the anonymous cookie the browser keeps: nothing of it is left in Redis.
        flash("You are logged out.", "info")
    return redirect(url_for("main.index"))
