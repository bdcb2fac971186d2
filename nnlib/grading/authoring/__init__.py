"""Authoring: generating ``exercises/`` from ``solutions/`` (:mod:`.release`) and the instructor's
edition of the book (:mod:`.book`)."""
