"""ws's image installs no Flask-Limiter: ws has no HTTP rate limits, and
nothing it imports (servicekit.errors included) needs it."""

import os
import subprocess
import sys
from pathlib import Path

SERVICE = Path(__file__).parents[2]
REQUIREMENTS = SERVICE / "requirements.txt"


def test_ws_builds_its_app_without_flask_limiter_installed():
    script = (
        "import sys\n"
        "sys.modules['flask_limiter'] = None  # as if not installed: importing it fails\n"
        "from ws import create_app\n"
        "app = create_app({'REDIS_URL': 'redis://127.0.0.1:9/0', 'DB_API_URL': 'http://127.0.0.1:9'})\n"
        "assert 'flask_limiter' not in [name for name, mod in sys.modules.items() if mod is not None]\n"
        "print(sorted(app.blueprints))\n"
    )
    env = {**os.environ, "APP_ENV": "testing", "PYTHONPATH": str(SERVICE)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'rooms'" in result.stdout  # ws's own blueprint is there


def test_ws_pins_none_of_flask_limiters_tree():
    pinned = {line.split("==")[0] for line in REQUIREMENTS.read_text().splitlines() if "==" in line}
    assert not pinned & {"flask-limiter", "limits", "ordered-set", "deprecated", "wrapt"}
