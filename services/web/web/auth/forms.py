"""The login and registration forms: servicekit's rules, the ones db-api
enforces, so most mistakes never leave web."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from servicekit.rules import LOGIN_PASSWORD, LOGIN_USERNAME, PASSWORD, USERNAME
from web.validators import Follows

NAME_INPUT = {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[Follows(USERNAME)], render_kw=NAME_INPUT)
    password = PasswordField(
        "Password",
        validators=[Follows(PASSWORD)],
        description=f"At least {PASSWORD.min} characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo("password", message="The two passwords differ."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[Follows(LOGIN_USERNAME)], render_kw=NAME_INPUT)
    password = PasswordField(
        "Password", validators=[Follows(LOGIN_PASSWORD)], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty but for its CSRF token: logging out is a POST no other site can send."""

    submit = SubmitField("Log out")
