"""The instructor's batch grader: reading submissions (:mod:`.convert`), the sandboxed child
(:mod:`.sandbox`, :mod:`.child`, :mod:`.wire`, :mod:`.codec`), reference-use detection
(:mod:`.integrity`), scoring (:mod:`.scoring`), reports and exports (:mod:`.reports`,
:mod:`.gradescope`) and the command line (:mod:`.grader`)."""
