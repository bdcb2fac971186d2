"""What students import: ``check()``, ``substitute()``, the registry of graded functions (one
:class:`~.registry.Exercise` each, defined per chapter in :mod:`.catalog`), their case generators
(:mod:`.cases`), the mistake catalogue (:mod:`.mistakes`) and the diagnosis (:mod:`.diagnose`)."""
