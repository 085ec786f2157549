"""ServiceAccount credentials on the local cluster: a kubeconfig that authenticates kube-rbac-proxy as the rendered
node-exporter ServiceAccount, and a scraper's ServiceAccount bound to a ClusterRole, with a token."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import yaml

from local.cluster import LocalCluster


def service_account_kubeconfig(
    cluster: LocalCluster, namespace: str, name: str, path: Path, *, duration: str = "2h", owner: Optional[int] = None
) -> Path:
    """A kubeconfig for ``cluster`` that authenticates as ServiceAccount ``namespace/name`` (a token from
    ``kubectl create token``), as the in-cluster config of a pod of that ServiceAccount would."""
    admin = json.loads(cluster.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json"))
    server = admin["clusters"][0]["cluster"]
    token = cluster.kubectl("create", "token", name, "--namespace", namespace, "--duration", duration).strip()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {k: server[k] for k in ("server", "certificate-authority-data")}}],
        "users": [{"name": f"{namespace}-{name}", "user": {"token": token}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": f"{namespace}-{name}"}}],
        "current-context": "local",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=True))
    path.chmod(0o600)
    if owner is not None and os.geteuid() == 0:
        os.chown(path, owner, -1)
    return path


def bind_scraper(cluster: LocalCluster, namespace: str, name: str, *, cluster_role: Optional[str]) -> str:
    """A ServiceAccount ``namespace/name``, bound to ``cluster_role`` when one is given; returns a token of it."""
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}},
    ]
    if cluster_role:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": f"{namespace}-{name}-{cluster_role}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
            }
        )
    cluster.apply(objects)
    return cluster.kubectl("create", "token", name, "--namespace", namespace, "--duration", "2h").strip()
