"""The untrusted-input edge, shared by the settings, Falco's custom rules and the offline render: a strict, bounded
YAML reader (``stack_yaml``), the size limits it and the settings enforce (``limits``), and how a message shows a
user's key or value (``error_text``)."""
