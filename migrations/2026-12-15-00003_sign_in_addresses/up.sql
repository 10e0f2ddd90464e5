-- The addresses each user signed in from (the last time from each): the account's own limit
-- of failed sign-ins does not keep a user out from an address they have signed in from, so
-- that someone failing on purpose elsewhere cannot lock them out (see README, Sign-in).
CREATE TABLE sign_in_addresses (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip      TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ip)
);
