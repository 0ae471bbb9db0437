//! Contract tests of the billpro client.
