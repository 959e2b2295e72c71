from ops.timings import TIMINGS


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("make targets on the throwaway stack")
        for name, value in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {value:.0f}" + ("" if "bytes" in name else " s"))
