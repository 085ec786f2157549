"""The real parts, apart from the library: the Go tools built from the module proxy (``tools/``), a local cluster
(``cluster.py``) of simulated EKS nodes (``nodes.py``), the Pulumi engine run offline (``stack.py``), ``make
local-up`` (``up.py``), the metrics path (``metrics/``), and the /proc reading they share (``processes.py``)."""
