//! Contract tests of the billy client.
