import { CommandError } from './proc';
import { PROGRESS_EVERY_MS, elapsed } from './progress';

/** When the last line was printed: a step that prints nothing for a while gets a line of its own. */
let lastLineAt = Date.now();

function print(line: string): void {
	lastLineAt = Date.now();
	console.log(line);
}

/** An error that knows which step of a script it broke. */
export class StepError extends Error {
	constructor(
		readonly step: string,
		readonly cause: unknown,
	) {
		super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
	}
}

/** Runs the steps of a script, saying what each does and which one failed. */
export class Steps {
	private index = 0;

	constructor(private readonly total: number) {}

	async run<T>(title: string, action: () => Promise<T>): Promise<T> {
		this.index++;
		print(`\n[${this.index}/${this.total}] ${title}`);
		const started = Date.now();
		// Never silent for long: a line when the step has printed nothing for PROGRESS_EVERY_MS.
		const timer = setInterval(() => {
			if (Date.now() - lastLineAt >= PROGRESS_EVERY_MS) info(`… still at it, ${elapsed(Date.now() - started)}`);
		}, 1000);
		try {
			const result = await action();
			print(`      done in ${seconds(Date.now() - started)}`);
			return result;
		} catch (error) {
			throw new StepError(`step ${this.index}/${this.total} "${title}"`, error);
		} finally {
			clearInterval(timer);
		}
	}
}

/** Prints an indented progress line under the current step. */
export function info(message: string): void {
	print(`      ${message}`);
}

export function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

/** Prints a failure (with a command's output tail when there is one) and sets the exit code. */
export function reportFailure(error: unknown): void {
	process.exitCode = 1;
	const where = error instanceof StepError ? error.step : 'the script';
	const cause = error instanceof StepError ? error.cause : error;
	console.error(`\nFAILED at ${where}`);
	if (cause instanceof CommandError) console.error(cause.message);
	else console.error(cause instanceof Error ? (cause.stack ?? cause.message) : String(cause));
}
