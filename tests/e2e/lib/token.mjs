// Phone "core token": an HS256 JWT whose `email` claim is the user id (protocol.md §4.1).
import crypto from 'node:crypto';

const b64url = (input) => Buffer.from(input).toString('base64url');

export function signJwt(payload, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const head = b64url(JSON.stringify(header));
  const body = b64url(JSON.stringify(payload));
  const signature = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

// Claims as the reference issues them: sub, email, organizations, defaultOrg, no exp.
export function mintCoreToken(email, secret, extra = {}) {
  return signJwt({ sub: email, email, organizations: [], defaultOrg: null, iat: Math.floor(Date.now() / 1000), ...extra }, secret);
}

export function sha256Hex(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}
