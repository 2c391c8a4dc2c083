"""Webhooks (issue 12, docs/webhooks.md): endpoints other systems register, an outbox the audit
log's trigger fills in the transaction of each change it announces (migrations/0022_webhooks.sql),
and the worker that signs and delivers it (`python -m service worker`)."""
