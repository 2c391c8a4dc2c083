"""The auditor's feature (docs/audit.md): the signing key, signed checkpoints, the round's bundle,
its online verification, and the auditor's pages and API. The chain itself is written by
service.core.event_queries.insert_event; ballots.audit, ballots.merkle, ballots.signed_note and
ballots.verify are the pure parts an auditor can run offline."""
