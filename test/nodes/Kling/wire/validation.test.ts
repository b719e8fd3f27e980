import {
	FieldError,
	base64ByteLength,
	checkReferenceFile,
	parseAdditionalFields,
	parseBase64Image,
	validateGenerateParams,
	validateImageUrl,
	validateReferenceBytes,
	textValue,
} from '../../../../nodes/Kling/wire/validation';
import type { RawGenerateParams } from '../../../../nodes/Kling/wire/validation';
import { fieldOf } from '../../../support/checks';

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

function raw(overrides: Partial<RawGenerateParams> = {}): RawGenerateParams {
	return {
		model: 'kling-img-v1',
		prompt: 'a red fox',
		negativePrompt: '',
		imageSource: 'none',
		imageFidelity: 0.5,
		n: 1,
		aspectRatio: '',
		additionalFields: '{}',
		...overrides,
	};
}


describe('validateGenerateParams', () => {
	it('normalises a valid set of parameters', () => {
		expect(validateGenerateParams(raw({ prompt: '  a red fox  ', n: '3', aspectRatio: '16:9' }))).toEqual({
			model: 'kling-img-v1',
			prompt: 'a red fox',
			negativePrompt: undefined,
			imageSource: 'none',
			imageFidelity: undefined,
			n: 3,
			aspectRatio: '16:9',
			additionalFields: {},
		});
	});

	it('keeps image fidelity only when a reference image is used', () => {
		expect(validateGenerateParams(raw({ imageSource: 'url', imageFidelity: 0.8 })).imageFidelity).toBe(0.8);
		expect(validateGenerateParams(raw({ imageSource: 'none', imageFidelity: 7 })).imageFidelity).toBeUndefined();
	});

	it.each<[string, Partial<RawGenerateParams>]>([
		['Prompt', { prompt: '   ' }],
		['Prompt', { prompt: 'x'.repeat(2501) }],
		['Negative Prompt', { negativePrompt: 'x'.repeat(2501) }],
		['Model', { model: '' }],
		['Number of Images', { n: 0 }],
		['Number of Images', { n: 10 }],
		['Number of Images', { n: 2.5 }],
		['Number of Images', { n: 'many' }],
		['Image Fidelity', { imageSource: 'url', imageFidelity: 1.5 }],
		['Image Fidelity', { imageSource: 'binary', imageFidelity: -0.1 }],
		['Aspect Ratio', { aspectRatio: '5:4' }],
		['Reference Image', { imageSource: 'camera' }],
		['Additional Body Fields', { additionalFields: '[1, 2]' }],
		['Additional Body Fields', { additionalFields: '{not json' }],
	])('names the field %s when it is wrong', (field, overrides) => {
		expect(fieldOf(() => validateGenerateParams(raw(overrides)))).toBe(field);
	});

	it.each<[string, Partial<RawGenerateParams>, string]>([
		['Prompt', { prompt: { text: 'a fox' } }, 'an object ({"text":"a fox"})'],
		['Prompt', { prompt: ['a fox'] }, 'a list (["a fox"])'],
		['Prompt', { prompt: false }, 'a boolean (false)'],
		['Negative Prompt', { negativePrompt: { no: 'fog' } }, 'an object'],
		['Model', { model: { id: 'kling-img-v1' } }, 'an object'],
		['Aspect Ratio', { aspectRatio: ['1:1'] }, 'a list'],
	])('refuses a %s that is not text instead of sending "[object Object]"', (field, overrides, what) => {
		expect(fieldOf(() => validateGenerateParams(raw(overrides)))).toBe(field);
		expect(() => validateGenerateParams(raw(overrides))).toThrow(`"${field}" must be text, but the value is ${what}`);
	});

	it('takes a number as text', () => {
		expect(validateGenerateParams(raw({ prompt: 42 })).prompt).toBe('42');
	});

	it('accepts a prompt of exactly 2500 characters', () => {
		expect(validateGenerateParams(raw({ prompt: 'x'.repeat(2500) })).prompt).toHaveLength(2500);
	});

	it('says what the value was', () => {
		expect(() => validateGenerateParams(raw({ n: 12 }))).toThrow('"Number of Images" must be from 1 to 9, got 12');
	});
});

describe('parseAdditionalFields', () => {
	it('accepts an object, a JSON string or nothing', () => {
		expect(parseAdditionalFields({ seed: 1 })).toEqual({ seed: 1 });
		expect(parseAdditionalFields('{"seed": 2}')).toEqual({ seed: 2 });
		expect(parseAdditionalFields('')).toEqual({});
		expect(parseAdditionalFields(undefined)).toEqual({});
	});

	it('refuses null and scalars', () => {
		expect(() => parseAdditionalFields('null')).toThrow(FieldError);
		expect(() => parseAdditionalFields('42')).toThrow(FieldError);
	});
});

describe('textValue', () => {
	it('passes text, turns finite numbers into text and empties null or undefined', () => {
		expect(textValue('F', 'abc')).toBe('abc');
		expect(textValue('F', 1.5)).toBe('1.5');
		expect(textValue('F', null)).toBe('');
		expect(textValue('F', undefined)).toBe('');
	});

	it('refuses everything else, shortening long values', () => {
		expect(() => textValue('F', Number.NaN)).toThrow('"F" must be text, but the value is a number (null)');
		expect(() => textValue('F', { long: 'x'.repeat(100) })).toThrow(/an object \(\{"long":"x+\.\.\.\); check the expression$/);
		expect(() => textValue('F', () => 1)).toThrow('"F" must be text, but the value is a function; check the expression');
	});
});

describe('reference images', () => {
	it('accepts http and https URLs only', () => {
		expect(validateImageUrl(' https://example.com/a.png ')).toBe('https://example.com/a.png');
		expect(validateImageUrl('http://127.0.0.1:8080/a.jpg')).toBe('http://127.0.0.1:8080/a.jpg');
		expect(() => validateImageUrl('ftp://example.com/a.png')).toThrow('"Image URL" must start with http');
		expect(() => validateImageUrl('not a url')).toThrow('"Image URL" is not a valid URL');
	});

	it('accepts PNG and JPEG bytes up to 10 MB', () => {
		expect(() => validateReferenceBytes('Input Binary Field', PNG_HEAD)).not.toThrow();
		expect(() => validateReferenceBytes('Input Binary Field', JPEG_HEAD)).not.toThrow();
	});

	it('refuses other types and files over 10 MB', () => {
		const gif = Buffer.from('GIF89a');
		expect(() => validateReferenceBytes('Input Binary Field', gif)).toThrow('must be a JPG or PNG image, got image/gif');
		expect(() => validateReferenceBytes('Input Binary Field', Buffer.from('hello'))).toThrow('not an image');
		const big = Buffer.concat([PNG_HEAD, Buffer.alloc(10 * 1024 * 1024)]);
		expect(() => validateReferenceBytes('Input Binary Field', big)).toThrow('10.0 MB; the API accepts reference images up to 10 MB');
	});

	it('checks a file from its size and first bytes alone', () => {
		expect(() => checkReferenceFile('F', 9 * 1024 * 1024, PNG_HEAD)).not.toThrow();
		expect(() => checkReferenceFile('F', 11 * 1024 * 1024, PNG_HEAD)).toThrow('"F" is 11.0 MB');
		expect(() => checkReferenceFile('F', 100, Buffer.from('GIF89a'))).toThrow('got image/gif');
	});

	it('knows the decoded size of base64 without decoding it', () => {
		for (const length of [0, 1, 2, 3, 4, 5, 100, 1001]) {
			const base64 = Buffer.alloc(length, 7).toString('base64');
			expect(base64ByteLength(base64)).toBe(length);
		}
	});

	it('checks large base64 from its length', () => {
		const big = Buffer.concat([PNG_HEAD, Buffer.alloc(10 * 1024 * 1024)]).toString('base64');
		expect(() => parseBase64Image(big)).toThrow('"Base64 Image" is 10.0 MB');
	});

	it('strips a data URL prefix and white space from base64', () => {
		const base64 = PNG_HEAD.toString('base64');
		expect(parseBase64Image(`data:image/png;base64,${base64}`)).toBe(base64);
		expect(parseBase64Image(`${base64.slice(0, 4)}\n${base64.slice(4)}`)).toBe(base64);
	});

	it('refuses invalid base64 and base64 that is not an image', () => {
		expect(() => parseBase64Image('not base64!')).toThrow('"Base64 Image" is not valid base64');
		expect(() => parseBase64Image('abc')).toThrow('is not valid base64');
		expect(() => parseBase64Image('')).toThrow('"Base64 Image" is empty');
		expect(() => parseBase64Image(Buffer.from('plain text!!').toString('base64'))).toThrow('must be a JPG or PNG');
	});
});
