import { Workflow } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, INodeTypes } from 'n8n-workflow';

import { KlingAiApi } from '../../credentials/KlingAiApi.credentials';
import { officialSignIn } from '../../nodes/Kling/transport/auth';
import { startFakeKlingOfficialServer } from '../support/fakeKlingOfficialServer';
import { MemoryCredentialsHelper } from '../support/memoryCredentialsHelper';

const expressionWorkflow = () =>
	new Workflow({
		nodes: [{ id: '1', name: 'Kling', type: 'kling', typeVersion: 1, position: [0, 0], parameters: {} }],
		connections: {},
		active: false,
		nodeTypes: { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as unknown as INodeTypes,
	});

/** What n8n hands the node for a stored credential: defaults filled in, fields hidden by the stored choices dropped. */
async function decrypted(stored: ICredentialDataDecryptedObject): Promise<ICredentialDataDecryptedObject> {
	const helper = new MemoryCredentialsHelper({ klingAiApi: stored }, [new KlingAiApi()]);
	return await helper.getDecrypted({} as never, { id: '1', name: 'x' }, 'klingAiApi');
}

/**
 * The credential's Test as n8n runs it: the test request's address resolved by n8n's expression
 * engine, the credential's authenticate applied, and its rules checked against the answer.
 */
async function credentialTest(credentials: ICredentialDataDecryptedObject): Promise<{ status: number; message?: string }> {
	const type = new KlingAiApi();
	const { request, rules } = type.test;
	const baseUrl = expressionWorkflow().expression.getParameterValue(request.baseURL ?? '', null, 0, 0, 'Kling', [], 'internal', {
		$credentials: credentials,
	} as never) as string;
	const options = await type.authenticate(credentials, { url: String(request.url), headers: {} });
	const query = new URLSearchParams(Object.entries(request.qs ?? {}).map(([key, value]) => [key, String(value)]));
	const response = await fetch(`${baseUrl}${request.url}?${query}`, { headers: options.headers as Record<string, string> });
	const rule = (rules ?? []).find((entry) => entry.type === 'responseCode' && entry.properties.value === response.status);
	return { status: response.status, message: rule && 'message' in rule.properties ? String(rule.properties.message) : undefined };
}

describe('KlingAiApi credential', () => {
	it('signs every request with a token the official API accepts, and a new one each time', async () => {
		const server = await startFakeKlingOfficialServer({ accessKey: 'ak-9', secretKey: 'sk-9' });
		try {
			const credential = new KlingAiApi();
			const authorization = async () => {
				const options = await credential.authenticate({ accessKey: 'ak-9', secretKey: 'sk-9' }, { url: '/', headers: { Accept: 'x' } });
				expect(options.headers?.Accept).toBe('x');
				return String(options.headers?.Authorization);
			};
			const first = await authorization();
			const response = await fetch(`${server.baseUrl}/v1/images/generations?pageNum=1&pageSize=1`, { headers: { Authorization: first } });
			expect(response.status).toBe(200);
			expect(server.tokens[0]).toMatchObject({ iss: 'ak-9' });
			await new Promise((resolve) => setTimeout(resolve, 1100));
			expect(await authorization()).not.toBe(first);
		} finally {
			await server.close();
		}
	});

	it('sends a plain API key as is when one is set', async () => {
		const options = await new KlingAiApi().authenticate({ apiKey: 'plain-1', accessKey: 'a', secretKey: 's' }, { url: '/' });
		expect(options.headers?.Authorization).toBe('Bearer plain-1');
	});

	it("the credential test asks each region's address, resolved by n8n's own expression engine", () => {
		const workflow = expressionWorkflow();
		const baseUrl = (credentials: Record<string, string>) =>
			workflow.expression.getParameterValue(new KlingAiApi().test.request.baseURL ?? '', null, 0, 0, 'Kling', [], 'manual', {
				$credentials: credentials,
			} as never);
		expect(baseUrl({ region: 'singapore' })).toBe('https://api-singapore.klingai.com');
		expect(baseUrl({ region: 'beijing' })).toBe('https://api-beijing.klingai.com');
		expect(baseUrl({ region: 'custom', baseUrl: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
		expect(baseUrl({})).toBe('https://api-singapore.klingai.com');
	});

	it('asks for the API key first: a new credential shows Sign In With = API Key and the API key only', async () => {
		const choice = new KlingAiApi().properties[0];
		expect(choice).toMatchObject({ name: 'signInWith', default: 'apiKey' });
		expect(await decrypted({ apiKey: 'k-1' })).toEqual({ signInWith: 'apiKey', apiKey: 'k-1', region: 'singapore' });
		for (const name of ['apiKey', 'secretKey']) {
			expect(new KlingAiApi().properties.filter((p) => p.name === name).every((p) => p.typeOptions?.password === true)).toBe(true);
		}
	});

	it('a credential saved before Sign In With existed keeps signing with its access key, as n8n decrypts it', async () => {
		// n8n fills the missing choice with its default (API Key) and drops fields hidden under it.
		const old = await decrypted({ accessKey: 'ak-old', secretKey: 'sk-old', region: 'beijing', baseUrl: '', apiKey: '' });
		expect(old).toMatchObject({ signInWith: 'apiKey', accessKey: 'ak-old', secretKey: 'sk-old', region: 'beijing' });
		expect(officialSignIn(old)).toEqual({ way: 'accessKey', accessKey: 'ak-old', secretKey: 'sk-old' });
		// Its optional API key still wins, as it did.
		const withKey = await decrypted({ accessKey: 'ak-old', secretKey: 'sk-old', region: 'singapore', apiKey: 'plain-old' });
		expect(officialSignIn(withKey)).toEqual({ way: 'apiKey', apiKey: 'plain-old' });
	});

	it('Access Key + Secret Key ignores an API key left over from the other choice (n8n drops it as hidden)', async () => {
		const chosen = await decrypted({ signInWith: 'accessKey', accessKey: 'ak', secretKey: 'sk', apiKey: 'left-over' });
		expect(chosen.apiKey).toBeUndefined();
		expect(officialSignIn(chosen)).toEqual({ way: 'accessKey', accessKey: 'ak', secretKey: 'sk' });
	});

	it('says what is missing for each way, before anything is sent', async () => {
		expect(() => officialSignIn({ signInWith: 'apiKey', apiKey: ' ' })).toThrow(
			'The Kling AI (Official) API credential has no API key: enter the API key from the Kling AI console, or choose "Access Key + Secret Key" under "Sign In With"',
		);
		expect(() => officialSignIn({ signInWith: 'accessKey', accessKey: 'ak', secretKey: '' })).toThrow(/one of them is empty/);
		await expect(new KlingAiApi().authenticate({ signInWith: 'apiKey' }, { url: '/' })).rejects.toThrow(/has no API key/);
	});

	it('the credential test passes for both ways in, and refuses a wrong key of either with the 401 rule', async () => {
		const server = await startFakeKlingOfficialServer({ accessKey: 'ak-t', secretKey: 'sk-t', apiKey: 'api-key-t' });
		const at = { region: 'custom', baseUrl: `${server.baseUrl}/` };
		const refused = { status: 401, message: 'Kling refused the API key, or the access key and secret key (401)' };
		try {
			expect(await credentialTest(await decrypted({ ...at, signInWith: 'apiKey', apiKey: 'api-key-t' }))).toEqual({ status: 200 });
			expect(await credentialTest(await decrypted({ ...at, signInWith: 'accessKey', accessKey: 'ak-t', secretKey: 'sk-t' }))).toEqual({ status: 200 });
			expect(await credentialTest(await decrypted({ ...at, accessKey: 'ak-t', secretKey: 'sk-t' }))).toEqual({ status: 200 });
			expect(await credentialTest(await decrypted({ ...at, signInWith: 'apiKey', apiKey: 'wrong-key' }))).toEqual(refused);
			expect(await credentialTest(await decrypted({ ...at, signInWith: 'accessKey', accessKey: 'ak-t', secretKey: 'wrong' }))).toEqual(refused);
		} finally {
			await server.close();
		}
	});
});
