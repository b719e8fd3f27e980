import { klingOfficialTarget, officialKeysFromEnv } from '../../scripts/lib/klingApi';

describe('the official API a script talks to', () => {
	it('is the fake one on 127.0.0.1 when no keys are set, with a credential for it', async () => {
		expect(officialKeysFromEnv({})).toBeUndefined();
		const saved = { ak: process.env.KLING_ACCESS_KEY, sk: process.env.KLING_SECRET_KEY };
		delete process.env.KLING_ACCESS_KEY;
		delete process.env.KLING_SECRET_KEY;
		const target = await klingOfficialTarget();
		try {
			expect(target.fake).toBeDefined();
			expect(target.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(target.data).toEqual({
				accessKey: target.fake?.accessKey,
				secretKey: target.fake?.secretKey,
				region: 'custom',
				baseUrl: target.baseUrl,
				apiKey: '',
			});
		} finally {
			await target.fake?.close();
			if (saved.ak !== undefined) process.env.KLING_ACCESS_KEY = saved.ak;
			if (saved.sk !== undefined) process.env.KLING_SECRET_KEY = saved.sk;
		}
	});

	it('is the real one in the chosen region when both keys are set', () => {
		expect(officialKeysFromEnv({ KLING_ACCESS_KEY: 'ak', KLING_SECRET_KEY: 'sk', KLING_REGION: 'beijing' })).toEqual({
			accessKey: 'ak',
			secretKey: 'sk',
			region: 'beijing',
			baseUrl: '',
			apiKey: '',
		});
		expect(officialKeysFromEnv({ KLING_ACCESS_KEY: 'ak', KLING_SECRET_KEY: 'sk' })?.region).toBe('singapore');
	});

	it('refuses one key without the other, and an unknown region, naming the variable', () => {
		expect(() => officialKeysFromEnv({ KLING_ACCESS_KEY: 'ak' })).toThrow('KLING_SECRET_KEY is not set');
		expect(() => officialKeysFromEnv({ KLING_SECRET_KEY: 'sk' })).toThrow('KLING_ACCESS_KEY is not set');
		expect(() => officialKeysFromEnv({ KLING_ACCESS_KEY: 'ak', KLING_SECRET_KEY: 'sk', KLING_REGION: 'mars' })).toThrow(
			'KLING_REGION "mars" is not one of singapore, beijing',
		);
	});
});
