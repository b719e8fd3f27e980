/** What one node run is bounded by: read from an operation's options, carried to the transport as plain values. */
export interface RunSettings {
	/** Items of one execution at once. */
	concurrency: number;
	/** Resends after server errors and broken connections (waits for the account's limit do not count). */
	maxRetries: number;
	/** Gateway: an item's deadline, its generation included. Reads wait for the account as long. */
	timeoutMs: number;
	/** One whole image download. */
	downloadTimeoutMs: number;
	/** Max Image Size: a download past it stops and fails its item. */
	maxImageBytes: number;
	/** First wait before a task's status is checked. */
	pollIntervalMs: number;
	/** Official API: an item's deadline, from waiting for task slots to the task's end. */
	maxWaitMs: number;
	/** Gateway: resends of a generation after a failure the API may have processed. */
	resendAfterUnclear: number;
}
