import { Credentials } from 'n8n-core';
import { ICredentialsHelper, NodeHelpers, UnexpectedError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeParameters,
	INodeProperties,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
	Workflow,
} from 'n8n-workflow';

/**
 * Credentials from memory instead of n8n's database. Applies credential defaults,
 * `authenticate` (generic expressions resolved by the workflow's expression engine,
 * as n8n's CredentialsHelper does) and `preAuthentication`. Values are used as
 * given: expressions inside credential values are not resolved.
 */
export class MemoryCredentialsHelper extends ICredentialsHelper {
	private readonly types: Map<string, ICredentialType>;

	constructor(
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
		credentialTypes: ICredentialType[],
	) {
		super();
		this.types = new Map(credentialTypes.map((type) => [type.name, type]));
	}

	getParentTypes(name: string): string[] {
		const parents = this.types.get(name)?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type(typeName);
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		if (authenticate?.type === 'generic') {
			const target = requestOptions as unknown as Record<string, Record<string, string> | undefined>;
			const resolve = (value: string) => resolveCredentialExpression(value, credentials, workflow, node);
			for (const [outerKey, entries] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(entries as Record<string, string>)) {
					target[outerKey] = { ...target[outerKey], [resolve(key)]: resolve(value) };
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		const expirable = type.properties.find((p) => p.type === 'hidden' && p.typeOptions?.expirable === true);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = (await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
		if (output[expirable.name] === undefined) return undefined;
		this.data[typeName] = { ...this.data[typeName], ...output }; // n8n saves the fresh token too
		return Object.assign(credentials, output);
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const credentials = new Credentials(nodeCredentials, type);
		credentials.setData(this.data[type] ?? {});
		return credentials;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.data[type];
		if (!stored) throw new UnexpectedError(`No test credentials given for type "${type}"`);
		// Like n8n: defaults filled in, keys the credential type does not declare dropped.
		const properties = this.getCredentialsProperties(type);
		const withDefaults = NodeHelpers.getNodeParameters(properties, stored as INodeParameters, true, false, null, null);
		return { ...(withDefaults as ICredentialDataDecryptedObject) };
	}

	async updateCredentials(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.data[type] = data;
	}

	async updateCredentialsOauthTokenData(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.data[type] = data;
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const { properties, extends: parents } = this.type(type);
		// Like n8n: a type that extends none is used as declared (a name may appear twice, under other display rules).
		if (parents === undefined) return properties;
		const merged: INodeProperties[] = [];
		for (const parent of parents) NodeHelpers.mergeNodeProperties(merged, this.getCredentialsProperties(parent));
		NodeHelpers.mergeNodeProperties(merged, properties);
		return merged;
	}

	private type(name: string): ICredentialType {
		const type = this.types.get(name);
		if (!type) throw new UnexpectedError(`Unknown credential type "${name}": pass it in credentialTypes`);
		return type;
	}
}

/** Resolves `={{ $credentials.x }}`-style values the way n8n's CredentialsHelper does. */
function resolveCredentialExpression(
	value: string,
	credentials: ICredentialDataDecryptedObject,
	workflow: Workflow,
	node: INode,
): string {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const additionalKeys = { $credentials: credentials };
	const resolved = workflow.expression.getSimpleParameterValue(node, value, 'internal', additionalKeys, undefined, '');
	return resolved ? String(resolved) : '';
}
