"""The login and registration forms; their rules match db-api's, so most mistakes never leave web."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from servicekit.accounts import USERNAME_MAX, USERNAME_MIN, USERNAME_PATTERN

USERNAME_RULES = [
    DataRequired(message="Choose a username."),
    Length(
        min=USERNAME_MIN,
        max=USERNAME_MAX,
        message=f"A username is {USERNAME_MIN} to {USERNAME_MAX} characters long.",
    ),
    Regexp(rf"^{USERNAME_PATTERN}\Z", message="Use letters, digits, dots, dashes and underscores only."),
]


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=USERNAME_RULES,
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Choose a password."),
            Length(min=8, max=128, message="A password is 8 to 128 characters long."),
        ],
        description="At least 8 characters.",
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
    username = StringField(
        "Username",
        validators=[DataRequired(message="Enter your username."), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty but for its CSRF token: logging out is a POST no other site can send."""

    submit = SubmitField("Log out")
