import { credentialSecrets, maskSecretsInUrl } from '../../../../nodes/Kling/wire/secrets';

const KEY = 'sk-live-0123456789abcdef';

describe('maskSecretsInUrl', () => {
	it('masks a query value that is the key, keeping its name and the rest byte for byte', () => {
		expect(maskSecretsInUrl(`https://cdn.example.com/a.png?key=${KEY}&w=512`, [KEY])).toBe('https://cdn.example.com/a.png?key=***&w=512');
		expect(maskSecretsInUrl(`https://cdn.example.com/a.png?X-Sig=a%2Bb&token=${KEY}#top`, [KEY])).toBe(
			'https://cdn.example.com/a.png?X-Sig=a%2Bb&token=***#top',
		);
	});

	it('masks any query value holding a secret, encoded or not, under any name', () => {
		const secret = 'sec/ret+key=1';
		const encoded = encodeURIComponent(secret);
		expect(maskSecretsInUrl(`https://h/a.png?auth=Bearer%20${encoded}&x=1`, [secret])).toBe('https://h/a.png?auth=***&x=1');
		expect(maskSecretsInUrl(`https://h/a.png?${KEY}`, [KEY])).toBe('https://h/a.png?***');
	});

	it('masks a secret in the path, the user info or the fragment too', () => {
		expect(maskSecretsInUrl(`https://u:${KEY}@h/${KEY}/a.png#k=${KEY}`, [KEY])).toBe('https://u:***@h/***/a.png#k=***');
	});

	it('checks every secret and leaves URLs without them alone', () => {
		const url = 'https://h/a.png?sig=abc&expires=1700000000';
		expect(maskSecretsInUrl(url, [KEY, 'other-secret-1'])).toBe(url);
		expect(maskSecretsInUrl(`${url}&s=other-secret-1`, [KEY, 'other-secret-1'])).toBe(`${url}&s=***`);
		expect(maskSecretsInUrl(url, [])).toBe(url);
		expect(maskSecretsInUrl(url, [''])).toBe(url);
	});

	it('copes with malformed escapes', () => {
		expect(maskSecretsInUrl(`https://h/a.png?bad=%E0%A4%A&key=${KEY}`, [KEY])).toBe('https://h/a.png?bad=%E0%A4%A&key=***');
	});
});

describe('credentialSecrets', () => {
	it('lists the API key and the secret key, not the access key or the base URL', () => {
		expect(credentialSecrets({ apiKey: 'k', baseUrl: 'https://h' })).toEqual(['k']);
		expect(credentialSecrets({ accessKey: 'ak', secretKey: 'sk', apiKey: '' })).toEqual(['sk']);
	});
});
