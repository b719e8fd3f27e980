import { createHmac } from 'node:crypto';

import { SigningSecretError, signingKey, verifySignature } from '../../../nodes/KlingTrigger/webhookSignature';

// The Standard Webhooks specification's own example.
const SPEC = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: '1614265330',
	body: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const SPEC_NOW_MS = Number(SPEC.timestamp) * 1000;

const specHeaders = (overrides: Record<string, unknown> = {}) => ({
	'webhook-id': SPEC.id,
	'webhook-timestamp': SPEC.timestamp,
	'webhook-signature': SPEC.signature,
	...overrides,
});

const verify = (headers: Record<string, unknown>, body = SPEC.body, nowMs = SPEC_NOW_MS, secret = SPEC.secret) =>
	verifySignature(headers, Buffer.from(body, 'utf8'), signingKey(secret), nowMs);

/** A v1 signature computed here, independently of the module. */
function sign(keyBase64: string, id: string, timestamp: string, body: Buffer): string {
	const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
	return `v1,${createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(content).digest('base64')}`;
}

describe('signingKey', () => {
	it('decodes the base64 after whsec_, or a bare base64 secret', () => {
		const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
		expect(signingKey(SPEC.secret)).toEqual(key);
		expect(signingKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual(key);
		expect(signingKey(`  ${SPEC.secret}\n`)).toEqual(key);
		expect(signingKey('whsec_c2VjcmV0')).toEqual(Buffer.from('secret'));
		expect(signingKey('whsec_c2VjcmV0IQ==')).toEqual(Buffer.from('secret!'));
		expect(signingKey('whsec_c2VjcmV0IQ')).toEqual(Buffer.from('secret!'));
	});

	it.each([
		['not base64 at all', 'whsec_not base64!'],
		['an impossible length', 'whsec_c2VjcmV0I'],
		['only the prefix', 'whsec_'],
		['nothing', ''],
		['base64url characters', 'whsec_ab-_cd'],
	])('refuses %s, without showing the secret', (_name, secret) => {
		let thrown: unknown;
		try {
			signingKey(secret);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(SigningSecretError);
		expect((thrown as Error).message).toMatch(/Signing Secret is not valid/);
		if (secret.length > 6) expect((thrown as Error).message).not.toContain(secret.slice(6));
	});
});

describe('verifySignature', () => {
	it("accepts the specification's example", () => {
		expect(verify(specHeaders())).toEqual({ valid: true });
	});

	it('accepts any one matching v1 entry among several, and ignores other versions', () => {
		const wrong = 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=';
		expect(verify(specHeaders({ 'webhook-signature': `${wrong} ${SPEC.signature}` }))).toEqual({ valid: true });
		expect(verify(specHeaders({ 'webhook-signature': `v1a,abc ${SPEC.signature} v2,xyz` }))).toEqual({ valid: true });
		expect(verify(specHeaders({ 'webhook-signature': SPEC.signature.replace('v1,', 'v2,') }))).toEqual({
			valid: false,
			reason: 'The webhook-signature header has no v1 signature',
		});
	});

	it('signs the raw body bytes: the same JSON written otherwise does not match', () => {
		expect(verify(specHeaders(), '{"test":2432232314}')).toEqual({ valid: false, reason: 'The webhook signature does not match' });
		expect(verify(specHeaders(), `${SPEC.body}\n`)).toEqual({ valid: false, reason: 'The webhook signature does not match' });
	});

	it('checks signatures computed independently, bodies with non-ASCII bytes and long integers included', () => {
		const keyBase64 = Buffer.from('a key of thirty-two bytes, exact').toString('base64');
		const body = Buffer.from('{"task_id":"873627361937264839263","task_status":"succeed","note":"café ✓","n":9007199254740993}', 'utf8');
		const now = 1_800_000_000_000;
		const timestamp = String(now / 1000 - 299);
		const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': timestamp, 'webhook-signature': sign(keyBase64, 'msg_1', timestamp, body) };
		expect(verifySignature(headers, body, signingKey(`whsec_${keyBase64}`), now)).toEqual({ valid: true });
		expect(verifySignature({ ...headers, 'webhook-id': 'msg_2' }, body, signingKey(`whsec_${keyBase64}`), now)).toMatchObject({ valid: false });
		const other = Buffer.from('another key of thirty-two bytes!').toString('base64');
		expect(verifySignature(headers, body, signingKey(other), now)).toEqual({ valid: false, reason: 'The webhook signature does not match' });
	});

	it.each([
		['webhook-id', { 'webhook-id': undefined }],
		['webhook-timestamp', { 'webhook-timestamp': '' }],
		['webhook-signature', { 'webhook-signature': '   ' }],
	])('refuses a callback without the %s header', (name, overrides) => {
		expect(verify(specHeaders(overrides))).toEqual({ valid: false, reason: `The callback lacks the ${name} header` });
	});

	it('refuses everything when no header is there, naming the first one missing', () => {
		expect(verify({})).toEqual({ valid: false, reason: 'The callback lacks the webhook-id header' });
	});

	it.each(['1614265330.5', '-1614265330', '1.6e9', 'yesterday', '16142653300000000000'])('refuses the timestamp %s as malformed', (timestamp) => {
		expect(verify(specHeaders({ 'webhook-timestamp': timestamp }))).toEqual({
			valid: false,
			reason: 'The webhook-timestamp header is not a Unix time in seconds',
		});
	});

	it('takes a timestamp up to 5 minutes either side of now and refuses one further away', () => {
		const stale = { valid: false, reason: 'The webhook-timestamp is more than 5 minutes away from now' };
		expect(verify(specHeaders(), SPEC.body, SPEC_NOW_MS + 300_000)).toEqual({ valid: true });
		expect(verify(specHeaders(), SPEC.body, SPEC_NOW_MS - 300_000)).toEqual({ valid: true });
		expect(verify(specHeaders(), SPEC.body, SPEC_NOW_MS + 301_000)).toEqual(stale);
		expect(verify(specHeaders(), SPEC.body, SPEC_NOW_MS - 301_000)).toEqual(stale);
	});

	it('refuses signatures that are not the right HMAC: malformed, truncated, empty', () => {
		const mismatch = { valid: false, reason: 'The webhook signature does not match' };
		expect(verify(specHeaders({ 'webhook-signature': 'v1,' }))).toEqual(mismatch);
		expect(verify(specHeaders({ 'webhook-signature': 'v1,!!!not base64!!!' }))).toEqual(mismatch);
		expect(verify(specHeaders({ 'webhook-signature': SPEC.signature.slice(0, 20) }))).toEqual(mismatch);
		expect(verify(specHeaders({ 'webhook-signature': ['v1,AAAA'] }))).toEqual(mismatch);
	});
});
