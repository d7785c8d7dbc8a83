"""Rate limits: the limiter (all of a request's limits in, one decision out), its engines
(`limits` storages, the one-script Redis engine) and the script engine's Redis connection.

May import the shared core only.
"""
