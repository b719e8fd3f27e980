/**
 * A 5×7 bitmap font for printable ASCII (space to `~`), with two rows below the
 * baseline for descenders, so the fake API can write a prompt into its pictures
 * without a font file or a dependency.
 */

export const GLYPH_WIDTH = 5;
/** Seven rows down to the baseline, then two for descenders (g, j, p, q, y, comma). */
export const GLYPH_HEIGHT = 9;
/** The stand-in for characters the font does not have. */
export const MISSING_GLYPH = '?';

const FIRST_CODE = 0x20;

/**
 * Two hex digits a row, top down, 0x10 the leftmost dot; rows left out are blank. In ASCII order from space.
 */
const GLYPHS = [
	'00000000000000', '04040404040004', '0a0a0a00000000', '0a0a1f0a1f0a0a', // space ! " #
	'040f140e051e04', '18190204081303', '0c12140815120d', '04040800000000', // $ % & '
	'02040808080402', '08040202020408', '0004150e150400', '0004041f040400', // ( ) * +
	'00000000000c0c0408', '0000001f000000', '00000000000c0c', '00010204081000', // , - . /
	'0e11131519110e', '040c040404040e', '0e11010204081f', '1f02040201110e', // 0 1 2 3
	'02060a121f0202', '1f101e0101110e', '0608101e11110e', '1f010204080808', // 4 5 6 7
	'0e11110e11110e', '0e11110f01020c', '000c0c00000c0c', '000c0c00000c0c0408', // 8 9 : ;
	'02040810080402', '00001f001f0000', '08040201020408', '0e110102040004', // < = > ?
	'0e11010d15150e', '0e1111111f1111', '1e11111e11111e', '0e11101010110e', // @ A B C
	'1c12111111121c', '1f10101e10101f', '1f10101e101010', '0e11101711110f', // D E F G
	'1111111f111111', '0e04040404040e', '0702020202120c', '11121418141211', // H I J K
	'1010101010101f', '111b1515111111', '11111915131111', '0e11111111110e', // L M N O
	'1e11111e101010', '0e11111115120d', '1e11111e141211', '0f10100e01011e', // P Q R S
	'1f040404040404', '1111111111110e', '11111111110a04', '1111111515150a', // T U V W
	'11110a040a1111', '1111110a040404', '1f01020408101f', '0e08080808080e', // X Y Z [
	'00100804020100', '0e02020202020e', '040a1100000000', '0000000000001f', // \ ] ^ _
	'08040200000000', '00000e010f110f', '1010161911111e', '00000e1010110e', // ` a b c
	'01010d1311110f', '00000e111f100e', '0609081c080808', '00000f1111110f010e', // d e f g
	'10101619111111', '04000c0404040e', '02000602020202120c', '10101214181412', // h i j k
	'0c04040404040e', '00001a15151111', '00001619111111', '00000e1111110e', // l m n o
	'00001e1111111e1010', '00000f1111110f0101', '00001619101010', '00000e100e011e', // p q r s
	'08081c08080906', '0000111111130d', '00001111110a04', '0000111115150a', // t u v w
	'0000110a040a11', '0000111111110f010e', '00001f0204081f', '02040408040402', // x y z {
	'04040404040404', '08040402040408', '00000815020000', // | } ~
];

/** The glyph's rows as bit masks (0x10 = leftmost dot); characters the font lacks draw as `?`. */
export function glyphRows(char: string): number[] {
	const code = char.charCodeAt(0);
	const hex = (GLYPHS[code - FIRST_CODE] ?? GLYPHS[MISSING_GLYPH.charCodeAt(0) - FIRST_CODE]).padEnd(GLYPH_HEIGHT * 2, '0');
	return Array.from({ length: GLYPH_HEIGHT }, (_, row) => parseInt(hex.slice(row * 2, row * 2 + 2), 16));
}

/** The text with every character the font lacks replaced by `?`. */
export function printable(text: string): string {
	return Array.from(text, (char) => (char.length === 1 && GLYPHS[char.charCodeAt(0) - FIRST_CODE] ? char : MISSING_GLYPH)).join('');
}
