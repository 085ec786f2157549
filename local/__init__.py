"""The real parts: Go tools built from the module proxy, a local cluster, the Pulumi engine run offline."""
