// A real OpenID Provider for the portal's single sign-on tests: panva's oidc-provider (OpenID
// certified) on a loopback port, with one client for the portal, its development login page
// (any password), and accounts read from a JSON file at every sign-in, so a test can change
// someone's groups between two sign-ins.
//
//   PORT=0 PORTAL_URL=http://127.0.0.1:3000 ACCOUNTS_FILE=accounts.json \
//     node end2end/oidc-test-provider.mjs
//
// Prints `listening http://127.0.0.1:PORT` once it serves. The accounts file maps a login to
// its claims: {"jane": {"email": "jane.doe@demo.example.com", "email_verified": true,
// "groups": ["portal-hr"]}}. A login not in the file signs in with no claims but `sub`.
//
// Two test hooks, for what a well-behaved provider never sends (the portal must refuse it):
//   POST /test/sign          body: JSON claims   -> a JWT signed with the provider's own key
//   POST /test/next-id-token body: the JWT       -> the next token response carries it as its
//                                                   ID token instead of the one issued

import { generateKeyPairSync, randomUUID, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 0);
const portalUrl = process.env.PORTAL_URL ?? 'http://127.0.0.1:3000';
const accountsFile = process.env.ACCOUNTS_FILE;
const clientId = process.env.CLIENT_ID ?? 'portal';
const clientSecret = process.env.CLIENT_SECRET ?? 'portal-test-secret';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

function accounts() {
  if (!accountsFile) return {};
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

const base64url = (value) => Buffer.from(value).toString('base64url');

function sign(claims) {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: signingKey.kid }));
  const payload = base64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(privateKey).toString('base64url')}`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const server = (await import('node:http')).createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${portalUrl}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${portalUrl}/login`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      require_auth_time: true,
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomUUID()] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  // Claims in the ID token itself, as Keycloak and Entra ID send them.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, sub) {
    const claims = accounts()[sub] ?? {};
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  // No consent screen: the portal is the organization's own application.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600,
  },
});

let nextIdToken = null;
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test/sign') {
    ctx.type = 'text/plain';
    ctx.body = sign(JSON.parse(await readBody(ctx.req)));
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/test/next-id-token') {
    nextIdToken = (await readBody(ctx.req)).trim();
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && nextIdToken && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: nextIdToken };
    nextIdToken = null;
  }
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
