"""Rate limits: the limiter (all of a request's limits in, one decision out), its engines
(`limits` storages, the one-script Redis engine), the script engine's Redis connection, and the
breaker that decides when limits fall back to memory.

May import the shared core only.
"""
