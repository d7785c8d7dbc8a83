"""The owner console: its JSON API under ``/console/api/`` and its pages under ``/console/``.

Builds on :mod:`gateway.accounts` (people, sessions, roles) and :mod:`gateway.key_admin` (the key
changes every face of the gateway shares), and on :mod:`gateway.records` for the rights inbox
(with the site-owner API's shapes, ``records.api.render``); nothing below imports it.
"""
