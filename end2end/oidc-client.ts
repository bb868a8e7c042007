// The portal's client at the end-to-end test provider (shared by the config and the tests).
export const OIDC_CLIENT_ID = 'portal';
export const OIDC_CLIENT_SECRET = 'portal-e2e-secret';
