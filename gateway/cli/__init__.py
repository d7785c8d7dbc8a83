"""The ``widget-gateway`` command: ``serve``, ``demo``, ``keys``, ``outbox``, and the demo site.

An entry point: it may import any room of the package.
"""
