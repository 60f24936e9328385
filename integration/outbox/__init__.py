"""The transactional outbox: fee changes and their outgoing messages commit together."""
