"""Use cases: each takes its ports as arguments, so it runs the same in Lambda, locally and in
unit tests with in-memory fakes."""
