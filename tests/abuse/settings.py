"""The stack's settings as the services read them: the env file's value, else
the registry's default (a default env file leaves most of them commented out)."""

import os

from servicekit.settings import value


def setting(name: str):
    return value(os.environ, name)
