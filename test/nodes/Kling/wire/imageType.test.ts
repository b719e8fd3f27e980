import { detectImageType, imageTypeFromHeader } from '../../../../nodes/Kling/wire/imageType';

describe('detectImageType', () => {
	it('knows PNG, JPEG, WebP and GIF by their first bytes', () => {
		expect(detectImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toEqual({ mimeType: 'image/png', extension: 'png' });
		expect(detectImageType(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toEqual({ mimeType: 'image/jpeg', extension: 'jpg' });
		expect(detectImageType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toEqual({ mimeType: 'image/webp', extension: 'webp' });
		expect(detectImageType(Buffer.from('GIF89a'))).toEqual({ mimeType: 'image/gif', extension: 'gif' });
	});

	it('knows nothing of other bytes or too few of them', () => {
		expect(detectImageType(Buffer.from('<html>'))).toBeUndefined();
		expect(detectImageType(Buffer.from([0x89, 0x50]))).toBeUndefined();
		expect(detectImageType(Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1'))).toBeUndefined();
	});
});

describe('imageTypeFromHeader', () => {
	it('reads image content types, parameters and odd spellings included', () => {
		expect(imageTypeFromHeader('image/PNG; charset=binary')).toEqual({ mimeType: 'image/png', extension: 'png' });
		expect(imageTypeFromHeader('image/jpg')).toEqual({ mimeType: 'image/jpeg', extension: 'jpg' });
		expect(imageTypeFromHeader('application/octet-stream')).toBeUndefined();
		expect(imageTypeFromHeader(undefined)).toBeUndefined();
	});
});
