"""The host path: a cocotbext-pcie root complex reaches the RTL over TLPs.

``endpoint.py`` the endpoint adapter (a Type 0 function over the env's RTL
ports), ``checker.py`` the host-side checker (MSIs at their handlers, completions
against the golden model), ``system.py`` the root complex, link and adapter put
together. The sequences are ``tb/seq/host.py``; the test plan's ``HOST``.
"""
