"""Architecture search: strategies over spaces, trials on Ray Tune, a result store keyed by hash.

    spaces.py     Point, Space; SpineNetSpace (scale-permuted)     nasfpn.py    NAS-FPN cell space
    specspace.py  a spec's declared choices (and --dim ranges)      strategies.py random, evolution
    pareto.py     non-dominated sorting (pymoo)                    store.py     SQLite result store
    trial.py      one trial: load, compile, evaluate               proxy.py     built-in evaluator
    engine.py     the driver and Tune's Searcher                   report.py    best specs, CSV, plot
    cli.py        `archdsl search`                                  synthetic.py a known-optimum objective

Nothing here imports TensorFlow or Ray at import time; trials and `engine.run` do.
"""
