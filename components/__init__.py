"""eks-daemonsets components: an EKS cluster and node agents as hardened, precisely targeted DaemonSets.

By role:

- ``settings``: the stack file, parsed once into frozen typed settings, every mistake named by its config key;
- ``targeting``: the Kubernetes matching rules (label expressions, taints and tolerations) and the one
  ``NodeTargeting`` value object each agent renders;
- ``placement``: node groups x agents, where each agent lands and why not, and the coverage check;
- ``cluster``: a new EKS cluster with its node groups, or one the user already has;
- ``agents``: the ``NodeAgent`` base and each agent beside its config builder;
- ``monitoring``: the Prometheus alert rules that watch, after deploy, that each agent covers the nodes it must;
- ``input``: the untrusted-input edge (a bounded YAML reader, size limits, how messages show a value).

Import the pieces you need from their modules (``components.cluster.eks``, ``components.agents.falco``, ...); this
package imports nothing itself, so the pure modules (settings, targeting, placement, monitoring) load without the cloud SDKs.
The offline render and the recording mocks live apart, in ``offline/``.
"""
