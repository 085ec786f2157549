"""End-to-end: the real Pulumi engine and a real Kubernetes 1.35 control plane (make e2e)."""
