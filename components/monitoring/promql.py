"""PromQL selectors for the alert rules: label matchers, and the targeting rules written as matchers.

A node label requirement (:class:`~components.targeting.LabelExpression`) becomes a matcher on the label
kube-state-metrics gives the node label in ``kube_node_labels``; a toleration becomes the matchers that pick the
``kube_node_spec_taint`` series it tolerates. Both mirror the Python rules they stand for (``LabelExpression.matches``,
``Toleration.tolerates``), so the alerts and the placement table answer the same question the same way.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from components.monitoring.kube_state_metrics import node_label
from components.targeting import LabelExpression, Operator, Toleration, TolerationOperator


class MatchOp(enum.StrEnum):
    """PromQL's label matching operators; the regex ones are anchored at both ends."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class Matcher:
    """One label matcher, ``label op "value"``.

    Attributes:
        label: The Prometheus label name.
        op: How the label's value is compared.
        value: The value (a regular expression for the regex operators), unquoted.
    """

    label: str
    op: MatchOp
    value: str

    def __str__(self) -> str:
        return f"{self.label}{self.op}{quote(self.value)}"


def quote(text: str) -> str:
    """``text`` as a PromQL double-quoted string literal (Go escaping: backslash and double quote)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector(metric: str, matchers: Iterable[Matcher] = ()) -> str:
    """``metric{m1, m2}``, or the bare metric name when there is no matcher."""
    inside = ", ".join(str(m) for m in matchers)
    return f"{metric}{{{inside}}}" if inside else metric


def _any_of(values: Iterable[str]) -> str:
    # RE2 takes a backslash before any punctuation, so re.escape's output means the literal text to it too.
    return "|".join(re.escape(value) for value in values)


def node_label_matcher(expression: LabelExpression) -> Matcher:
    """The ``kube_node_labels`` matcher that holds exactly for the nodes ``expression`` matches.

    A label the node lacks is an empty (absent) Prometheus label, and an empty value matches ``!=`` and ``!~``
    matchers, as a missing label satisfies NotIn and DoesNotExist in Kubernetes. kube-state-metrics drops a node label
    whose value is empty the same way, so Exists cannot tell an empty-valued label from a missing one: it is written
    as "has a non-empty value".

    Args:
        expression: In, NotIn, Exists or DoesNotExist.

    Returns:
        The matcher on the kube-state-metrics label of ``expression.key``.

    Raises:
        ValueError: For Gt and Lt, which compare integers and have no label matcher.
    """
    label = node_label(expression.key)
    values = expression.values
    if expression.operator is Operator.IN:
        if len(values) == 1:
            return Matcher(label, MatchOp.EQUAL, values[0])
        return Matcher(label, MatchOp.REGEX, _any_of(values))
    if expression.operator is Operator.NOT_IN:
        if len(values) == 1:
            return Matcher(label, MatchOp.NOT_EQUAL, values[0])
        return Matcher(label, MatchOp.NOT_REGEX, _any_of(values))
    if expression.operator is Operator.EXISTS:
        return Matcher(label, MatchOp.NOT_EQUAL, "")
    if expression.operator is Operator.DOES_NOT_EXIST:
        return Matcher(label, MatchOp.EQUAL, "")
    raise ValueError(f"{expression.describe()}: {expression.operator} compares integers; no label matcher does")


def toleration_matchers(toleration: Toleration) -> tuple[Matcher, ...]:
    """The ``kube_node_spec_taint`` matchers that pick exactly the taints ``toleration`` tolerates.

    As ``Toleration.tolerates`` (core/v1 ``ToleratesTaint``): a set effect must be the taint's, a set key the taint's
    key, and Equal compares the value (an empty value matches a taint without one, which kube-state-metrics exports
    as an empty, so absent, ``value`` label). An empty key with Exists and no effect has no matcher: it tolerates
    every taint.
    """
    matchers = []
    if toleration.key:
        matchers.append(Matcher("key", MatchOp.EQUAL, toleration.key))
    if toleration.operator is TolerationOperator.EQUAL:
        matchers.append(Matcher("value", MatchOp.EQUAL, toleration.value))
    if toleration.effect is not None:
        matchers.append(Matcher("effect", MatchOp.EQUAL, toleration.effect.value))
    return tuple(matchers)
