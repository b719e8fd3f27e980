/** Which Kling API a run talks to, decided once per run from the Authentication parameter. */
export type Mode = 'gateway' | 'official';

/** The credential type of each mode; these are also the Authentication parameter's saved values. */
export const CREDENTIAL_OF: Readonly<Record<Mode, 'klingApi' | 'klingAiApi'>> = {
	gateway: 'klingApi',
	official: 'klingAiApi',
};

/** The mode an Authentication value selects; anything but the official credential is the gateway (the default). */
export function modeOf(authentication: unknown): Mode {
	return authentication === CREDENTIAL_OF.official ? 'official' : 'gateway';
}
