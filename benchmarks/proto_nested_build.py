"""Prototype, for the build-time question of issue 17: lower each composite IR node (a block group, a
resample path) as one nested Keras layer, and time its build against archdsl's flat lowering.

    python benchmarks/proto_nested_build.py 49      # SpineNet variant; CPU time, medians of 3, alternating

Not the lowering archdsl uses: the nested model has no weight-transfer structure, serialization or
folding. It answers how much build time nesting can save before anyone pays for those.
"""
import os
import statistics
import sys
import time

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import archdsl
import tf_keras
from archdsl.lower import keras as K
from archdsl.lower.names import keras_name
from archdsl.lower.plan import plan
from archdsl.ops.registry import get_op


class Group(tf_keras.layers.Layer):
    """Calls its member layers inside its own `call`: Keras traces them once, in this layer's graph,
    instead of one functional-API call (with its symbolic output inference) per member."""

    def __init__(self, members, wiring, out_at, **kw):
        super().__init__(**kw)
        self.members = members  # tracked, so their weights are this layer's
        self.wiring = wiring    # per member: (layer, indices into [group inputs..., member outputs...], single)
        self.out_at = out_at    # index of the group's output in that list

    def call(self, inputs):
        vals = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for layer, ins, single in self.wiring:
            args = [vals[i] for i in ins]
            vals.append(layer(args[0] if single else args))
        return vals[self.out_at]


def build_nested(arch):
    steps = list(plan(arch))
    tensors, inputs = {}, {}
    by_node = {}
    for s in steps:
        by_node.setdefault(s.node.name, []).append(s)
    done = set()
    for s in steps:
        if s.name in done:
            continue
        op = get_op(s.op)
        if op.max_inputs == 0:
            make = op.lower(s.attrs, keras_name(s.name))
            inputs[s.name] = tensors[s.name] = make(None)
            done.add(s.name)
            continue
        group = by_node[s.node.name]
        if len(group) == 1 or any(g.share for g in group):
            layer = op.lower(s.attrs, keras_name(s.name))
            args = [tensors[i] for i in K._ordered_inputs(arch, s)]
            tensors[s.name] = layer(args if op.max_inputs != 1 else args[0])
            done.add(s.name)
            continue
        names = [g.name for g in group]
        ext = []
        for g in group:
            for i in K._ordered_inputs(arch, g):
                if i not in names and i not in ext:
                    ext.append(i)
        index = {n: k for k, n in enumerate(ext)}
        members, wiring = [], []
        for g in group:
            gop = get_op(g.op)
            layer = gop.lower(g.attrs, keras_name(g.name))
            members.append(layer)
            wiring.append((layer, tuple(index[i] for i in K._ordered_inputs(arch, g)), gop.max_inputs == 1))
            index[g.name] = len(ext) + len(wiring) - 1
        grp = Group(members, wiring, index[group[-1].name], name=keras_name(s.node.name) + "_grp")
        out = grp([tensors[i] for i in ext] if len(ext) > 1 else tensors[ext[0]])
        for g in group:
            done.add(g.name)
        tensors[group[-1].name] = out
    outputs = K._tree(arch.graph.outputs, tensors)
    return tf_keras.Model(next(iter(inputs.values())), outputs)


variant = sys.argv[1]
arch = archdsl.load(f"specs/spinenet{variant}.arch", {"input_size": 256})
res = {"flat": [], "nested": []}
for r in range(-1, 3):
    for name in (sorted(res, reverse=r % 2 == 1)):
        tf_keras.backend.clear_session()
        t = time.process_time()
        m = arch.to_keras() if name == "flat" else build_nested(arch)
        if r >= 0:
            res[name].append(time.process_time() - t)
        if r == -1 and name == "nested":
            print("nested layers:", len(m.layers), "params", m.count_params())
        if r == -1 and name == "flat":
            print("flat layers:", len(m.layers), "params", m.count_params())
print(variant, {k: round(statistics.median(v), 2) for k, v in res.items()},
      "ratio nested/flat", round(statistics.median(res["nested"]) / statistics.median(res["flat"]), 2))
