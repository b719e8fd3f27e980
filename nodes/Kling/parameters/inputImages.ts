import type { INodeProperties } from 'n8n-workflow';

import { MAX_ELEMENT_REFERENCES } from '../wire/elements';
import { IMAGE_LIST_ENTRY_NAMES, REFERENCE_IMAGE_NAMES } from '../wire/inputImages';
import type { ImageListSpec } from '../wire/inputImages';

/** Input images: one image (its source and a field per source), or a list of them. Saved names: never rename one. */

/** The parameter names of one input image; `prefix` keeps several images of an operation apart. */
export function imageInputNames(prefix: string) {
	return { source: `${prefix}Source`, url: `${prefix}Url`, binary: `${prefix}BinaryField`, base64: `${prefix}Base64` };
}

const SOURCES = [
	{ name: 'Binary File', value: 'binary', description: 'A JPG or PNG from a binary field of the input item' },
	{ name: 'Image URL', value: 'url', description: 'A public http(s) URL of a JPG or PNG' },
	{ name: 'Base64', value: 'base64', description: 'The JPG or PNG file as base64 text' },
];

/** An input image's choice of source and the field for each source, under `names` (see imageInputNames). */
function imageSourceProperties(
	names: { source: string; url: string; binary: string; base64: string },
	image: { displayName: string; description: string; optional: boolean; binaryHint: string },
): INodeProperties[] {
	const shownFor = (source: string) => ({ show: { [names.source]: [source] } });
	const required: INodeProperties = {
		displayName: image.displayName,
		name: names.source,
		type: 'options',
		default: 'binary',
		description: image.description,
		options: SOURCES,
	};
	const none = { name: 'None', value: 'none', description: 'No such image' };
	return [
		image.optional ? { ...required, default: 'none', options: [none, ...SOURCES] } : required,
		{
			displayName: 'Input Binary Field',
			name: names.binary,
			type: 'string',
			default: 'data',
			hint: image.binaryHint,
			displayOptions: shownFor('binary'),
		},
		{
			displayName: 'Image URL',
			name: names.url,
			type: 'string',
			default: '',
			placeholder: 'https://example.com/image.png',
			displayOptions: shownFor('url'),
		},
		{
			displayName: 'Base64 Image',
			name: names.base64,
			type: 'string',
			default: '',
			typeOptions: { rows: 2 },
			description: 'Base64 of a JPG or PNG file; a data:...;base64, prefix is removed',
			displayOptions: shownFor('base64'),
		},
	];
}

const ONE_IMAGE_HINT = 'The name of the input binary field holding the image (JPG or PNG, up to 10 MB)';

/** One input image of an operation, its parameters named after `prefix`. */
export function imageInputProperties(prefix: string, displayName: string, description: string, optional = false): INodeProperties[] {
	return imageSourceProperties(imageInputNames(prefix), { displayName, description, optional, binaryHint: ONE_IMAGE_HINT });
}

/** Generate's optional reference image, under the names it has always been saved with. */
export function referenceImageProperties(): INodeProperties[] {
	return imageSourceProperties(REFERENCE_IMAGE_NAMES, {
		displayName: 'Reference Image',
		description: 'An image that steers the result; None generates from the prompt alone',
		optional: true,
		binaryHint: 'The name of the input binary field holding the reference image (JPG or PNG, up to 10 MB)',
	});
}

/** Multi-Image Reference's subjects. */
export const SUBJECT_IMAGES: ImageListSpec = {
	name: 'subjectImages',
	entry: 'subject',
	label: 'Subject Images',
	entryLabel: 'Subject Image',
	min: 1,
	max: 4,
};

/** Omni-Image's references, named in the prompt as <<<image_1>>>, <<<image_2>>>, … in this order. */
export const OMNI_REFERENCE_IMAGES: ImageListSpec = {
	name: 'referenceImages',
	entry: 'image',
	label: 'Reference Images',
	entryLabel: 'Reference Image',
	min: 0,
	max: 10,
};

/** An element's views beside its frontal image (Element > Create); Kling takes each as a URL or base64. */
export const ELEMENT_REFERENCE_IMAGES: ImageListSpec = {
	name: 'elementReferenceImages',
	entry: 'image',
	label: 'Reference Images',
	entryLabel: 'Reference Image',
	min: 1,
	max: MAX_ELEMENT_REFERENCES,
};

/** A list of input images (see ImageListSpec); `description` says what they are for. */
export function imageListProperty(spec: ImageListSpec, description: string): INodeProperties {
	const count = spec.min === 0 ? `Up to ${spec.max}` : `${spec.min} to ${spec.max}`;
	// A list that needs an image starts with one entry; saved workflows rely on this default.
	const firstEntry = spec.min === 0 ? {} : { [spec.entry]: [{ source: 'binary', binaryPropertyName: 'data' }] };
	const property: INodeProperties = {
		displayName: spec.label,
		name: spec.name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: `Add ${spec.entryLabel}`,
		default: {},
		description: `${count} images: ${description}`,
		options: [
			{
				name: spec.entry,
				displayName: spec.entryLabel,
				values: imageSourceProperties(IMAGE_LIST_ENTRY_NAMES, {
					displayName: 'Source',
					description: `Where the ${spec.entryLabel.toLowerCase()} comes from`,
					optional: false,
					binaryHint: `The input binary field holding the image, or several separated by commas (one ${spec.entryLabel.toLowerCase()} each)`,
				}),
			},
		],
	};
	property.default = firstEntry;
	return property;
}
