//! Unit tests of `review`.
