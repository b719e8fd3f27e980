import { OPTION_SPECS, optionsProperty, readRunSettings } from '../../../../nodes/Kling/parameters/options';
import type { OptionName } from '../../../../nodes/Kling/parameters/options';
import { FieldError } from '../../../../nodes/Kling/wire/validation';
import { fieldOf } from '../../../support/checks';


describe('readRunSettings', () => {
	it('applies defaults and converts seconds to milliseconds', () => {
		expect(readRunSettings({})).toEqual({
			concurrency: 4,
			maxRetries: 4,
			timeoutMs: 600_000,
			downloadTimeoutMs: 120_000,
			maxImageBytes: 50 * 1024 * 1024,
			pollIntervalMs: 3000,
			resendAfterUnclear: 1,
			maxWaitMs: 900_000,
		});
		expect(readRunSettings({ concurrency: 10, maxRetries: 0, timeout: 1.5 })).toMatchObject({
			concurrency: 10,
			maxRetries: 0,
			timeoutMs: 1500,
		});
	});

	it('refuses values out of range', () => {
		expect(fieldOf(() => readRunSettings({ concurrency: 51 }))).toBe('Parallel Requests');
		expect(fieldOf(() => readRunSettings({ maxRetries: 11 }))).toBe('Max Retries');
		expect(fieldOf(() => readRunSettings({ timeout: 0 }))).toBe('Timeout (Seconds)');
	});
});

describe('one table per option', () => {
	const names = Object.keys(OPTION_SPECS) as OptionName[];
	const property = optionsProperty(names);

	it.each(names)('%s: the editor shows the range and default the check applies', (name) => {
		const spec = OPTION_SPECS[name];
		const shown = property.options?.find((option) => 'name' in option && option.name === name) as { default: unknown; typeOptions?: { minValue?: number; maxValue?: number } };
		expect(shown.default).toBe(spec.default);
		expect(shown.typeOptions?.minValue).toBe(spec.min);
		expect(shown.typeOptions?.maxValue).toBe(spec.max);
		expect(() => readRunSettings({ [name]: spec.min })).not.toThrow();
		expect(() => readRunSettings({ [name]: spec.max })).not.toThrow();
		expect(fieldOf(() => readRunSettings({ [name]: spec.min - 0.001 }))).toBe(spec.displayName);
		expect(fieldOf(() => readRunSettings({ [name]: spec.max + 1 }))).toBe(spec.displayName);
	});
});
