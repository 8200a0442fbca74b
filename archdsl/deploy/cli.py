"""`archdsl check --target T`: print the deployability diagnostics of a checked arch (no TensorFlow).

Exit 1 when an op cannot run on the target, 0 otherwise (warnings for ops without recorded facts
do not fail the check). With `--json`, one object: target, ok, and each problem's node and message.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from archdsl.deploy.check import check_target
from archdsl.diagnostics import Severity


def report_target(arch: Any, target: str, as_json: bool = False) -> int:
    diags = check_target(arch, target)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if as_json:
        print(json.dumps({"name": arch.name, "target": target, "ok": not errors,
                          "problems": [{"node": d.node, "severity": d.severity.name.lower(), "message": d.message,
                                        "line": d.span.line if d.span else None} for d in diags]}))
    else:
        for d in diags:
            print(d.render(), file=sys.stderr)
        verdict = "deploys" if not errors else f"does not deploy ({len(errors)} problem{'s' * (len(errors) != 1)})"
        print(f"{arch.name}: {verdict} to {target}")
    return 1 if errors else 0
