"""Targeting rules as PromQL matchers: each form written out, then checked by promtool against the Python rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.monitoring import node_label
from components.monitoring.promql import MatchOp, Matcher, node_label_matcher, quote, selector, toleration_matchers
from components.targeting import LabelExpression, Operator, TaintEffect, Toleration, TolerationOperator
from tests.monitoring.promtool import alerts_at, present, unit_test_rules


def test_a_string_is_quoted_with_go_escapes() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'


def test_a_selector_without_matchers_is_the_bare_metric() -> None:
    assert selector("kube_node_spec_taint") == "kube_node_spec_taint"
    assert selector("m", [Matcher("a", MatchOp.EQUAL, "x"), Matcher("b", MatchOp.NOT_REGEX, "y|z")]) == 'm{a="x", b!~"y|z"}'


@pytest.mark.parametrize(
    ("operator", "values", "written"),
    [
        (Operator.IN, ("linux",), 'label_role="linux"'),
        (Operator.IN, ("a.b", "c"), 'label_role=~"a\\\\.b|c"'),
        (Operator.NOT_IN, ("fargate",), 'label_role!="fargate"'),
        (Operator.NOT_IN, ("a-b", "c"), 'label_role!~"a\\\\-b|c"'),
        (Operator.EXISTS, (), 'label_role!=""'),
        (Operator.DOES_NOT_EXIST, (), 'label_role=""'),
    ],
)
def test_each_label_operator_has_its_matcher(operator: Operator, values: tuple[str, ...], written: str) -> None:
    assert str(node_label_matcher(LabelExpression("role", operator, values))) == written


@pytest.mark.parametrize("operator", [Operator.GT, Operator.LT])
def test_integer_comparisons_have_no_matcher(operator: Operator) -> None:
    with pytest.raises(ValueError, match="compares integers"):
        node_label_matcher(LabelExpression("cores", operator, ("4",)))


@pytest.mark.parametrize(
    ("toleration", "written"),
    [
        (Toleration.everything(), ""),
        (Toleration("", TolerationOperator.EXISTS, "", TaintEffect.NO_EXECUTE), 'effect="NoExecute"'),
        (Toleration("gpu", TolerationOperator.EXISTS), 'key="gpu"'),
        (Toleration("gpu", TolerationOperator.EQUAL, "true"), 'key="gpu", value="true"'),
        (Toleration("gpu", TolerationOperator.EQUAL, ""), 'key="gpu", value=""'),
        (
            Toleration("gpu", TolerationOperator.EQUAL, "true", TaintEffect.NO_SCHEDULE),
            'key="gpu", value="true", effect="NoSchedule"',
        ),
    ],
)
def test_each_toleration_form_has_its_matchers(toleration: Toleration, written: str) -> None:
    assert ", ".join(str(m) for m in toleration_matchers(toleration)) == written


# Node label values, None for a node without the label; expressions of every operator with a matcher, with values
# that hold a regex metacharacter (the dot) and one that only looks like another value under a sloppy regex.
NODES = {"n0": None, "n1": "a.b", "n2": "axb", "n3": "c", "n4": "a.bc"}
EXPRESSIONS = [
    LabelExpression("team/role", Operator.IN, ("a.b",)),
    LabelExpression("team/role", Operator.IN, ("a.b", "c")),
    LabelExpression("team/role", Operator.NOT_IN, ("a.b",)),
    LabelExpression("team/role", Operator.NOT_IN, ("a.b", "c")),
    LabelExpression("team/role", Operator.EXISTS),
    LabelExpression("team/role", Operator.DOES_NOT_EXIST),
]


def test_promtool_matches_the_nodes_the_expression_matches(tmp_path: Path) -> None:
    rules = [
        {"alert": f"E{index}", "expr": selector("kube_node_labels", [node_label_matcher(e)])}
        for index, e in enumerate(EXPRESSIONS)
    ]
    text = yaml.safe_dump({"groups": [{"name": "matchers", "rules": rules}]})
    series = []
    for node, value in NODES.items():
        label = "" if value is None else f',{node_label("team/role")}="{value}"'
        series.append({"series": f'kube_node_labels{{node="{node}"{label}}}', "values": present(0)})
    checks = []
    for index, expression in enumerate(EXPRESSIONS):
        matched = [n for n, v in NODES.items() if expression.matches({} if v is None else {"team/role": v})]
        expected = [
            {"exp_labels": {"node": n, **({node_label("team/role"): NODES[n]} if NODES[n] else {})}} for n in matched
        ]
        checks.append(alerts_at(1, f"E{index}", expected))
    outcome = unit_test_rules(tmp_path, text, [{"interval": "1m", "input_series": series, "alert_rule_test": checks}])
    assert outcome.returncode == 0, outcome.output
