"""The node agents: ``node_agent`` is the shared base (with ``probes``, the kubelet probes every agent uses), and each
agent sits beside its config builder (``fluentd`` + ``fluentd_conf`` and its stages ``fluentd_*``, ``falco`` +
``falco_conf``, ``node_exporter`` + ``node_exporter_args``)."""
