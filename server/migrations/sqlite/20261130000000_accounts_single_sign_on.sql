-- Accounts that sign in through an OpenID Provider: keyed by the provider's issuer and the
-- person's subject there (both or neither set). Their password hash is empty: no password
-- matches it.
ALTER TABLE accounts ADD COLUMN sso_issuer TEXT;
ALTER TABLE accounts ADD COLUMN sso_subject TEXT;
-- Unix seconds of the last successful sign-in, local or SSO.
ALTER TABLE accounts ADD COLUMN last_sign_in_at BIGINT;
CREATE UNIQUE INDEX accounts_sso_identity ON accounts (sso_issuer, sso_subject);
