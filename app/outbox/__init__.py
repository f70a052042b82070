"""The outbox: queued packages are delivered by SMTP when a connection exists (SPEC 4).

`app.outbox.smtp` performs one delivery attempt and classifies the result; the queue
itself (persistence, audit of each attempt) lives with the store and service layers.
"""
