import { createHmac } from 'node:crypto';

import { officialBaseUrl, officialBearer, signKlingJwt } from '../../../../nodes/Kling/transport/auth';

function decode(part: string): unknown {
	return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

describe('signKlingJwt', () => {
	it('makes an HS256 token with iss, exp = now + 1800 and nbf = now - 5, verifiable with the secret', () => {
		const token = signKlingJwt('ak-1', 'sk-1', 1_700_000_000);
		const [header, claims, signature] = token.split('.');
		expect(decode(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
		expect(decode(claims)).toEqual({ iss: 'ak-1', exp: 1_700_001_800, nbf: 1_699_999_995 });
		expect(signature).toBe(createHmac('sha256', 'sk-1').update(`${header}.${claims}`).digest('base64url'));
		expect(token).not.toMatch(/[+/=]/);
	});
});

describe('officialBearer', () => {
	it('prefers a plain API key, else signs a token', () => {
		expect(officialBearer({ apiKey: ' key-1 ', accessKey: 'a', secretKey: 's' }, 0)).toBe('key-1');
		expect(officialBearer({ accessKey: 'a', secretKey: 's' }, 0).split('.')).toHaveLength(3);
	});
});

describe('officialBaseUrl', () => {
	it('maps regions to hosts and trims a custom URL', () => {
		expect(officialBaseUrl({})).toBe('https://api-singapore.klingai.com');
		expect(officialBaseUrl({ region: 'beijing' })).toBe('https://api-beijing.klingai.com');
		expect(officialBaseUrl({ region: 'custom', baseUrl: ' http://127.0.0.1:9000/// ' })).toBe('http://127.0.0.1:9000');
	});
});
