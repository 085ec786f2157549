"""What the alert rules read from kube-state-metrics: its series, the labels on them, and the flag they need.

Checked against kube-state-metrics v2.15.0 (the Go module ``k8s.io/kube-state-metrics/v2``): the metric tables in
``docs/metrics/cluster/node-metrics.md``, ``docs/metrics/workload/pod-metrics.md`` and
``docs/metrics/workload/daemonset-metrics.md`` (all STABLE), and the code that writes them in ``internal/store``:

- ``kube_node_info{node}``: one series per node, whatever the allowlist;
- ``kube_node_labels{node, label_<key>...}``: the node's labels, but only those ``--metric-labels-allowlist`` names
  for ``nodes`` (``createNodeLabelsGenerator``: without an allowlist, no series at all);
- ``kube_node_spec_taint{node, key, value, effect}``: one series per taint;
- ``kube_pod_info{namespace, pod, uid, node, created_by_kind, created_by_name, ...}``: ``node`` is
  ``spec.nodeName``, ``created_by_*`` the pod's controller (``metav1.GetControllerOf``);
- ``kube_pod_status_phase{namespace, pod, uid, phase}``: one series per phase, 1 for the pod's phase, 0 for others;
- ``kube_daemonset_status_number_unavailable`` and ``kube_daemonset_status_desired_number_scheduled``
  ``{namespace, daemonset}``: the DaemonSet's ``status.numberUnavailable`` and ``status.desiredNumberScheduled``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NODE_INFO = "kube_node_info"
NODE_LABELS = "kube_node_labels"
NODE_TAINT = "kube_node_spec_taint"
POD_INFO = "kube_pod_info"
POD_PHASE = "kube_pod_status_phase"
DAEMONSET_UNAVAILABLE = "kube_daemonset_status_number_unavailable"
DAEMONSET_DESIRED = "kube_daemonset_status_desired_number_scheduled"

_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_LOWER_THEN_UPPER = re.compile(r"([a-z0-9])([A-Z])")


def node_label(key: str) -> str:
    """The Prometheus label kube-state-metrics gives the node label ``key`` in ``kube_node_labels``.

    ``labelName`` in ``internal/store/utils.go``: ``label_``, then the key with every character outside
    ``[a-zA-Z0-9_]`` made ``_``, then snake-cased (``camelCase`` -> ``camel_case``) and lower-cased:
    ``kubernetes.io/os`` -> ``label_kubernetes_io_os``. (Two allowlisted keys that come out the same both get a
    ``_conflictN`` suffix; the keys these rules read do not collide.)
    """
    return "label_" + _LOWER_THEN_UPPER.sub(r"\1_\2", _INVALID.sub("_", key)).lower()


def labels_allowlist_flag(keys: Iterable[str]) -> str:
    """The kube-state-metrics flag that exposes these node labels: ``--metric-labels-allowlist=nodes=[a,b]``.

    The syntax is ``LabelsAllowList.Set`` in ``pkg/options/types.go``: ``resource=[label,...]``, resources by their
    plural name. Add the keys to an existing ``nodes=[...]`` entry rather than repeating ``nodes``.
    """
    return "--metric-labels-allowlist=nodes=[" + ",".join(sorted(set(keys))) + "]"
