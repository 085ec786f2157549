"""The anchors as applied beside ours: as shipped, but for the CRD kinds and their cluster-scoped RBAC's names."""

from __future__ import annotations

import pytest

from benchmarks.scale_bench.anchors import ANCHORS, anchor_documents, anchor_objects


@pytest.mark.parametrize("anchor", ANCHORS, ids=[a.key for a in ANCHORS])
def test_anchors_are_applied_as_shipped_with_only_their_cluster_rbac_renamed(anchor) -> None:
    documents = anchor_documents(anchor)
    objects = anchor_objects(anchor, documents)
    (daemonset,) = [o for o in objects if o["kind"] == "DaemonSet"]
    (shipped,) = [d for d in documents if d["kind"] == "DaemonSet"]
    assert daemonset == shipped
    assert not [o for o in objects if o["kind"] in ("ServiceMonitor", "PrometheusRule")]
    names = {o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole"}
    for binding in (o for o in objects if o["kind"] == "ClusterRoleBinding"):
        assert binding["metadata"]["name"].startswith(f"anchor-{anchor.key}-")
        assert binding["roleRef"]["name"] in names
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    assert namespaces == ([] if anchor.namespace in ("default", "kube-system") else [anchor.namespace])
