-- Campaign pages (see docs/architecture.md, campaigns): a campaign is edited with optimistic
-- concurrency, like a contact or a segment.
ALTER TABLE campaigns ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
