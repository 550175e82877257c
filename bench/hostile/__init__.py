"""Attacks on a real offer-room node, each bounded, measured against an honest pair in another room.

``bench/attacks.py`` is the command line; this package holds the pieces: ``node`` starts a server
from a source tree and samples its memory, ``probe`` is the honest pair (a separate process, so
the attacker's own work in this process never shows up as a server stall), ``peer`` and ``raw``
are the attacker's sockets, ``floods``, ``front`` and ``answers`` are the attacks, ``measure``
runs one attack on a fresh node and ``report`` writes the tables.
"""
