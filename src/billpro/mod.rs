//! The billpro API client.
