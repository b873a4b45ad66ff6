"""The use cases on programs: create one, read it (one by id, or batched for the API's
DataLoaders), regenerate sessions, repair a damaged program, find sessions that lost their job, and
the version a cached program view was computed from.

May import: ``services.access`` (ownership), ``services.generation.training_splits`` (the calendar),
``services.live.status_log`` (events of resets) and the shared modules.
"""
