import { countImages, decodeImageData, imageFileName } from '../../../../nodes/Kling/wire/images';
import type { GeneratedImage } from '../../../../nodes/Kling/wire/answers';

const answer = (count: number): GeneratedImage[] => Array.from({ length: count }, (_, index) => ({ index, url: `https://h/${index}.png` }));

describe('countImages', () => {
	it('keeps all images when as many came as were asked for, with no warning', () => {
		expect(countImages(answer(3), 3)).toEqual({ images: answer(3), requested: 3, returned: 3 });
	});

	it('reports a shortfall', () => {
		expect(countImages(answer(1), 3)).toEqual({ images: answer(1), requested: 3, returned: 1, warning: 'Kling returned 1 of 3 images' });
		expect(countImages(answer(2), 9).warning).toBe('Kling returned 2 of 9 images');
	});

	it('keeps only as many as were asked for, in answer order, and says so', () => {
		const count = countImages(answer(40), 1);
		expect(count.images).toEqual(answer(1));
		expect(count.returned).toBe(40);
		expect(count.warning).toBe('Kling returned 40 images for 1 asked for; the other 39 were left out');
	});
});

describe('decodeImageData', () => {
	const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

	it('decodes base64 of an image, with line breaks or a data: prefix', () => {
		const base64 = png.toString('base64');
		expect(decodeImageData(base64)).toEqual({ bytes: png, type: { mimeType: 'image/png', extension: 'png' } });
		expect(decodeImageData(`data:image/png;base64,${base64.slice(0, 8)}\n${base64.slice(8)}`)).toMatchObject({ bytes: png });
	});

	it('says when the text is not base64', () => {
		expect(decodeImageData('%%% not base64 at all, really %%%')).toEqual({
			problem: 'The Kling API sent image data (b64_json) that is not a valid image: it is not base64 (it starts "%%% not base64 at al...")',
		});
	});

	it('says when the bytes are not an image', () => {
		expect(decodeImageData(Buffer.from('hello, world').toString('base64'))).toEqual({
			problem: 'The Kling API sent image data (b64_json) that is not a valid image: its 12 bytes are not a PNG, JPEG, WebP or GIF image',
		});
	});
});

describe('imageFileName', () => {
	it('uses the position in the answer, so a repeated API index cannot repeat a name', () => {
		const type = { mimeType: 'image/png', extension: 'png' };
		expect(imageFileName({ created: 1700000000, itemIndex: 2, position: 1 }, type)).toBe('kling-1700000000-2-1.png');
	});
});
