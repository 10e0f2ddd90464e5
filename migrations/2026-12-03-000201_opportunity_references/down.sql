DROP TRIGGER close_opportunity_codes_restrict_opportunities ON close_opportunity_codes;
DROP TRIGGER close_opportunity_codes_rename_opportunities ON close_opportunity_codes;
DROP TRIGGER sales_cycles_restrict_opportunities ON sales_cycles;
DROP TRIGGER sales_cycles_rename_opportunities ON sales_cycles;
DROP TRIGGER campaigns_restrict_opportunities ON campaigns;
DROP TRIGGER campaigns_rename_opportunities ON campaigns;
DROP TRIGGER salespeople_restrict_opportunities ON salespeople;
DROP TRIGGER salespeople_rename_opportunities ON salespeople;
DROP TRIGGER users_unlink_opportunity_entries ON users;
DROP TRIGGER opportunities_restrict_opportunity_entries ON opportunities;
DROP TRIGGER contacts_restrict_opportunities_company ON contacts;
DROP TRIGGER contacts_restrict_opportunities ON contacts;
DROP TRIGGER users_lock_opportunity_entries ON users;
DROP TRIGGER opportunities_lock_opportunity_entries ON opportunities;
DROP TRIGGER close_opportunity_codes_lock_opportunities ON close_opportunity_codes;
DROP TRIGGER sales_cycles_lock_opportunities ON sales_cycles;
DROP TRIGGER campaigns_lock_opportunities ON campaigns;
DROP TRIGGER salespeople_lock_opportunities ON salespeople;
DROP TRIGGER contacts_lock_opportunities ON contacts;
DROP TRIGGER opportunity_entries_references_update ON opportunity_entries;
DROP TRIGGER opportunity_entries_references_insert ON opportunity_entries;
DROP TRIGGER opportunities_references_update ON opportunities;
DROP TRIGGER opportunities_references_insert ON opportunities;
DROP FUNCTION rapport_check_opportunity_entry_references();
DROP FUNCTION rapport_check_opportunity_references();

ALTER TABLE opportunities
    ADD CONSTRAINT opportunities_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id),
    ADD CONSTRAINT opportunities_company_id_fkey FOREIGN KEY (company_id) REFERENCES contacts (id),
    ADD CONSTRAINT opportunities_salesperson_code_fkey FOREIGN KEY (salesperson_code)
        REFERENCES salespeople (code) ON UPDATE CASCADE,
    ADD CONSTRAINT opportunities_campaign_no_fkey FOREIGN KEY (campaign_no)
        REFERENCES campaigns (no) ON UPDATE CASCADE,
    ADD CONSTRAINT opportunities_sales_cycle_code_fkey FOREIGN KEY (sales_cycle_code)
        REFERENCES sales_cycles (code) ON UPDATE CASCADE,
    ADD CONSTRAINT opportunities_close_code_fkey FOREIGN KEY (close_code)
        REFERENCES close_opportunity_codes (code) ON UPDATE CASCADE;
ALTER TABLE opportunity_entries
    ADD CONSTRAINT opportunity_entries_opportunity_id_fkey FOREIGN KEY (opportunity_id)
        REFERENCES opportunities (id),
    ADD CONSTRAINT opportunity_entries_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE SET NULL;
