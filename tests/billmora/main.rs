//! Contract tests of the billmora client.
