"""Reading the stack's config: the one secret taken is an existing cluster's inline kubeconfig."""

from __future__ import annotations


def test_only_the_cluster_key_may_hold_the_inline_kubeconfig_secret() -> None:
    from components.settings.load import _holds_inline_kubeconfig

    inline = {"existing": {"kubeconfig": "apiVersion: v1"}}
    assert _holds_inline_kubeconfig("cluster", {"cluster": inline})
    assert not _holds_inline_kubeconfig("agents", {"agents": inline})
    assert not _holds_inline_kubeconfig("cluster", {"cluster": {"existing": {"kubeconfigPath": "/k"}}})
