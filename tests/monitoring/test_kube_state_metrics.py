"""The labels kube-state-metrics gives node labels, and the allowlist flag the rules need."""

from __future__ import annotations

import pytest

from components.monitoring import labels_allowlist_flag, node_label, node_labels_read


# The non-conflicting cases of TestKubeLabelsToPrometheusLabels (internal/store/utils_test.go, kube-state-metrics
# v2.15.0), then the node labels this project reads or aims at.
@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("app1", "label_app1"),
        ("0_app3", "label_0_app3"),
        ("$app4", "label__app4"),
        ("_app5", "label__app5"),
        ("camelCase", "label_camel_case"),
        ("snake_camelCase", "label_snake_camel_case"),
        ("kubernetes.io/os", "label_kubernetes_io_os"),
        ("eks.amazonaws.com/compute-type", "label_eks_amazonaws_com_compute_type"),
        ("eks-daemonsets.io/node-group", "label_eks_daemonsets_io_node_group"),
        ("CriticalAddonsOnly", "label_critical_addons_only"),
    ],
)
def test_node_label_is_named_as_kube_state_metrics_names_it(key: str, label: str) -> None:
    assert node_label(key) == label


def test_the_rules_read_only_the_os_and_compute_type_labels() -> None:
    assert node_labels_read() == ("eks.amazonaws.com/compute-type", "kubernetes.io/os")


def test_the_allowlist_flag_lists_each_key_once_sorted() -> None:
    flag = labels_allowlist_flag(["kubernetes.io/os", "eks.amazonaws.com/compute-type", "kubernetes.io/os"])
    assert flag == "--metric-labels-allowlist=nodes=[eks.amazonaws.com/compute-type,kubernetes.io/os]"
