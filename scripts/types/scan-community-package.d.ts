/** The part of n8n's community-package scanner that `npm run scan` uses; the package ships no type declarations. */
declare module '@n8n/scan-community-package/scanner/scanner.mjs' {
	export interface AnalysisResult {
		passed: boolean;
		message?: string;
		/** ESLint's `stylish` report of the findings. */
		details?: string;
	}

	/** Lints the files of `packageDir` that match `filePatterns` with the scanner's rules. */
	export function analyzePackage(packageDir: string, filePatterns?: string[]): Promise<AnalysisResult>;

	/** The source files n8n's review lints: package.json and everything under nodes/ and credentials/. */
	export const SOURCE_FILE_PATTERNS: string[];
}
