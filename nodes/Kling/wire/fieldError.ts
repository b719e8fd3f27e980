/** A bad parameter value, named by its UI label so the user can find it. */
export class FieldError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(`"${field}" ${message}`);
		this.name = 'FieldError';
	}
}
