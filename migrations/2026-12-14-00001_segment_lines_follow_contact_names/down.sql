DROP TRIGGER contacts_segment_line_names ON contacts;
DROP FUNCTION rapport_segment_lines_follow_contacts();
