"""The README's claim that the three services have one shape: the same
``create_app(overrides)`` taking the same steps in the same order, each step
a function of the service's own."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FACTORIES = {
    "web": ROOT / "services/web/web/__init__.py",
    # ws's package file imports nothing (gevent patches after it); it hands over to ws/app.py.
    "ws": ROOT / "services/ws/ws/app.py",
    "db-api": ROOT / "services/db-api/dbapi/__init__.py",
}
STEPS = ["Flask", "init_service", "register_extensions", "register_blueprints", "register_errorhandlers"]


def functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def calls(function: ast.FunctionDef) -> list[str]:
    """The functions its statements call, in order (not what their arguments call)."""
    called = []
    for statement in function.body:
        value = getattr(statement, "value", None)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            called.append(value.func.id)
    return called


@pytest.mark.parametrize("service", FACTORIES)
def test_create_app_takes_the_same_steps(service):
    defined = functions(FACTORIES[service])
    factory = defined["create_app"]
    assert ast.unparse(factory.args) == "overrides: dict | None=None"
    assert ast.unparse(factory.returns) == "Flask"
    assert calls(factory) == STEPS
    for step in STEPS[2:]:
        assert step in defined, f"{service} defines {step}"


def test_ws_package_create_app_has_the_same_signature():
    factory = functions(ROOT / "services/ws/ws/__init__.py")["create_app"]
    assert ast.unparse(factory.args) == "overrides: dict | None=None"
