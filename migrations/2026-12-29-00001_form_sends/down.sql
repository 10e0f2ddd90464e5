DROP TABLE form_sends;
