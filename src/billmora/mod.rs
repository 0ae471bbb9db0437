//! The billmora API client.
