"""Outside judge: every rendered PrometheusRule against the CRD the Prometheus Operator installs for it.

kubernetes-validate ships the built-in API only, so ``test_schemas.py`` skips this custom resource; here it is
validated with ``jsonschema`` against the ``openAPIV3Schema`` of ``monitoring.coreos.com_prometheusrules.yaml`` from
prometheus-operator v0.85.0 (``tests/data/prometheusrule-crd-schema.json``, see ``tests/data/README.md``), made strict:
the API server prunes a field a structural schema does not know without a word, so here an unknown field fails.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.judges import rendered, stack_label, valid_stack_files

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "data" / "prometheusrule-crd-schema.json"


def _strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever it lists properties and says nothing of others."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [_strict(item) for item in schema]
    return schema


CRD_SCHEMA = json.loads(SCHEMA_FILE.read_text())
# Not checked against the draft-7 metaschema: partial_response_strategy's pattern, ^(?i)(abort|warn)?$, is Go RE2,
# whose inline flag Python's re refuses in that place. Our rules never set that field, so the pattern is never used.
STRICT = jsonschema.Draft7Validator(_strict(CRD_SCHEMA))


def _prometheus_rules() -> list[Any]:
    cases = []
    for stack_file in valid_stack_files():
        render = rendered(stack_file)
        for path, manifest in render.manifests.items():
            if (manifest.get("apiVersion"), manifest.get("kind")) == ("monitoring.coreos.com/v1", "PrometheusRule"):
                cases.append(pytest.param(manifest, id=f"{stack_label(stack_file)}:{path}"))
    return cases


RULES = _prometheus_rules()


def test_some_stack_renders_prometheus_rules() -> None:
    # tests/stacks/Pulumi.oldest.yaml turns the operator on: one PrometheusRule per agent.
    assert len(RULES) >= 3


@pytest.mark.parametrize("manifest", RULES)
def test_prometheus_rule_matches_the_operators_crd(manifest: dict[str, Any]) -> None:
    body = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind", "metadata")}
    STRICT.validate(body)


def test_the_strict_schema_refuses_a_misspelt_field() -> None:
    (first, *_) = RULES
    manifest = copy.deepcopy(first.values[0])
    manifest["spec"]["groups"][0]["rules"][0]["annotation"] = {"summary": "x"}
    body = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind", "metadata")}
    with pytest.raises(jsonschema.ValidationError, match="annotation"):
        STRICT.validate(body)


def test_the_crd_is_the_operators_prometheus_rule_schema() -> None:
    rule = CRD_SCHEMA["properties"]["spec"]["properties"]["groups"]["items"]["properties"]["rules"]["items"]
    assert rule["required"] == ["expr"]
    assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule["properties"])
