"""Several worker processes serving one port: ``offer-room serve --workers N``.

``supervisor.py`` is the parent (binds, starts the workers, waits, forwards signals);
``link.py`` is a worker's side of what the parent hands it; ``ownership.py`` says which worker
owns an offer and which requests name one; ``handoff.py`` moves a connection to its owner.
docs/ARCHITECTURE.md, "Workers", has the model.
"""
