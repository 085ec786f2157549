"""The real Karpenter (v1.14.1, its kwok cloud provider) on a running local cluster: NodePools in, nodes out.

    with LocalCluster("eks-daemonsets-karpenter", port=16451) as cluster, LocalKarpenter(cluster) as karpenter:
        karpenter.apply_node_pools([pool])
        karpenter.launch(pool, "arm", node_selector={"kubernetes.io/arch": "arm64"})
        nodes = karpenter.wait_for_nodes(1)
        karpenter.clean_up()

The binary ``local/tools/build.py`` builds (family ``karpenter``) runs as a local process with the cluster's
kubeconfig, leader election off, its logs in ``build/local/<cluster>-karpenter.log``; the context manager stops that
process and nothing else. It installs the CRDs its chart installs (copied from the module at build time), a
KWOKNodeClass, and an instance-types file of EKS shapes (``local/karpenter_instances.py``). The kwok provider
creates a Node object for each NodeClaim (kwok/cloudprovider/cloudprovider.go:59-86) annotated
``kwok.x-k8s.io/node: fake`` (cloudprovider.go:274-279); kwokctl starts kwok with --manage-all-nodes, so kwok's
stages make it Ready and run the pods bound to it, as they do for the node groups' nodes.

Karpenter binds its metrics and health-probe servers to ``:<port>``, every interface, with no flag for the address
(pkg/operator/operator.go:180-183); the build patches both to 127.0.0.1 (``local/tools/families.py``). They get
free ports, and the health probe is how ``start`` knows it is ready.

What Karpenter v1.14.1 does, as its source says (paths in sigs.k8s.io/karpenter@v1.14.1):

Labels on a launched node.
- ``karpenter.sh/nodepool: <pool>`` and the node class label, ``<group>/<lower-case kind>: <name>``, here
  ``karpenter.kwok.sh/kwoknodeclass: default`` (pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go:79-82;
  pkg/apis/v1/labels.go:41,173-175); the pool's ``template.metadata.labels`` (nodeclaimtemplate.go:68, through
  NodeClaim labels synced to the node, pkg/controllers/nodeclaim/lifecycle/registration.go:220).
- Every requirement of the NodeClaim left with one ``In`` value, every single-valued requirement of the instance type
  (``kubernetes.io/arch``, ``kubernetes.io/os``, the provider's instance labels) and of the chosen offering
  (``karpenter.sh/capacity-type``, ``topology.kubernetes.io/zone``), and ``node.kubernetes.io/instance-type``
  (kwok/cloudprovider/cloudprovider.go:238-272). Capacity-type values are ``spot``, ``on-demand``, ``reserved``
  (labels.go:34-36). ``topology.kubernetes.io/region`` is well known (labels.go:78) but the kwok provider sets it only
  from an offering that carries it: ours do. The kwok provider also sets ``kubernetes.io/hostname`` to the NodeClaim's
  name, which is not the node's name (``kwok-<nodeclaim>-<random>-<n>``; cloudprovider.go:188,268),
  ``karpenter.kwok.sh/instance-{size,family,cpu,memory}``, ``kwok-partition: a``,
  ``eks-node-viewer/instance-price`` and ``kwok.x-k8s.io/node: fake`` (cloudprovider.go:262-270).
- ``karpenter.sh/registered: "true"`` when registration completes (registration.go:102) and
  ``karpenter.sh/initialized: "true"`` once the node is Ready, every startup taint is gone and every requested
  extended resource is on the node (pkg/controllers/nodeclaim/lifecycle/initialization.go:56-100).
- A custom (not well-known) label the pool's requirements name gets a value chosen at NodeClaim creation
  (nodeclaimtemplate.go:96-107,145), from the requirements the pool and the pods together leave:
  ``In`` -> one of the values (``values.UnsortedList()[0]``: Go map order, so any of them;
  pkg/scheduling/requirement.go:256-259); ``NotIn``/``Exists`` (and ``Gt``/``Lt``, which are Exists with bounds) ->
  a random non-negative integer within the bounds, as a string (requirement.go:260-269); ``DoesNotExist`` -> no label
  (requirement.go:270-271, Operator() at 290-301). Well-known keys are never resolved this way: they come from the
  instance type and offering (nodeclaimtemplate.go:99, labels.go:75-84).

Taints.
- The kwok provider creates the Node with only ``karpenter.sh/unregistered:NoExecute`` (cloudprovider.go:225;
  pkg/apis/v1/taints.go:38-41). Registration adds the pool's ``taints`` and ``startupTaints``
  (registration.go:207-221, unless the node is labelled ``karpenter.sh/do-not-sync-taints: "true"``) and removes the
  unregistered taint (registration.go:99-102).
- Startup taints stay until something else removes them: Karpenter only waits for that before it marks the node
  initialized (initialization.go:74-76,114-130). Under kwok nobody does (``LocalKarpenter.remove_startup_taints``
  plays the agent that would). A pod that does not tolerate a NoSchedule startup taint stays Pending on that node.
- ``karpenter.sh/disrupted:NoSchedule`` (taints.go:27,34-37) is put on a node the disruption or termination
  controller is draining (pkg/controllers/node/termination/controller.go:134; pkg/controllers/disruption/queue.go:259).

Capacity type. A pool with no ``karpenter.sh/capacity-type`` requirement allows every capacity type its instance
types offer: the NodeClaim gets ``In`` the capacity types of the compatible offerings (nodeclaimtemplate.go:119-127),
and the kwok provider launches the cheapest compatible offering (cloudprovider.go:201-214), here spot. (The AWS
provider picks reserved, then spot, then on-demand among those allowed: pkg/providers/instance/instance.go
getCapacityType, not checked at a pinned version here.)

DaemonSet overhead when sizing a node for a pool (pkg/controllers/provisioning/scheduling/scheduler.go).
- Every DaemonSet in the cluster is turned into one pod: the controller's live pod for it where cluster state has one,
  else its template with limits copied into missing requests, and the template's required node affinity
  (pkg/controllers/provisioning/provisioner.go:534-559; pkg/utils/daemonset/daemonset.go:25-46).
- Per pool and per instance type, a DaemonSet counts when (isDaemonPodCompatible, scheduler.go:1019-1043): it
  tolerates the pool's ``taints`` (``nodeClaimTemplate.Spec.Taints``, every effect; PreferNoSchedule is tolerated for
  it; ``startupTaints`` are not checked at all: a DaemonSet needn't tolerate them to be counted); and its nodeSelector
  plus one required nodeAffinity term (the first, then the next if that fails: terms are ORed) is compatible with the
  pool's requirements and labels plus ``karpenter.sh/registered``/``initialized`` ``In [true]``
  (nodeclaimtemplate.go:83-89): a well-known key the pool leaves open is allowed, a custom key must be defined by the
  pool unless the DaemonSet asks NotIn/DoesNotExist, and the sets must intersect
  (pkg/scheduling/requirements.go:181-197,254-274); and it intersects the instance type's own requirements (arch, os,
  instance type...; keys the instance type lacks are ignored). So the overhead is per instance type, grouped
  (buildDaemonOverheadGroups, scheduler.go:972-1004): an ``arch: amd64`` DaemonSet costs only the pool's amd64 types.
- The overhead is the sum of the counted pods' requests plus one ``pods`` per pod (pkg/utils/resources/resources.go:
  30-38), each pod's requests as the scheduler counts them (resources.go:115-120, k8s.io/component-helpers@v0.35.0
  resource/helpers.go:149-183,191-277): the containers summed, plus restartable (sidecar) init containers; the larger
  of that and each ordinary init container with the sidecars started before it; plus ``spec.overhead``.
- For nodes that exist, a DaemonSet counts when it tolerates the node's taints and its nodeSelector/affinity matches
  the node's labels (scheduler.go:792-832).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from local.cluster import LOCAL_DIR, ClusterError, LocalCluster
from local.karpenter_instances import CAPACITY_TYPE, ZONE, instance_types_document
from local.karpenter_pods import (  # re-exported: the launch pods' names are part of this module's API
    ALONE_LABEL,
    LAUNCH_LABEL,
    LAUNCH_NAMESPACE,
    NODE_CLASS,
    NODE_POOL_LABEL,
    PAUSE_IMAGE,
    launch_pods,
    tolerations_for,
)
from local.processes import free_port, stop_process
from local.tools.build import BIN_DIR, FAMILIES, build

KARPENTER_DIR = BIN_DIR.parent / "karpenter"

# Karpenter's karpenter.sh CRDs' API group and the ones its reconcilers list before they start.
KARPENTER_RESOURCES = ("nodepools.karpenter.sh", "nodeclaims.karpenter.sh")


@dataclass(frozen=True)
class KarpenterNode:
    """A node Karpenter launched, as the API server has it."""

    name: str
    labels: Mapping[str, str]
    taints: tuple[Mapping[str, Any], ...]
    ready: bool

    @property
    def pool(self) -> str:
        return self.labels[NODE_POOL_LABEL]

    @property
    def registered(self) -> bool:
        return self.labels.get("karpenter.sh/registered") == "true"

    @property
    def initialized(self) -> bool:
        return self.labels.get("karpenter.sh/initialized") == "true"

    @property
    def arch(self) -> str:
        return self.labels["kubernetes.io/arch"]

    @property
    def instance_type(self) -> str:
        return self.labels["node.kubernetes.io/instance-type"]

    @property
    def capacity_type(self) -> str:
        return self.labels[CAPACITY_TYPE]

    @property
    def zone(self) -> str:
        return self.labels[ZONE]

    @classmethod
    def from_object(cls, node: Mapping[str, Any]) -> "KarpenterNode":
        conditions = {c["type"]: c["status"] for c in node.get("status", {}).get("conditions", [])}
        return cls(
            name=node["metadata"]["name"],
            labels=dict(sorted(node["metadata"].get("labels", {}).items())),
            taints=tuple(node.get("spec", {}).get("taints", [])),
            ready=conditions.get("Ready") == "True",
        )


class LocalKarpenter:
    """Karpenter's kwok provider running against ``cluster``: a context manager that stops it on exit.

    Args:
        cluster: a started LocalCluster.
        region: the region the instance types are offered in (zones ``<region>a``, ``b``, ``c``).
        log_level: Karpenter's ``LOG_LEVEL`` (debug, info or error).
        auto_mode: label the nodes as EKS Auto Mode does (``local/karpenter_instances.py``).
    """

    def __init__(
        self, cluster: LocalCluster, *, region: str = "us-west-2", log_level: str = "info", auto_mode: bool = False
    ):
        self.cluster = cluster
        self.region = region
        self.auto_mode = auto_mode
        self.log_level = log_level
        self.log_file = LOCAL_DIR / f"{cluster.name}-karpenter.log"
        self.instance_types_file = LOCAL_DIR / f"{cluster.name}-karpenter-instance-types.json"
        self.process: Optional[subprocess.Popen] = None
        self.health_port = 0
        self.metrics_port = 0

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def install(self) -> None:
        """The CRDs (server-side: the NodePool CRD is too large for the last-applied annotation), then the node class."""
        crds = sorted((KARPENTER_DIR / "crds").glob("*.yaml"))
        if not crds:
            raise ClusterError(f"no Karpenter CRDs in {KARPENTER_DIR / 'crds'}: run `python -m local.tools.build karpenter`")
        for crd in crds:
            self.cluster.kubectl("apply", "--server-side", "--field-manager=eks-daemonsets-local", "-f", str(crd))
        self.cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                             *[f"crd/{name}" for name in (*KARPENTER_RESOURCES, "kwoknodeclasses.karpenter.kwok.sh")])
        # Its status defaults to Ready (the CRD's default, kwok/apis/v1alpha1/kwoknodeclass.go): nothing reconciles it.
        self.cluster.apply([{"apiVersion": "karpenter.kwok.sh/v1alpha1", "kind": "KWOKNodeClass",
                             "metadata": {"name": NODE_CLASS["name"]}}])
        self.cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LAUNCH_NAMESPACE}}])

    def environment(self) -> dict[str, str]:
        """What the operator reads outside a cluster (pkg/operator/options/options.go:112-134, kwok/options)."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/"),
            "KUBECONFIG": str(self.cluster.kubeconfig),
            "DISABLE_LEADER_ELECTION": "true",
            "METRICS_PORT": str(self.metrics_port),
            "HEALTH_PROBE_PORT": str(self.health_port),
            "LOG_LEVEL": self.log_level,
            "INSTANCE_TYPES_FILE_PATH": str(self.instance_types_file),
            # The chart's defaults (kwok/charts/values.yaml): no alpha features.
            "FEATURE_GATES": "NodeRepair=false,SpotToSpotConsolidation=false,StaticCapacity=false,CapacityBuffer=false",
        }

    def start(self, *, timeout_seconds: float = 120) -> "LocalKarpenter":
        build([f for f in FAMILIES if f.name == "karpenter"], out=sys.stderr)
        started = time.monotonic()
        self.install()
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        self.instance_types_file.write_text(json.dumps(instance_types_document(self.region, auto_mode=self.auto_mode), indent=1, sort_keys=True))
        self.health_port, self.metrics_port = free_port(), free_port()
        with self.log_file.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN_DIR / "karpenter-kwok")], env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout_seconds
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {self.process.returncode}" if self.process.poll() is not None else "not ready"
                self.stop()
                tail = "\n".join(self.log_file.read_text().splitlines()[-15:])
                raise ClusterError(f"Karpenter {state} after {time.monotonic() - started:.0f} s; log {self.log_file}:\n{tail}")
            time.sleep(0.5)
        self.start_seconds = time.monotonic() - started
        return self

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}/readyz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the process this object started; the cluster and its objects are left as they are."""
        stop_process(self.process, timeout_seconds=15)

    def __enter__(self) -> "LocalKarpenter":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scenarios ------------------------------------------------------------------------------------------------
    def apply_node_pools(self, pools: Iterable[Mapping[str, Any]]) -> None:
        self.cluster.apply(pools)

    def launch(self, pool: Mapping[str, Any], name: str, **options: Any) -> list[dict[str, Any]]:
        """Create :func:`launch_pods` for ``pool``; return them."""
        pods = launch_pods(pool, name, **options)
        self.cluster.apply(pods)
        return pods

    def nodes(self) -> list[KarpenterNode]:
        """Every node a NodePool made (they carry karpenter.sh/nodepool), by name."""
        listed = self.cluster.get("nodes", "-l", NODE_POOL_LABEL)["items"]
        return sorted((KarpenterNode.from_object(n) for n in listed), key=lambda n: n.name)

    def wait_for_nodes(self, count: int, *, initialized: bool = False, timeout_seconds: float = 120) -> list[KarpenterNode]:
        """Wait until ``count`` Karpenter nodes are Ready and registered (and initialized, if asked); return them.

        Raises ClusterError naming what is missing, with the pending launch pods' events, when time runs out.
        """
        deadline = time.monotonic() + timeout_seconds
        while True:
            nodes = self.nodes()
            done = [n for n in nodes if n.ready and n.registered and (n.initialized or not initialized)]
            if len(done) >= count:
                return nodes
            if time.monotonic() > deadline:
                claims = self.cluster.kubectl("get", "nodeclaims", "-o", "wide", check=False)
                raise ClusterError(
                    f"{len(done)} of {count} Karpenter nodes ready after {timeout_seconds:.0f} s "
                    f"({len(nodes)} exist); nodeclaims:\n{claims}(log {self.log_file})"
                )
            time.sleep(0.5)

    def remove_startup_taints(self, pools: Iterable[Mapping[str, Any]]) -> None:
        """Do what a node's agent would: remove each pool's startupTaints from its nodes (kwok runs no agent)."""
        for pool in pools:
            for taint in pool["spec"]["template"]["spec"].get("startupTaints", []):
                self.cluster.kubectl("taint", "nodes", "-l", f"{NODE_POOL_LABEL}={pool['metadata']['name']}",
                                     f"{taint['key']}:{taint['effect']}-", check=False)

    def clean_up(self, *, timeout_seconds: float = 120) -> None:
        """Delete the launch pods, the NodeClaims (Karpenter drains and deletes their nodes), then the NodePools.

        The claims go first: a claim whose NodePool is gone makes Karpenter's state controller log an error a retry.
        """
        started = time.monotonic()
        self.cluster.kubectl("delete", "pods", "-n", LAUNCH_NAMESPACE, "--all", "--wait=false")
        self.cluster.kubectl("delete", "nodeclaims", "--all", "--wait=false")
        orphaned_since: Optional[float] = None
        while self.nodes() or self.cluster.get("nodeclaims")["items"]:
            if self.nodes() and not self.cluster.get("nodeclaims")["items"]:
                # A claim deleted before its node registered leaves the node to the kwok provider, which made it
                # after the delete: nothing owns it any more, so remove it.
                orphaned_since = orphaned_since or time.monotonic()
                if time.monotonic() - orphaned_since > 5:
                    self.cluster.kubectl("delete", "nodes", "-l", NODE_POOL_LABEL, "--wait=false")
            if time.monotonic() - started > timeout_seconds:
                left = [n.name for n in self.nodes()]
                raise ClusterError(f"Karpenter nodes still there after {timeout_seconds:.0f} s: {left} (log {self.log_file})")
            time.sleep(0.5)
        self.cluster.kubectl("delete", "nodepools", "--all", "--wait=true", f"--timeout={timeout_seconds:.0f}s")
        self.clean_up_seconds = time.monotonic() - started
