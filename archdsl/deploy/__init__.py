"""Deployability before building: which targets (TFLite fp32 / int8 / GPU delegate, XLA) can run
each op (facts read from the op definitions), and a check that reports the ops that cannot, at
their spec lines. No TensorFlow."""

from archdsl.deploy.check import check_target
from archdsl.deploy.support import TARGETS, Deploy, Problem, Support, Verdict, support

__all__ = ["TARGETS", "Deploy", "Problem", "Support", "Verdict", "support", "check_target"]
