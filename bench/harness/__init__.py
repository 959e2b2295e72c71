"""The host side of `make bench`: measuring and reporting, kept apart.

* :mod:`harness.settings`: every knob (``BENCH_*`` environment variables).
* :mod:`harness.shell`: running commands in the stack and the client container.
* :mod:`harness.stats`, :mod:`harness.wrk`, :mod:`harness.cpu`, :mod:`harness.peers`,
  :mod:`harness.profiles`: the instruments (percentiles, wrk, CPU per layer,
  interleaved rounds, py-spy).
* :mod:`harness.figures`: one module per kind of measurement; each declares
  the :class:`harness.figures.base.Figure` rows it produces, with their exact
  definitions next to the code that measures them.
* :mod:`harness.report`: turns ``results.json`` into docs/benchmarks.md.

To add a figure: measure it in a function of the right ``figures`` module
(or a new one listed in :data:`harness.figures.MODULES`), store what it
measured under ``results["figures"][<key>]``, and declare a ``Figure`` whose
``value``/``detail`` read it back. The report needs no change.

Standard library only: it runs on the host.
"""
