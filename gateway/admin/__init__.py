"""The operator's admin API (`/admin/v1/…`, admin token) and the key-manager page.

May import the shared core, `web`, `keys`.
"""
