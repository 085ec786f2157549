"""eks-daemonsets components: an EKS cluster and node agents as hardened, precisely targeted DaemonSets.

Import the pieces you need from their modules (``components.cluster``, ``components.node_exporter``, ...); this
package imports nothing itself, so the pure modules (settings, targeting, placement) load without the cloud SDKs.
"""
