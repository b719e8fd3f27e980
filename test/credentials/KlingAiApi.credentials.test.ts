import { Workflow } from 'n8n-workflow';
import type { INodeTypes } from 'n8n-workflow';

import { KlingAiApi } from '../../credentials/KlingAiApi.credentials';
import { startFakeKlingOfficialServer } from '../support/fakeKlingOfficialServer';

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
		const workflow = new Workflow({
			nodes: [{ id: '1', name: 'Kling', type: 'kling', typeVersion: 1, position: [0, 0], parameters: {} }],
			connections: {},
			active: false,
			nodeTypes: { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as unknown as INodeTypes,
		});
		const baseUrl = (credentials: Record<string, string>) =>
			workflow.expression.getParameterValue(new KlingAiApi().test.request.baseURL ?? '', null, 0, 0, 'Kling', [], 'manual', {
				$credentials: credentials,
			} as never);
		expect(baseUrl({ region: 'singapore' })).toBe('https://api-singapore.klingai.com');
		expect(baseUrl({ region: 'beijing' })).toBe('https://api-beijing.klingai.com');
		expect(baseUrl({ region: 'custom', baseUrl: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
		expect(baseUrl({})).toBe('https://api-singapore.klingai.com');
	});
});
