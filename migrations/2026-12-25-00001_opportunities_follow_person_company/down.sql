DROP TRIGGER contacts_opportunity_company ON contacts;
DROP FUNCTION rapport_opportunities_follow_person_company();
