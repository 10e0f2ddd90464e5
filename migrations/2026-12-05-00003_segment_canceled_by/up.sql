-- Who canceled a segment and when, as for who logged it: shown on the canceled segment's page,
-- cleared by Restore. Segments canceled before take both from the audit trail's last
-- "segment canceled" of their No.
ALTER TABLE segments
    ADD COLUMN canceled_at TIMESTAMPTZ,
    ADD COLUMN canceled_by TEXT NOT NULL DEFAULT '';

UPDATE segments s SET canceled_at = a.at, canceled_by = a.actor
FROM (SELECT DISTINCT ON (subject) subject, at, actor FROM audit_log
      WHERE action = 'segment canceled' ORDER BY subject, at DESC, id DESC) a
WHERE s.status = 'canceled' AND a.subject = s.no;
