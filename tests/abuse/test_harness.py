"""The abuse suite's own guard: it notices a casualty, and a quiet stack passes."""


def test_a_quiet_stack_passes_the_guard_and_serves_the_bystander(under_attack):
    with under_attack() as guard:
        pass
    assert set(guard.peak) >= {"nginx/0", "web/0", "ws/0", "db-api/0", "redis/0", "mysql/0"}
