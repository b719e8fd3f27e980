/**
 * Every operation a node offers, read from its description: per credential (the
 * `authentication` choice), each resource shown with it, each operation shown for that
 * resource. For each, the parameters the editor shows when a new node is set to it,
 * all other parameters at their defaults, worked out with n8n-workflow's own display
 * rules. Nothing here lists operations by hand: an operation added to the node is found.
 */
import { NodeHelpers } from 'n8n-workflow';
import type { INodeParameters, INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

export interface OperationPanel {
	/** The `authentication` value: the credential type the node uses, e.g. `klingAiApi`. */
	authentication: string;
	resource: string;
	/** The resource as the editor names it, e.g. `Image`. */
	resourceName: string;
	operation: string;
	/** The operation as the editor names it, e.g. `Omni Image`. */
	operationName: string;
	/** What selects the operation in a node's parameters. */
	selection: { authentication: string; resource: string; operation: string };
	/** The label of the `authentication` parameter, among `labels`. */
	authenticationLabel: string;
	/** Labels of the parameters shown, in description order (notices and hidden parameters left out). */
	labels: string[];
	/** Entries of each shown collection's "Add Option" list that depend on no other value, by collection label. */
	collectionOptions: Record<string, string[]>;
}

/** File-name friendly key of a panel, e.g. `klingAiApi-image-omniImage`. */
export function panelKey(panel: Pick<OperationPanel, 'authentication' | 'resource' | 'operation'>): string {
	return [panel.authentication, panel.resource, panel.operation].join('-');
}

const NODE = { typeVersion: 1 };

function shown(description: INodeTypeDescription, values: INodeParameters, property: INodeProperties): boolean {
	return NodeHelpers.displayParameter(values, property, NODE, description);
}

/** The one property named `name` shown for `values`; a description that shows none or two is an error. */
function theShown(description: INodeTypeDescription, values: INodeParameters, name: string): INodeProperties {
	const found = description.properties.filter((property) => property.name === name && shown(description, values, property));
	if (found.length !== 1) {
		throw new Error(`${description.name}: ${found.length} "${name}" parameters are shown for ${JSON.stringify(values)}, expected exactly one`);
	}
	return found[0];
}

function choices(property: INodeProperties): INodePropertyOptions[] {
	return (property.options ?? []).filter((option): option is INodePropertyOptions => 'value' in option);
}

/** The parameters of a node set to `selection` (the rest at their defaults), as n8n computes them. */
function nodeValues(description: INodeTypeDescription, selection: INodeParameters): INodeParameters {
	const values = NodeHelpers.getNodeParameters(description.properties, selection, true, false, NODE, description);
	if (!values) throw new Error(`${description.name}: n8n computed no parameters for ${JSON.stringify(selection)}`);
	return values;
}

function panelOf(
	description: INodeTypeDescription,
	selection: OperationPanel['selection'],
	names: { resourceName: string; operationName: string; authenticationLabel: string },
): OperationPanel {
	const values = nodeValues(description, selection);
	const visible = description.properties.filter(
		(property) => property.type !== 'hidden' && property.type !== 'notice' && shown(description, values, property),
	);
	const collectionOptions: Record<string, string[]> = {};
	for (const property of visible) {
		if (property.type !== 'collection') continue;
		collectionOptions[property.displayName] = (property.options ?? [])
			.filter((option) => 'displayName' in option && !('displayOptions' in option && option.displayOptions))
			.map((option) => (option as INodeProperties).displayName);
	}
	return {
		...selection,
		...names,
		selection,
		labels: visible.map((property) => property.displayName),
		collectionOptions,
	};
}

/** Every (credential, resource, operation) panel of the node, in the order its choices list them. */
export function operationPanels(description: INodeTypeDescription): OperationPanel[] {
	const panels: OperationPanel[] = [];
	const authentication = theShown(description, {}, 'authentication');
	for (const { value: auth } of choices(authentication)) {
		const authValues = { authentication: String(auth) };
		const resourceProperty = theShown(description, nodeValues(description, authValues), 'resource');
		for (const { value: resource, name: resourceName } of choices(resourceProperty)) {
			const resourceValues = { ...authValues, resource: String(resource) };
			const operationProperty = theShown(description, nodeValues(description, resourceValues), 'operation');
			for (const { value: operation, name: operationName } of choices(operationProperty)) {
				const selection = { ...resourceValues, operation: String(operation) };
				const names = { resourceName, operationName, authenticationLabel: authentication.displayName };
				panels.push(panelOf(description, selection, names));
			}
		}
	}
	return panels;
}
