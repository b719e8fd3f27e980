import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { account } from '../../nodes/Kling/actions/account';
import { element } from '../../nodes/Kling/actions/element';
import { image } from '../../nodes/Kling/actions/image';
import { Kling } from '../../nodes/Kling/Kling.node';
import { operationPanels, panelKey } from '../../scripts/lib/nodeOperations';

const auth = (value: string) => ({ show: { authentication: [value] } });

/** A small node: two credentials, a resource only one of them has, operations by credential. */
function sampleNode(extra: INodeProperties[] = []): INodeTypeDescription {
	const properties: INodeProperties[] = [
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Key', value: 'keyApi' },
				{ name: 'Token', value: 'tokenApi' },
			],
			default: 'keyApi',
		},
		{ displayName: 'Resource', name: 'resource', type: 'options', options: [{ name: 'Cat', value: 'cat' }], default: 'cat', displayOptions: auth('keyApi') },
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			options: [
				{ name: 'Cat', value: 'cat' },
				{ name: 'Dog', value: 'dog' },
			],
			default: 'cat',
			displayOptions: auth('tokenApi'),
		},
		{ displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Pet', value: 'pet' }], default: 'pet', displayOptions: { show: { resource: ['cat'], authentication: ['keyApi'] } } },
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			options: [
				{ name: 'Pet', value: 'pet' },
				{ name: 'Feed', value: 'feed' },
			],
			default: 'pet',
			displayOptions: { show: { resource: ['cat'], authentication: ['tokenApi'] } },
		},
		{ displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Walk', value: 'walk' }], default: 'walk', displayOptions: { show: { resource: ['dog'] } } },
		{ displayName: 'Times', name: 'times', type: 'number', default: 1, displayOptions: { show: { operation: ['pet', 'feed'] } } },
		{ displayName: 'Food', name: 'food', type: 'string', default: '', displayOptions: { show: { operation: ['feed'] } } },
		{
			displayName: 'Brand',
			name: 'brand',
			type: 'string',
			default: '',
			// Shown only when Food is not its default: a new node does not show it.
			displayOptions: { show: { operation: ['feed'] }, hide: { food: [''] } },
		},
		{ displayName: 'Secret', name: 'secret', type: 'hidden', default: '' },
		{ displayName: 'Dogs pull', name: 'notice', type: 'notice', default: '', displayOptions: { show: { resource: ['dog'] } } },
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			default: {},
			displayOptions: { show: { resource: ['dog'] } },
			options: [
				{ displayName: 'Leash', name: 'leash', type: 'boolean', default: true },
				{ displayName: 'Muzzle', name: 'muzzle', type: 'boolean', default: false, displayOptions: { show: { '/authentication': ['keyApi'] } } },
			],
		},
		...extra,
	];
	return {
		displayName: 'Sample',
		name: 'sample',
		group: ['transform'],
		version: 1,
		description: '',
		defaults: { name: 'Sample' },
		inputs: [],
		outputs: [],
		properties,
	};
}

describe('operationPanels', () => {
	it('finds every operation of every resource each credential shows, in the order of the choices', () => {
		const keys = operationPanels(sampleNode()).map(panelKey);
		expect(keys).toEqual(['keyApi-cat-pet', 'tokenApi-cat-pet', 'tokenApi-cat-feed', 'tokenApi-dog-walk']);
	});

	it('gives the labels a new node set to the operation shows, with hidden parameters and notices left out', () => {
		const panels = new Map(operationPanels(sampleNode()).map((panel) => [panelKey(panel), panel]));
		expect(panels.get('keyApi-cat-pet')?.labels).toEqual(['Authentication', 'Resource', 'Operation', 'Times']);
		expect(panels.get('tokenApi-cat-feed')?.labels).toEqual(['Authentication', 'Resource', 'Operation', 'Times', 'Food']);
		expect(panels.get('tokenApi-dog-walk')?.labels).toEqual(['Authentication', 'Resource', 'Operation', 'Options']);
	});

	it('names the operation, the resource and the selection that opens it', () => {
		const walk = operationPanels(sampleNode()).find((panel) => panel.operation === 'walk');
		expect(walk).toMatchObject({
			resourceName: 'Dog',
			authenticationLabel: 'Authentication',
			operationName: 'Walk',
			selection: { authentication: 'tokenApi', resource: 'dog', operation: 'walk' },
		});
	});

	it('lists the collection options that depend on no other value', () => {
		const walk = operationPanels(sampleNode()).find((panel) => panel.operation === 'walk');
		expect(walk?.collectionOptions).toEqual({ Options: ['Leash'] });
	});

	it('refuses a description that shows two Operation choices at once', () => {
		const twice: INodeProperties = { displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Run', value: 'run' }], default: 'run', displayOptions: { show: { resource: ['dog'] } } };
		expect(() => operationPanels(sampleNode([twice]))).toThrow('2 "operation" parameters are shown for {"authentication":"tokenApi","resource":"dog"');
	});

	it('covers every operation registered in the Kling node, the official-only ones with the official credential only', () => {
		const keys = operationPanels(new Kling().description).map(panelKey);
		for (const [resource, { operations }] of Object.entries({ image, element, account })) {
			for (const [name, operation] of Object.entries(operations)) {
				expect(keys).toContain(`klingAiApi-${resource}-${name}`);
				if (operation.officialOnly) expect(keys).not.toContain(`klingApi-${resource}-${name}`);
				else expect(keys).toContain(`klingApi-${resource}-${name}`);
			}
		}
		expect(new Set(keys).size).toBe(keys.length);
	});
});
