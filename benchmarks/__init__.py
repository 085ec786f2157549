"""Figures, printed and never asserted: ``render_bench.py`` (make bench-render: the offline render and the test
suite), ``scale_bench/`` (make bench-scale: coverage and rollout at 1,000 nodes beside the anchors) and
``metrics_footprint.py`` (make bench-metrics: node-exporter's and kube-rbac-proxy's memory and CPU)."""
